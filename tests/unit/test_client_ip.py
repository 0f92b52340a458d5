"""The client's address: REMOTE_ADDR, or X-Forwarded-For only as far as trusted proxies vouch."""

from service.api.client_ip import ClientIpResolver

PROXY = "10.0.0.5"


def resolve(forwarded: str | None, peer: str = PROXY, trusted=("10.0.0.0/8",)) -> str | None:
    environ = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        environ["HTTP_X_FORWARDED_FOR"] = forwarded
    return ClientIpResolver(trusted).resolve(environ)


def test_an_untrusted_peer_is_the_client_whatever_it_forwards():
    assert resolve("192.0.2.1", peer="198.51.100.7") == "198.51.100.7"


def test_the_rightmost_hop_not_added_by_a_trusted_proxy_is_the_client():
    assert resolve("203.0.113.9, 192.0.2.1, 10.0.0.9") == "192.0.2.1"


def test_a_hop_that_is_not_an_address_ends_the_chain_at_the_nearest_trusted_hop():
    assert resolve("192.0.2.1, <script>") == PROXY
    assert resolve("192.0.2.1, nonsense, 10.0.0.9") == "10.0.0.9"
    assert resolve("192.0.2.1, 1.2.3.4\x00") == PROXY


def test_addresses_are_normalised_so_one_client_has_one_spelling():
    assert resolve("2001:DB8:0:0::1") == "2001:db8::1"


def test_without_the_header_the_proxy_itself_is_the_client():
    assert resolve(None) == PROXY
