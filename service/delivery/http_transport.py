"""The callback transport: HTTP POST over pooled keep-alive connections (urllib3).

It connects to the address the callback sender checked, never to a fresh DNS answer for the
host, and still speaks to the host by name: the Host header, the TLS server name (SNI) and
the certificate check all use the URL's host. Redirects are never followed.
"""

from __future__ import annotations

import urllib3

from ..domain.callback_url import CallbackTarget


class Urllib3Transport:
    def __init__(self, pool_size: int = 8, ca_certs: str | None = None) -> None:
        # ca_certs: a CA bundle to verify servers against (default: the system's).
        self._pool = urllib3.PoolManager(maxsize=pool_size, retries=False, block=False,
                                         cert_reqs="CERT_REQUIRED", ca_certs=ca_certs)

    def post(self, target: CallbackTarget, address: str, body: bytes, headers: dict[str, str],
             timeout: float) -> int:
        tls = {"server_hostname": target.host, "assert_hostname": target.host} \
            if target.scheme == "https" else {}
        try:
            # One pool per (address, port, TLS name): keep-alive connections are reused only
            # for the same checked address and the same server name.
            pool = self._pool.connection_from_host(address, target.port, target.scheme,
                                                   pool_kwargs=tls)
            response = pool.urlopen("POST", target.path, body=body,
                                    headers={**headers, "Host": target.host_header},
                                    retries=False, redirect=False, assert_same_host=False,
                                    timeout=urllib3.Timeout(total=timeout),
                                    preload_content=True)
        except urllib3.exceptions.HTTPError as exc:  # urllib3's are not OSErrors
            raise ConnectionError(str(exc)) from exc
        return response.status
