"""Where a worker's notifications may go, on both stores, with the real transport: refused
addresses are recorded as the notification's last error and never connected to (a guard on
every socket proves it); loopback receivers (port 0) stand in for internal services."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service.app.delivery.callbacks import CallbackPolicy, CallbackService
from service.delivery.http_transport import Urllib3Transport
from service.domain.callback_url import parse_networks
from service.persistence.tables import callbacks
from tests.conftest import STORES, store_url
from tests.fakes import FakeResolver
from tests.integration.loopback import NetworkGuard, Receiver
from tests.integration.test_delivery import World, ids


class Sender:
    """The world's notifications, sent by the real transport through a fake resolver."""

    def __init__(self, world: World, allowed: str = "") -> None:
        self.world = world
        self.resolver = FakeResolver({"metadata.test": ["169.254.169.254"],
                                      "localhost": ["127.0.0.1"],
                                      "rebind.test": ["127.0.0.1", "169.254.169.254"]})
        world.callbacks = CallbackService(
            world.container.uow_factory, world.clock, Urllib3Transport(),
            CallbackPolicy(retry_min_seconds=1, retry_max_seconds=4, give_up_hours=1,
                           timeout_seconds=5, allowed_networks=parse_networks(allowed.split(","))),
            self.resolver)

    def notify(self, url: str, *, trusted: bool) -> tuple[str, str | None]:
        """Point alice's callbacks at ``url``, send a message, run one worker cycle; returns
        the state and last error of the message's first notification."""
        self.world.container.use_cases.accounts.configure(
            "alice", callback_url=url, callback_url_trusted=trusted)
        [self.message_id] = ids(self.world.send(["+79991234567"]))
        self.world.cycle()
        return last_attempt(self.world, self.message_id)


def last_attempt(world: World, message_id: int) -> tuple[str, str | None]:
    with world.engine.connect() as conn:
        row = conn.execute(select(callbacks.c.state, callbacks.c.last_error)
                           .where(callbacks.c.message_id == message_id)
                           .order_by(callbacks.c.id)).first()
    return row.state, row.last_error


@pytest.fixture(params=STORES)
def world(request, monkeypatch):
    w = World(store_url(request, request.param))
    w.net = NetworkGuard(monkeypatch)  # after the store is up: PostgreSQL connects in C
    yield w
    w.engine.dispose()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


NEVER = [
    ("http://169.254.169.254/latest/meta-data/iam/", "169.254.169.254 is a cloud metadata"),
    ("http://metadata.test/computeMetadata/v1/", "metadata.test resolves to 169.254.169.254"),
    ("http://[fd00:ec2::254]/latest/", "fd00:ec2::254 is a cloud metadata"),
    ("http://100.100.100.200/latest/meta-data", "100.100.100.200 is a cloud metadata"),
    ("http://[::ffff:169.254.169.254]/", "169.254.169.254 is a cloud metadata"),
    ("http://169.254.10.1:8080/", "169.254.10.1 is a link-local"),
    ("http://[fe80::1]:6379/", "fe80::1 is a link-local"),
    ("http://0.0.0.0:5432/", "0.0.0.0 is an unspecified"),
    ("http://[::]:6379/", ":: is an unspecified"),
    ("http://239.255.255.250:1900/", "239.255.255.250 is a multicast"),
    ("http://255.255.255.255/", "255.255.255.255 is a broadcast"),
    ("http://rebind.test/", "rebind.test resolves to 169.254.169.254"),
]


@pytest.mark.parametrize("trusted", [True, False], ids=["operator-set", "client-set"])
def test_metadata_link_local_and_the_like_are_refused_for_every_url_without_connecting(
        world, trusted):
    sender = Sender(world, allowed="0.0.0.0/0,::/0")  # not even "allow everything" opens them
    for url, reason in NEVER:
        state, error = sender.notify(url, trusted=trusted)
        assert state == "pending" and error.startswith("refused: "), (url, error)
        assert reason in error, (url, error)
        assert "never allowed" in error
    assert world.net.connects == []


CLIENT_REFUSED = [
    ("http://127.0.0.1:{port}/cb", "127.0.0.1 is a loopback address"),
    ("http://localhost:{port}/cb", "localhost resolves to 127.0.0.1: 127.0.0.1 is a loopback"),
    ("http://[::1]:{port}/cb", "::1 is a loopback address"),
    ("http://10.0.0.5:5432/", "10.0.0.5 is a private address"),
    ("http://192.168.1.1/", "192.168.1.1 is a private address"),
    ("http://100.64.0.1/", "100.64.0.1 is a shared"),
]


