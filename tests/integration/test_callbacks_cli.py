"""`smsgw callbacks dead|replay` and `account set --callback-url` as an operator runs them, on
both stores: replay goes to the account's current URL, the dead list says why, bad input is one
line and a non-zero exit."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from service.app.delivery.callbacks import sign
from service.cli import main
from service.persistence.tables import callbacks
from tests.conftest import STORES, store_url
from tests.integration.test_delivery import World


@pytest.fixture(params=STORES)
def dead_world(request, monkeypatch):
    """Alice's two notifications of one delivered message, dead-lettered after HTTP 503s."""
    url = store_url(request, request.param)
    monkeypatch.setenv("SMSGW_DATABASE_URL", url)
    w = World(url)
    w.transport.fail_first = 10 ** 6
    w.send(["+79991234567"])
    w.cycle()
    for _ in range(30):
        w.cycle(seconds=300)
    w.transport.fail_first = 0
    w.dead = w.callbacks.dead_letters()
    assert len(w.dead) == 2
    yield w
    w.engine.dispose()


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def one_line_error(code, err, expected):
    lines = err.strip().splitlines()
    assert code != 0 and len(lines) == 1 and expected in lines[0], (code, err)
    assert "Traceback" not in err


def test_replay_posts_to_the_accounts_current_url_signed_with_its_current_secret(dead_world):
    w = dead_world
    w.container.use_cases.accounts.configure("alice", callback_url="http://127.0.0.1:8/moved",
                                             callback_secret="rotated")
    w.callbacks.replay([w.dead[0].id])
    w.transport.calls.clear()
    w.cycle()
    [(target, address, body, headers)] = w.transport.calls
    assert (target.host, target.port, target.path, address) == (
        "127.0.0.1", 8, "/moved", "127.0.0.1")
    assert headers["X-Smsgw-Signature"] == sign("rotated", body)
    assert json.loads(body)["status"] == "ACCEPTD"


def test_the_cli_replays_to_the_current_url(dead_world, capsys):
    w = dead_world
    moved = "http://127.0.0.1:8/moved"
    assert run(capsys, "account", "set", "alice", "--callback-url", moved)[0] == 0
    code, out, _ = run(capsys, "callbacks", "replay", str(w.dead[0].id))
    assert code == 0 and "1 notification(s) queued again" in out
    with w.engine.connect() as conn:
        row = conn.execute(select(callbacks.c.url, callbacks.c.state)
                           .where(callbacks.c.id == w.dead[0].id)).one()
    assert tuple(row) == ("http://127.0.0.1:8/moved", "pending")


def test_replay_is_refused_when_the_account_has_no_callback_url_now(dead_world, capsys):
    w = dead_world
    assert run(capsys, "account", "set", "alice", "--callback-url", "")[0] == 0
    code, _, err = run(capsys, "callbacks", "replay", str(w.dead[0].id))
    one_line_error(code, err, "no callback URL")
    code, out, err = run(capsys, "callbacks", "replay", "--all")
    assert "0 notification(s) queued again" in out and "2 left dead" in out
    assert [j.id for j in w.callbacks.dead_letters()] == [j.id for j in w.dead]


def test_the_dead_list_shows_each_notifications_last_status(dead_world, capsys):
    code, out, _ = run(capsys, "callbacks", "dead")
    assert code == 0
    lines = [line for line in out.splitlines() if line.startswith(tuple(
        f"{j.id}\t" for j in dead_world.dead))]
    assert len(lines) == 2 and all("last error: HTTP 503" in line for line in lines), out


@pytest.mark.parametrize("argv,expected", [
    (("callbacks", "replay", "999"), "notification 999 not found"),
    (("callbacks", "replay", "0"), "notification 0 not found"),
    (("callbacks", "replay", "99999999999999999999"), "not found"),
    (("callbacks", "replay"), "name the notification ids"),
    (("callbacks", "replay", "--all", "1"), "either"),
    (("callbacks", "replay", "x"), "invalid int"),
    (("callbacks", "dead", "--limit", "0"), "limit"),
    (("callbacks", "dead", "--limit", "-1"), "limit"),
])
def test_bad_callbacks_input_is_one_line_and_a_failure(dead_world, capsys, argv, expected):
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    one_line_error(code, capsys.readouterr().err, expected)
    assert len(dead_world.callbacks.dead_letters()) == 2  # nothing was queued


def test_replaying_a_notification_that_is_not_dead_is_refused(dead_world, capsys):
    w = dead_world
    w.callbacks.replay([w.dead[0].id])
    code, _, err = run(capsys, "callbacks", "replay", str(w.dead[0].id), str(w.dead[1].id))
    one_line_error(code, err, f"notification {w.dead[0].id} is pending")
    assert [j.id for j in w.callbacks.dead_letters()] == [w.dead[1].id]  # all or nothing


@pytest.mark.parametrize("url", [
    "http://example.com/cb\r\nX-Injected: 1",
    "http://example.com/cb\n",
    "http://example.com/a b",
    "http://user:pw@example.com/cb",
    "javascript:alert(1)",
    "http:///nohost",
])
def test_the_cli_stores_no_unsafe_callback_url(dead_world, capsys, url):
    code, _, err = run(capsys, "account", "set", "alice", "--callback-url", url)
    one_line_error(code, err, "callback URL")
    assert dead_world.container.use_cases.accounts.show("alice").settings.callback_url == (
        "http://127.0.0.1:9/cb")


def test_account_show_says_when_a_client_set_the_callback_url(dead_world, capsys):
    accounts = dead_world.container.use_cases.accounts
    assert "(set by a client" not in run(capsys, "account", "show", "alice")[1]
    accounts.configure("alice", callback_url="https://hooks.example/cb", callback_url_trusted=False)
    assert "https://hooks.example/cb (set by a client: untrusted)" in run(
        capsys, "account", "show", "alice")[1]
