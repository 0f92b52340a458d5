"""`smsgw sender ...` and `smsgw account set --sender-policy` as an operator runs them, on both
stores, and the sender in the client's callbacks."""

from __future__ import annotations

import json

import pytest

from service.cli import main
from tests.conftest import STORES, store_url
from tests.integration.test_delivery import World
from tests.operator_cli import one_line_error, run


@pytest.fixture(params=STORES)
def world(request, monkeypatch):
    url = store_url(request, request.param)
    monkeypatch.setenv("SMSGW_DATABASE_URL", url)
    w = World(url)
    yield w
    w.engine.dispose()


def test_the_operator_registers_approves_rejects_and_lists(world, capsys):
    assert run(capsys, "sender", "register", "alice", "ACME")[1] == "alice: sender ACME is pending\n"
    code, out, _ = run(capsys, "sender", "approve", "alice", "ACME", "--prefixes", "7,+375")
    assert code == 0 and "approved for destinations starting +375, +7" in out
    one_line_error(run(capsys, "sender", "approve", "alice", "ACME", "--prefixes", "375,7"),
                   "already approved")
    assert run(capsys, "sender", "reject", "alice", "Other")[0] == 1
    run(capsys, "sender", "register", "alice", "Other")
    code, out, _ = run(capsys, "sender", "reject", "alice", "Other", "--reason", "no papers")
    assert (code, out) == (0, "alice: sender Other rejected (no papers)\n")
    code, out, _ = run(capsys, "sender", "list", "alice")
    assert out.splitlines() == ["alice\tACME\tapproved\t375,7\t-",
                                "alice\tOther\trejected\t-\tno papers"]
    assert run(capsys, "sender", "list")[1] == out
    assert run(capsys, "sender", "delete", "alice", "Other")[0] == 0
    assert len(run(capsys, "sender", "list")[1].splitlines()) == 1


@pytest.mark.parametrize("argv,expected", [
    (("sender", "approve", "nobody", "ACME"), "account nobody not found"),
    (("sender", "list", "nobody"), "account nobody not found"),
    (("sender", "register", "alice", "ABCDEFGHIJKL"), "invalid sender"),
    (("sender", "register", "alice", "a<b>"), "invalid sender"),
    (("sender", "register", "alice", ""), "a sender name is required"),
    (("sender", "approve", "alice", "ACME", "--prefixes", "7,x"), "invalid destination prefix"),
    (("sender", "approve", "alice", "ACME", "--prefixes", "7,,375"), "empty item"),
    (("sender", "shared", "set", "abc", "Shared"), "invalid destination prefix"),
    (("sender", "shared", "remove", "7"), "not found"),
    (("sender", "reject", "alice", "ACME", "--reason", "x" * 201), "at most 200"),
])
def test_bad_operator_input_is_one_line_and_exit_1(world, capsys, argv, expected):
    one_line_error(run(capsys, *argv), expected)


def test_shared_senders_and_the_sender_policy(world, capsys):
    assert run(capsys, "sender", "shared", "set", "7", "SharedRU")[1] == (
        "shared sender for +7: SharedRU\n")
    run(capsys, "sender", "shared", "set", "*", "Everyone")
    assert run(capsys, "sender", "shared", "list")[1] == "*\tEveryone\n7\tSharedRU\n"
    assert run(capsys, "sender", "shared", "remove", "*")[0] == 0
    code, out, _ = run(capsys, "account", "set", "alice", "--sender-policy", "refuse")
    assert code == 0 and "sender policy:  refuse" in out
    assert world.container.use_cases.accounts.show("alice").settings.sender_policy == "refuse"
    with pytest.raises(SystemExit) as exit_:
        main(["account", "set", "alice", "--sender-policy", "maybe"])
    assert exit_.value.code == 2 and "invalid choice" in capsys.readouterr().err


def test_the_operators_default_sender_is_approved_and_adopt_registers_senders_in_use(
        world, capsys):
    world.send(["+79991234567"], sender="Legacy")
    run(capsys, "account", "set", "alice", "--default-sender", "Ops")
    assert run(capsys, "sender", "adopt")[1] == "1 sender(s) in use registered as approved\n"
    assert run(capsys, "sender", "list", "alice")[1].splitlines() == [
        "alice\tLegacy\tapproved\t*\t-", "alice\tOps\tapproved\t*\t-"]


def test_callbacks_carry_the_sender_the_message_went_out_with(world):
    world.send(["+79991234567"], sender="ACME")
    world.cycle()
    world.cycle(seconds=2)
    bodies = [json.loads(body) for _t, _a, body, _h in world.transport.calls]
    assert bodies and {b["sender"] for b in bodies} == {"ACME"}
    assert [b["status"] for b in bodies] == ["ACCEPTD", "DELIVRD"]
