"""XML types of the sender ID operations (lists are repeated elements)."""

from __future__ import annotations

from spyne import ComplexModel
from spyne.model.primitive import DateTime, Unicode

from ..ns import TNS

Required = dict(min_occurs=1, nillable=False)


class SenderId(ComplexModel):
    """A registered sender name. state: pending, approved or rejected. prefixes: the
    destination prefixes an approval is limited to (none: every destination). reason: why it
    was rejected."""

    __namespace__ = TNS
    _type_info = [
        ("name", Unicode(**Required)),
        ("state", Unicode(**Required)),
        ("prefixes", Unicode(min_occurs=0, max_occurs="unbounded")),
        ("reason", Unicode(min_occurs=0)),
        ("createdAt", DateTime(**Required)),
        ("decidedAt", DateTime(min_occurs=0)),
    ]
