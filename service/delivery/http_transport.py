"""The callback transport: HTTP POST over pooled keep-alive connections (urllib3)."""

from __future__ import annotations

import urllib3


class Urllib3Transport:
    def __init__(self, pool_size: int = 8) -> None:
        self._pool = urllib3.PoolManager(maxsize=pool_size, retries=False, block=False)

    def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
        try:
            response = self._pool.request("POST", url, body=body, headers=headers,
                                          timeout=urllib3.Timeout(total=timeout),
                                          redirect=False, preload_content=True)
        except urllib3.exceptions.HTTPError as exc:  # urllib3's are not OSErrors
            raise ConnectionError(str(exc)) from exc
        return response.status
