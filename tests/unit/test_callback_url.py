"""The callback URL rules of the domain, and the guard that applies them to resolved addresses
(with a fake resolver: nothing here touches the network)."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from service.app.delivery.callback_guard import CallbackGuard, CallbackRefused
from service.domain.callback_url import (CallbackTarget, address_refusal, parse_callback_url,
                                         parse_networks)
from service.domain.errors import ValidationError
from tests.fakes import FakeResolver


@pytest.mark.parametrize("url,target", [
    ("http://example.com", CallbackTarget("http", "example.com", 80, "/")),
    ("HTTPS://Hooks.Example.com:8443/a/b?x=1&y=2#frag",
     CallbackTarget("https", "hooks.example.com", 8443, "/a/b?x=1&y=2")),
    ("https://bücher.example/cb", CallbackTarget("https", "xn--bcher-kva.example", 443, "/cb")),
    ("http://[::1]:6379/", CallbackTarget("http", "::1", 6379, "/")),
    ("http://10.0.0.7:8080/sms", CallbackTarget("http", "10.0.0.7", 8080, "/sms")),
    ("http://example.com.:81/", CallbackTarget("http", "example.com.", 81, "/")),
])
def test_good_urls_are_taken_apart_once(url, target):
    assert parse_callback_url(url) == target


def test_the_host_header_names_the_host_and_a_port_only_when_it_is_not_the_default():
    assert parse_callback_url("https://a.example:443/").host_header == "a.example"
    assert parse_callback_url("http://a.example:8080/").host_header == "a.example:8080"
    assert parse_callback_url("http://[::1]:81/").host_header == "[::1]:81"


@pytest.mark.parametrize("url,reason", [
    ("", "empty"),
    ("ftp://example.com/", "http"),
    ("javascript:alert(1)", "http"),
    ("file:///etc/passwd", "http"),
    ("gopher://127.0.0.1:6379/_INFO", "http"),
    ("http:///path", "host"),
    ("http://", "host"),
    ("http:example.com", "host"),
    ("http://user:pw@example.com/", "user name"),
    ("http://user@example.com/", "user name"),
    ("http://example.com@169.254.169.254/", "user name"),
    ("http://example.com/cb\r\nX-Injected: 1", "control"),
    ("http://example.com/cb\n", "control"),
    ("http://example.com/\x00", "control"),
    ("http://exa\tmple.com/", "control"),
    ("http://example.com/a b", "spaces"),
    (" http://example.com/", "spaces"),
    ("http://example.com/\u2028", "spaces"),
    ("http://example.com/\u202e", "control"),
    ("http://example.com\\@evil.test/", "backslash"),
    ("http://example.com:0/", "port"),
    ("http://example.com:65536/", "port"),
    ("http://example.com:-1/", "port"),
    ("http://example.com:http/", "port"),
    ("http://[::1/", "malformed"),
    ("http://[fe80::1%25eth0]/", "zone"),
    ("http://[1.2.3.4]/", "malformed"),
    ("http://127.1/", "four decimal"),
    ("http://0x7f.0.0.1/", "four decimal"),
    ("http://2130706433/", "four decimal"),
    ("http://0177.0.0.1/", "four decimal"),
    ("http://a..b/", "host name"),
    ("http://-a.example/", "host name"),
    ("http://" + "a" * 64 + ".example/", "host name"),
    ("http://example.com/" + "a" * 2000, "2000"),
    ("http://example.com/ü", "ASCII"),
])
def test_bad_urls_are_refused_with_a_reason(url, reason):
    with pytest.raises(ValidationError) as info:
        parse_callback_url(url)
    assert info.value.field == "callback_url" and reason in info.value.message


@given(st.text(max_size=60), st.sampled_from("\r\n\t\x00\x0b\x0c\x7f\x85\u2028 "),
       st.text(max_size=20))
def test_no_url_with_a_space_or_control_character_is_accepted(before, bad, after):
    with pytest.raises(ValidationError):
        parse_callback_url(f"http://example.com/{before}{bad}{after}")


@given(st.text(max_size=80))
def test_whatever_is_accepted_yields_parts_safe_to_put_on_the_wire(tail):
    try:
        target = parse_callback_url("http://" + tail)
    except ValidationError:
        return
    for text in (target.host, target.host_header, target.path):
        assert text.isascii() and all(0x20 < ord(ch) < 0x7f for ch in text)
    assert target.path.startswith("/") and "@" not in target.host and 1 <= target.port <= 65535


ALWAYS = ["169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200",
          "192.0.0.192", "168.63.129.16", "169.254.0.1", "fe80::1", "fe80::1%2", "0.0.0.0",
          "0.1.2.3", "::", "224.0.0.1", "239.255.255.250", "ff02::1", "255.255.255.255",
          "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::", "::a9fe:a9fe"]
EVERYWHERE = parse_networks(["0.0.0.0/0", "::/0"])


@pytest.mark.parametrize("address", ALWAYS)
def test_link_local_metadata_unspecified_multicast_and_broadcast_are_always_refused(address):
    for trusted in (True, False):
        refusal = address_refusal(address, trusted=trusted, allowed=EVERYWHERE)
        assert refusal is not None and refusal.always, (address, trusted)
    assert "never allowed" in str(address_refusal(address, trusted=True))


@pytest.mark.parametrize("address,kind", [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("::ffff:127.0.0.1", "loopback"),
    ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("192.168.1.1", "private"),
    ("fd12:3456::1", "private"), ("100.64.0.1", "shared"), ("192.0.2.1", "reserved"),
    ("198.18.0.1", "reserved"), ("240.0.0.1", "reserved"), ("fec0::1", "reserved"),
    ("2001:db8::1", "reserved"), ("64:ff9b::7f00:1", "reserved"),
])
def test_a_client_set_url_reaches_no_internal_address_unless_the_operator_allows_it(address, kind):
    refusal = address_refusal(address, trusted=False)
    assert refusal is not None and not refusal.always and kind in refusal.kind
    assert "not allowed for a client-set URL" in str(refusal)
    assert address_refusal(address, trusted=True) is None
    assert address_refusal(address, trusted=False, allowed=EVERYWHERE) is None


def test_the_allowed_networks_let_in_only_what_they_contain():
    allowed = parse_networks(["127.0.0.0/8", "10.20.0.0/16"])
    assert address_refusal("127.0.0.1", trusted=False, allowed=allowed) is None
    assert address_refusal("::ffff:127.0.0.1", trusted=False, allowed=allowed) is None
    assert address_refusal("10.20.30.40", trusted=False, allowed=allowed) is None
    assert address_refusal("10.21.0.1", trusted=False, allowed=allowed) is not None
    assert address_refusal("::1", trusted=False, allowed=allowed) is not None


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_open_to_every_url(address):
    assert address_refusal(address, trusted=False) is None


def test_bad_network_specs_are_named():
    with pytest.raises(ValueError, match="'10.0.0.0/33'"):
        parse_networks(["10.0.0.0/8", "10.0.0.0/33"])


# -- the guard: resolve once, check every address --------------------------------------------

def test_a_host_that_resolves_to_a_metadata_address_is_refused_naming_both():
    guard = CallbackGuard(FakeResolver({"hooks.example": ["169.254.169.254"]}))
    with pytest.raises(CallbackRefused) as info:
        guard.destination("https://hooks.example/cb", trusted=True)
    assert info.value.reason == ("refused: hooks.example resolves to 169.254.169.254: "
                                 "169.254.169.254 is a cloud metadata address, never allowed")
    assert not info.value.permanent


def test_one_bad_address_among_several_refuses_the_host():
    guard = CallbackGuard(FakeResolver({"mixed.example": ["93.184.216.34", "10.0.0.1"]}))
    with pytest.raises(CallbackRefused, match="10.0.0.1 is a private address.*"
                                              "SMSGW_CALLBACK_ALLOWED_NETWORKS"):
        guard.destination("http://mixed.example/", trusted=False)
    assert guard.destination("http://mixed.example/", trusted=True).addresses == (
        "93.184.216.34", "10.0.0.1")


def test_an_ip_literal_is_checked_without_a_lookup():
    resolver = FakeResolver()
    guard = CallbackGuard(resolver, parse_networks(["127.0.0.0/8"]))
    with pytest.raises(CallbackRefused, match=r"::1 is a loopback address"):
        guard.destination("http://[::1]:6379/", trusted=False)
    assert guard.destination("http://127.0.0.1:5432/", trusted=False).addresses == ("127.0.0.1",)
    assert resolver.lookups == []


def test_an_invalid_stored_url_is_refused_for_good():
    guard = CallbackGuard(FakeResolver())
    with pytest.raises(CallbackRefused) as info:
        guard.destination("http://example.com/\r\nX: 1", trusted=True)
    assert info.value.permanent and "control characters" in info.value.reason


def test_a_host_that_does_not_resolve_is_unreachable_not_refused():
    with pytest.raises(OSError, match="does not resolve"):
        CallbackGuard(FakeResolver()).destination("http://nowhere.example/", trusted=True)


def test_the_allowed_networks_setting_is_read_once_and_checked(tmp_path):
    from service.bootstrap import build_container, build_delivery
    from service.config import ConfigError, Settings
    settings = Settings.from_env({"SMSGW_CALLBACK_ALLOWED_NETWORKS": "10.0.0.0/8, fd00::/8,",
                                  "SMSGW_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    _, sender = build_delivery(build_container(settings))
    assert sender.policy.allowed_networks == parse_networks(["10.0.0.0/8", "fd00::/8"])
    assert Settings.from_env({}).callback_allowed_networks == ""
    with pytest.raises(ConfigError, match="SMSGW_CALLBACK_ALLOWED_NETWORKS: '10.0.0.0/33'"):
        Settings.from_env({"SMSGW_CALLBACK_ALLOWED_NETWORKS": "10.0.0.0/33"})
