"""The fast path for flat list items writes exactly what spyne's own serialiser writes."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from types import SimpleNamespace

import pytest
from lxml import etree
from spyne import Application
from spyne.protocol.soap import Soap11

from service.api.soap import types as t
from service.api.soap.protocol import SmsgwSoap11Out, StrictSoap11
from service.api.soap.service import SmsgwService
from service.api.ns import TNS

RESULTS = [
    dict(recipient="+79991234567", messageId=1, statusCode=-1, statusName="QUEUED", segments=1,
         cost=Decimal("1.0000"), errorCode=None, errorMessage=None),
    dict(recipient="a&b<c>\"'ж😀", messageId=2**40, statusCode=22, statusName="INVALID_NUMBER",
         segments=3, cost=Decimal("0"), errorCode=1, errorMessage="invalid phone number 'a&b<c>'"),
]
STATUSES = [
    dict(messageId=5, recipient="+79991234567", statusCode=-1, statusName="QUEUED", final=False,
         errorCode=None, createdAt=datetime(2026, 11, 22, 12, 0, 1, 5, tzinfo=timezone.utc),
         updatedAt=datetime(2026, 11, 22, 12, 0, 2, tzinfo=timezone.utc)),
    dict(messageId=6, recipient=None, statusCode=-3, statusName="NOT_FOUND", final=True,
         errorCode=None, createdAt=None, updatedAt=None),
]


def serialise(out_protocol, cls, items) -> bytes:
    # Building the application binds out_protocol to the service, which to_parent needs.
    Application([SmsgwService], tns=TNS, in_protocol=StrictSoap11(), out_protocol=out_protocol)
    parent = etree.Element("root")
    for item in items:
        out_protocol.to_parent(None, cls, SimpleNamespace(**item), parent, TNS, "item")
    return etree.tostring(parent, method="c14n")


@pytest.mark.parametrize("cls,items", [(t.MessageResult, RESULTS), (t.MessageStatus, STATUSES)])
def test_fast_path_output_equals_spynes(cls, items):
    fast = serialise(SmsgwSoap11Out(flat_types=(cls,)), cls, items)
    slow = serialise(Soap11(), cls, items)
    assert fast == slow and b"item" in fast


def test_types_with_nested_members_are_refused_at_startup():
    with pytest.raises(TypeError):
        SmsgwSoap11Out(flat_types=(t.SendSmsResult,))


def test_list_items_of_real_responses_take_the_fast_path(monkeypatch):
    from service.api.soap.app import build_application
    out = build_application(None).out_protocol
    slow = []
    original = Soap11.complex_to_parent

    def spy(self, ctx, cls, *args, **kwargs):
        slow.append(cls.get_type_name())
        return original(self, ctx, cls, *args, **kwargs)

    monkeypatch.setattr(Soap11, "complex_to_parent", spy)
    result = SimpleNamespace(code=0, totalCost=Decimal("2"), totalSegments=2, balance=Decimal("8"),
                             messages=[SimpleNamespace(**r) for r in RESULTS])
    parent = etree.Element("root")
    out.to_parent(None, t.SendSmsResult, result, parent, TNS, "SendSmsResult")
    assert slow == ["SendSmsResult"]
    assert len(parent[0].findall(f"{{{TNS}}}messages")) == 2
