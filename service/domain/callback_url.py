"""Callback URLs: which ones an account may hold, and which addresses a callback may reach.

A URL is checked when it is set (by the operator with the CLI, or by a client through an API)
and again before every POST, so that a URL stored before these rules existed is refused too.
The addresses are checked after the host is resolved, right before connecting: every address
it resolves to, so that no DNS answer can lead the worker inside the network.

Two kinds of URL:
- trusted: set by the operator, who may point it anywhere on the network but at link-local
  and cloud metadata addresses;
- untrusted: set by a client, who may reach only public addresses, plus the networks the
  operator allows (``SMSGW_CALLBACK_ALLOWED_NETWORKS``).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Iterable, Union
from urllib.parse import urlsplit

from .errors import ValidationError

MAX_URL_LENGTH = 2000  # the column's size
IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]
IPNetwork = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]

_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
# WHATWG URL parsers read a host whose last label is a number as an IPv4 address in any of its
# odd forms (127.1, 0x7f.1, 2130706433); only the plain dotted quad is unambiguous.
_NUMERIC_LABEL = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)")


@dataclass(frozen=True)
class CallbackTarget:
    """A callback URL taken apart once; the transport uses these parts, never the raw URL."""

    scheme: str   # "http" or "https"
    host: str     # lower-case ASCII hostname, or an IP literal without brackets
    port: int
    path: str     # the request target: path and query

    @property
    def ip_literal(self) -> IPAddress | None:
        try:
            return ipaddress.ip_address(self.host)
        except ValueError:
            return None

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def _refuse(reason: str) -> ValidationError:
    return ValidationError(f"callback URL {reason}", field="callback_url")


def parse_callback_url(url: str) -> CallbackTarget:
    """Check a callback URL and take it apart. Raises ValidationError (field callback_url).

    http or https only; a host is required; no user name or password; no spaces, control
    characters (CR, LF, tab...) or backslashes; ASCII only but for an internationalised host
    name; at most 2000 characters; a port of 1..65535.
    """
    if not isinstance(url, str) or not url:
        raise _refuse("must not be empty")
    if len(url) > MAX_URL_LENGTH:
        raise _refuse(f"must be at most {MAX_URL_LENGTH} characters")
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise _refuse("must not contain spaces or control characters (CR, LF, tab...)")
    if "\\" in url:
        raise _refuse("must not contain a backslash")
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise _refuse(f"is malformed: {exc}") from exc
    if parts.scheme.lower() not in ("http", "https"):
        raise _refuse("must be http:// or https://")
    if "@" in parts.netloc:
        raise _refuse("must not contain a user name or password")
    host = _host(parts.netloc)
    try:
        port = parts.port
    except ValueError as exc:
        raise _refuse("has an invalid port") from exc
    if port == 0:
        raise _refuse("has an invalid port")
    scheme = parts.scheme.lower()
    path = parts.path or "/"
    if not path.startswith("/"):
        raise _refuse("is malformed")
    if parts.query:
        path += "?" + parts.query
    if not path.isascii():
        raise _refuse("path and query must be ASCII (percent-encode other characters)")
    return CallbackTarget(scheme, host, port or (443 if scheme == "https" else 80), path)


def _host(netloc: str) -> str:
    """The host of ``netloc``, checked: an IP literal, or a DNS name in ASCII (IDNA)."""
    if netloc.startswith("["):
        literal, sep, rest = netloc[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise _refuse("has a malformed IPv6 address")
        try:
            address = ipaddress.IPv6Address(literal)
        except ValueError as exc:
            raise _refuse("has a malformed IPv6 address") from exc
        if address.scope_id:
            raise _refuse("must not name an IPv6 zone")
        return str(address)
    host = netloc.rpartition(":")[0] if ":" in netloc else netloc
    if not host:
        raise _refuse("needs a host")
    try:
        return str(ipaddress.IPv4Address(host))
    except ValueError:
        pass
    try:
        name = host.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise _refuse("has an invalid host name") from exc
    labels = name[:-1].split(".") if name.endswith(".") else name.split(".")
    if len(name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise _refuse("has an invalid host name")
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        raise _refuse("must give an IPv4 address as four decimal numbers (a.b.c.d)")
    return name


# -- addresses --------------------------------------------------------------------------------

def _nets(*specs: str) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(s) for s in specs)


# Refused for every URL, trusted or not. Metadata services hand out cloud credentials.
_METADATA = _nets("169.254.169.254/32", "169.254.170.2/32", "fd00:ec2::254/128",
                  "fd20:ce::254/128", "100.100.100.200/32", "192.0.0.192/32",
                  "168.63.129.16/32")
_ALWAYS = (("cloud metadata", _METADATA),
           ("unspecified", _nets("0.0.0.0/8", "::/128")),
           ("link-local", _nets("169.254.0.0/16", "fe80::/10")),
           ("multicast", _nets("224.0.0.0/4", "ff00::/8")),
           ("broadcast", _nets("255.255.255.255/32")))
_PRIVATE = _nets("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
_SHARED = _nets("100.64.0.0/10")
_NAT64 = _nets("64:ff9b::/96")


def parse_networks(specs: Iterable[str]) -> tuple[IPNetwork, ...]:
    """IP networks from CIDR texts (``10.0.0.0/8``, ``::1``); ValueError names a bad one."""
    out = []
    for spec in specs:
        spec = spec.strip()
        if spec:
            try:
                out.append(ipaddress.ip_network(spec, strict=False))
            except ValueError as exc:
                raise ValueError(f"{spec!r} is not an IP network") from exc
    return tuple(out)


def _embedded(address: IPAddress) -> list[IPAddress]:
    """IPv4 addresses an IPv6 address carries, which a translator or tunnel may reach."""
    if address.version == 4:
        return []
    out: list[IPAddress] = []
    if address.sixtofour:
        out.append(address.sixtofour)
    if address.teredo:
        out.extend(address.teredo)
    if any(address in net for net in _NAT64) or (
            int(address) >> 32 == 0 and int(address) > 0xFFFF):  # NAT64, IPv4-compatible
        out.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return out


def _public(address: IPAddress) -> bool:
    # is_global alone varies between Python releases (fec0::/10, 100::/64...): ask every flag.
    return (address.is_global and not (address.is_private or address.is_loopback
                                       or address.is_reserved or address.is_link_local)
            and not (address.version == 6 and address.is_site_local))


def _kind(address: IPAddress) -> str:
    if address.is_loopback:
        return "loopback"
    if any(address in net for net in _PRIVATE):
        return "private"
    if any(address in net for net in _SHARED):
        return "shared (carrier-grade NAT)"
    return "reserved"


@dataclass(frozen=True)
class Refusal:
    """Why a callback must not connect to an address. ``always``: no URL may reach it."""

    address: str
    kind: str
    always: bool

    def __str__(self) -> str:
        article = "an" if self.kind[0] in "aeiou" else "a"
        rule = "never allowed" if self.always else "not allowed for a client-set URL"
        return f"{self.address} is {article} {self.kind} address, {rule}"


def address_refusal(address: str | IPAddress, *, trusted: bool,
                    allowed: tuple[IPNetwork, ...] = ()) -> Refusal | None:
    """Why a callback must not connect to ``address``, or None when it may.

    Always refused: cloud metadata, unspecified, link-local, multicast and broadcast addresses
    (also inside an IPv6 address that carries an IPv4 one). An untrusted URL may reach only
    public addresses and the ``allowed`` networks.
    """
    try:
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    except ValueError:
        return Refusal(str(address), "malformed", True)
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.version == 6 and ip.scope_id:
        ip = ipaddress.IPv6Address(str(ip).partition("%")[0])
    for candidate in [ip, *_embedded(ip)]:
        for kind, nets in _ALWAYS:
            if any(candidate in net for net in nets):
                return Refusal(str(ip), kind, True)
    if trusted or any(ip in net for net in allowed):
        return None
    for candidate in [ip, *_embedded(ip)]:
        if not _public(candidate):
            return Refusal(str(ip), _kind(candidate), False)
    return None