def test_a_client_set_url_reaches_no_internal_address(world, receiver):
    sender = Sender(world)
    for url, reason in CLIENT_REFUSED:
        state, error = sender.notify(url.format(port=receiver.port), trusted=False)
        assert state == "pending" and reason in error, (url, error)
        assert "not allowed for a client-set URL (see SMSGW_CALLBACK_ALLOWED_NETWORKS)" in error
    assert receiver.requests == [] and world.net.connects == []


def test_the_operator_can_allow_client_set_urls_into_a_network(world, receiver):
    sender = Sender(world, allowed="127.0.0.0/8")
    state, error = sender.notify(f"http://localhost:{receiver.port}/cb", trusted=False)
    assert (state, error) == ("delivered", None)
    assert receiver.requests[0][1]["Host"] == f"localhost:{receiver.port}"
    state, error = sender.notify("http://10.0.0.5:5432/", trusted=False)
    assert "10.0.0.5 is a private address" in error
    assert set(world.net.connects) == {"127.0.0.1"}


def test_an_operator_set_url_may_reach_loopback(world, receiver):
    state, error = Sender(world).notify(f"http://127.0.0.1:{receiver.port}/cb", trusted=True)
    assert (state, error) == ("delivered", None) and len(receiver.requests) == 1


def test_a_notification_queued_for_a_client_url_stays_untrusted_after_the_operator_changes_it(
        world, receiver):
    sender = Sender(world)
    url = f"http://127.0.0.1:{receiver.port}/client"
    state, error = sender.notify(url, trusted=False)
    assert "not allowed for a client-set URL" in error
    world.container.use_cases.accounts.configure("alice", callback_url=url + "-operator")
    world.cycle(seconds=5)
    assert "not allowed for a client-set URL" in last_attempt(world, sender.message_id)[1]
    assert receiver.requests == []


def test_a_redirect_is_a_failure_that_says_so(world):
    elsewhere = Receiver()
    redirecting = Receiver(status=307, location=f"http://127.0.0.1:{elsewhere.port}/x")
    try:
        state, error = Sender(world).notify(f"http://127.0.0.1:{redirecting.port}/cb",
                                            trusted=True)
        assert state == "pending" and error == (
            "HTTP 307 from 127.0.0.1 (redirects are not followed)")
        assert elsewhere.requests == []
    finally:
        elsewhere.close()
        redirecting.close()


def test_a_failing_receiver_leaves_its_status_as_the_last_error(world):
    failing = Receiver(status=503)
    try:
        state, error = Sender(world).notify(f"http://127.0.0.1:{failing.port}/cb", trusted=True)
        assert (state, error) == ("pending", "HTTP 503 from 127.0.0.1")
    finally:
        failing.close()


def test_a_url_stored_before_the_rules_is_dead_lettered_at_once_with_the_reason(world):
    from service.persistence.tables import accounts
    with world.engine.begin() as conn:
        conn.execute(accounts.update().values(callback_url="http://example.com/cb\r\nX-Evil: 1"))
    [mid] = ids(world.send(["+79991234567"]))
    Sender(world)
    world.cycle()
    state, error = last_attempt(world, mid)
    assert state == "dead" and "control characters" in error
    assert world.net.connects == []


def test_who_set_the_callback_url_is_stored(world):
    accounts = world.container.use_cases.accounts
    accounts.configure("alice", callback_url="https://hooks.example/cb",
                       callback_url_trusted=False)
    assert accounts.show("alice").settings.callback_url_trusted is False
    accounts.configure("alice", callback_secret="changed")  # other settings keep it
    assert accounts.show("alice").settings.callback_url_trusted is False
    accounts.configure("alice", callback_url="https://ops.example/cb")  # the CLI's way
    assert accounts.show("alice").settings.callback_url_trusted is True
    accounts.configure("alice", callback_url="https://hooks.example/cb",
                       callback_url_trusted=False)
    accounts.configure("alice", callback_url="")
    settings = accounts.show("alice").settings
    assert settings.callback_url is None and settings.callback_url_trusted is True
