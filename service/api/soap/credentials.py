"""Credentials of a native SOAP request: HTTP Basic and/or a WS-Security UsernameToken."""

from __future__ import annotations

from ...app.access.auth import Credentials
from ...domain.errors import AuthenticationFailed
from ..reading import basic_credentials
from ..ns import WSSE, WSSE_PASSWORD_DIGEST


def wsse_credentials(header_doc) -> tuple[str, str] | None:
    """The UsernameToken of a ``wsse:Security`` header, if there is one."""
    for element in header_doc or ():
        if element.tag != f"{{{WSSE}}}Security":
            continue
        token = element.find(f"{{{WSSE}}}UsernameToken")
        if token is None:
            continue
        username = token.findtext(f"{{{WSSE}}}Username")
        password = token.find(f"{{{WSSE}}}Password")
        if password is not None and password.get("Type") == WSSE_PASSWORD_DIGEST:
            raise AuthenticationFailed(
                "WS-Security PasswordDigest cannot be verified because passwords are stored "
                "hashed; send PasswordText (over TLS) or use HTTP Basic")
        return (username or "", password.text or "" if password is not None else "")
    return None


def request_credentials(environ, header_doc, ip: str | None) -> Credentials:
    """Combine both sources; when both are present they must name the same account."""
    basic = basic_credentials(environ)
    wsse = wsse_credentials(header_doc)
    if basic and wsse and basic != wsse:
        raise AuthenticationFailed("HTTP Basic and WS-Security credentials differ")
    login, password = basic or wsse or (None, None)
    return Credentials(login=login, password=password, ip=ip)
