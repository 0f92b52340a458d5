"""API keys: shown once, stored hashed, usable in place of a password on every front door."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from service.api.smsc.adapter import SmscAdapter
from service.app.access.auth import Credentials
from service.bootstrap import build_container
from service.config import Settings
from service.domain import errors
from service.domain.api_keys import prefix_of
from service.persistence.tables import api_keys
from tests.conftest import STORES, migrated, store_url
from tests.fakes import FixedClock


@pytest.fixture(params=STORES)
def app(request):
    url = store_url(request, request.param)
    engine = migrated(url)
    c = build_container(Settings(database_url=url), clock=FixedClock(), engine=engine)
    c.use_cases.accounts.create("alice", "pw", Decimal("10"))
    c.use_cases.accounts.create("bob", "pw", Decimal("10"))
    yield c
    engine.dispose()


def balance(app, creds):
    return app.use_cases.accounts.get_balance(creds).balance


def test_a_key_is_shown_once_and_stored_only_as_a_hash(app):
    record, key = app.use_cases.accounts.create_api_key("alice", "crm")
    assert prefix_of(key) == record.prefix and record.name == "crm"
    with app.engine.connect() as conn:
        stored = conn.execute(select(api_keys)).one()
    assert key not in (stored.key_hash, stored.prefix) and len(stored.key_hash) == 64


def test_a_key_works_alone_or_in_place_of_the_password(app):
    _record, key = app.use_cases.accounts.create_api_key("alice")
    assert balance(app, Credentials(None, None, api_key=key)) == Decimal("10")
    assert balance(app, Credentials("alice", key)) == Decimal("10")
    smsc = SmscAdapter(app.use_cases)
    out = smsc.call("get_balance", {"login": "", "psw": "", "apikey": key}, None,
                    app.clock.now())
    assert out == {"balance": "10.00"}


@pytest.mark.parametrize("make", [
    lambda key: Credentials("bob", key),                              # someone else's key
    lambda key: Credentials(None, None, api_key=key[:-1] + "x"),      # a wrong key
    lambda key: Credentials(None, None, api_key="sgw_00000000_nothing"),
])
def test_wrong_or_foreign_keys_are_refused(app, make):
    _record, key = app.use_cases.accounts.create_api_key("alice")
    with pytest.raises(errors.AuthenticationFailed):
        balance(app, make(key))


def test_a_revoked_key_stops_working_and_the_password_still_does(app):
    record, key = app.use_cases.accounts.create_api_key("alice")
    app.use_cases.accounts.revoke_api_key("alice", record.id)
    with pytest.raises(errors.AuthenticationFailed):
        balance(app, Credentials(None, None, api_key=key))
    assert balance(app, Credentials("alice", "pw")) == Decimal("10")
    assert app.use_cases.accounts.api_keys("alice")[0].revoked_at is not None
    with pytest.raises(errors.NotFound):
        app.use_cases.accounts.revoke_api_key("alice", record.id)


def test_keys_obey_the_ip_allowlist_and_the_blocked_flag(app):
    _record, key = app.use_cases.accounts.create_api_key("alice")
    app.use_cases.accounts.configure("alice", allowed_ips=["10.0.0.0/8"])
    with pytest.raises(errors.IpNotAllowed):
        balance(app, Credentials(None, None, "127.0.0.1", api_key=key))
    app.use_cases.accounts.configure("alice", allowed_ips=[], blocked=True)
    with pytest.raises(errors.AccountBlocked):
        balance(app, Credentials(None, None, api_key=key))
