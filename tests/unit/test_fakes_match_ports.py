"""Every port has a fake, and every fake offers each method of its port with the port's
parameters. A port that grows a method fails here until its fake grows it too; what the
fakes then do is held to the SQL stores' behaviour by the contract tests
(tests/integration/test_*_contract.py)."""

from __future__ import annotations

import inspect
import typing

import pytest

from service.app.delivery.ports import HostResolver
from service.app.delivery.simulator_ports import SimulatorLedger
from service.app.uow import UnitOfWork
from service.domain.clock import Clock
from tests.fakes import FakeResolver, FakeSimulatorLedger, FakeUnitOfWorkFactory, FixedClock


def methods(port: type) -> dict[str, list[tuple[str, object]]]:
    """The port's public methods: their parameters' names and kinds, without ``self``."""
    return {name: [(p.name, p.kind) for p in inspect.signature(value).parameters.values()
                   if p.name != "self"]
            for name, value in vars(port).items()
            if inspect.isfunction(value) and not name.startswith("_")}


def unit_of_work_ports() -> dict[str, type]:
    return typing.get_type_hints(UnitOfWork)


def test_the_fake_unit_of_work_has_every_repository_of_the_port():
    with FakeUnitOfWorkFactory()(write=True) as uow:
        missing = [name for name in unit_of_work_ports() if not hasattr(uow, name)]
    assert missing == []


def fakes():
    uow = FakeUnitOfWorkFactory()().__enter__()
    pairs = [(port, getattr(uow, name)) for name, port in unit_of_work_ports().items()]
    pairs += [(SimulatorLedger, FakeSimulatorLedger()), (HostResolver, FakeResolver()),
              (Clock, FixedClock())]
    return [pytest.param(port, fake, id=port.__name__) for port, fake in pairs]


@pytest.mark.parametrize(("port", "fake"), fakes())
def test_each_fake_has_every_method_of_its_port_with_the_same_parameters(port, fake):
    wanted = methods(port)
    assert wanted, f"{port.__name__} declares no methods"
    offered = {name: [(p.name, p.kind) for p in inspect.signature(
        getattr(fake, name)).parameters.values()]
        for name in wanted if callable(getattr(fake, name, None))}
    assert offered == wanted
