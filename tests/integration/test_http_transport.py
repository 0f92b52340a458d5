"""The real callback transport and resolver against receivers on loopback: the POST goes to
the checked address and nowhere else, speaks to the URL's host by name (Host, SNI, the
certificate), and follows no redirect."""

from __future__ import annotations

import ssl

import pytest
import trustme

from service.app.delivery.callback_guard import CallbackGuard
from service.delivery.http_transport import Urllib3Transport
from service.delivery.resolver import SystemResolver
from service.domain.callback_url import parse_callback_url
from tests.fakes import FakeResolver
from tests.integration.loopback import NetworkGuard, Receiver

HEADERS = {"Content-Type": "application/json"}


@pytest.fixture
def net(monkeypatch):
    return NetworkGuard(monkeypatch)


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_the_post_goes_to_the_checked_address_with_the_urls_host_and_no_second_lookup(
        net, receiver):
    # The name "resolves" once to loopback; if the transport looked it up again it would hit
    # the guard (and, with a rebinding DNS, could get 169.254.169.254 instead).
    resolver = FakeResolver({"hooks.test": ["127.0.0.1"]})
    destination = CallbackGuard(resolver).destination(
        f"http://hooks.test:{receiver.port}/sms/status?k=1", trusted=True)
    resolver.table["hooks.test"] = ["169.254.169.254"]
    status = Urllib3Transport().post(destination.target, destination.addresses[0], b'{"a":1}',
                                     HEADERS, 5)
    assert status == 200
    [(path, headers, body)] = receiver.requests
    assert (path, headers["Host"], body) == ("/sms/status?k=1", f"hooks.test:{receiver.port}",
                                             b'{"a":1}')
    assert resolver.lookups == ["hooks.test"]
    assert "hooks.test" not in net.lookups and set(net.connects) == {"127.0.0.1"}


def test_an_ipv6_address_is_reached_as_given(net):
    receiver = Receiver("::1")
    try:
        target = parse_callback_url(f"http://hooks.test:{receiver.port}/cb")
        assert Urllib3Transport().post(target, "::1", b"{}", HEADERS, 5) == 200
        assert receiver.requests[0][1]["Host"] == f"hooks.test:{receiver.port}"
    finally:
        receiver.close()
    assert net.connects == ["::1"]


def test_a_redirect_is_answered_not_followed(net):
    elsewhere = Receiver()
    redirecting = Receiver(status=302, location=f"http://127.0.0.1:{elsewhere.port}/stolen")
    try:
        target = parse_callback_url(f"http://127.0.0.1:{redirecting.port}/cb")
        assert Urllib3Transport().post(target, "127.0.0.1", b"{}", HEADERS, 5) == 302
        assert len(redirecting.requests) == 1 and elsewhere.requests == []
    finally:
        elsewhere.close()
        redirecting.close()


@pytest.fixture
def ca():
    return trustme.CA()


def tls_receiver(ca, *names: str) -> Receiver:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(context)
    return Receiver(tls=context)


def test_https_checks_the_certificate_and_sends_the_name_of_the_urls_host(net, ca, tmp_path):
    receiver = tls_receiver(ca, "hooks.test")
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    try:
        target = parse_callback_url(f"https://hooks.test:{receiver.port}/cb")
        status = Urllib3Transport(ca_certs=str(bundle)).post(target, "127.0.0.1", b"{}",
                                                             HEADERS, 5)
        assert status == 200 and receiver.server_names == ["hooks.test"]
        assert receiver.requests[0][1]["Host"] == f"hooks.test:{receiver.port}"
    finally:
        receiver.close()


def test_https_refuses_a_certificate_for_another_name(net, ca, tmp_path):
    receiver = tls_receiver(ca, "other.test", "127.0.0.1")
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    try:
        target = parse_callback_url(f"https://hooks.test:{receiver.port}/cb")
        with pytest.raises(OSError, match="hooks.test"):
            Urllib3Transport(ca_certs=str(bundle)).post(target, "127.0.0.1", b"{}", HEADERS, 5)
        assert receiver.requests == []
    finally:
        receiver.close()


def test_https_refuses_a_certificate_from_an_unknown_authority(net, ca):
    receiver = tls_receiver(ca, "hooks.test")
    try:
        target = parse_callback_url(f"https://hooks.test:{receiver.port}/cb")
        with pytest.raises(OSError, match="CERTIFICATE_VERIFY_FAILED"):
            Urllib3Transport().post(target, "127.0.0.1", b"{}", HEADERS, 5)
        assert receiver.requests == []
    finally:
        receiver.close()


@pytest.mark.parametrize("resolver", [SystemResolver(), FakeResolver(
    {"localhost": ["127.0.0.1"], "127.0.0.1": ["127.0.0.1"]})], ids=["system", "fake"])
def test_resolvers_answer_every_address_of_a_name(resolver, net):
    assert "127.0.0.1" in resolver.resolve("localhost", 80)
    assert resolver.resolve("127.0.0.1", 80) == ["127.0.0.1"]
