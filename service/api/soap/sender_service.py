"""Native SOAP operations of sender IDs: register a sender name, list and delete them.

Docstrings here are copied into the WSDL, where stub users read them.
"""

from __future__ import annotations

from types import SimpleNamespace

from spyne import ServiceBase, rpc
from spyne.model.primitive import Integer32, Unicode

from . import sender_types as st
from .service import FAULTS, _credentials, _domain_errors


def _sender(s) -> SimpleNamespace:
    return SimpleNamespace(name=s.name, state=s.state.value, prefixes=list(s.prefixes),
                           reason=s.reason, createdAt=s.created_at, decidedAt=s.decided_at)


def _senders(ctx):
    return ctx.app.gateway.use_cases.senders


class SenderService(ServiceBase):
    """Sender IDs: the names an account sends under, each approved by the operator."""

    @rpc(Unicode(**st.Required), _args=("name",), _returns=st.SenderId, _throws=FAULTS)
    def RegisterSender(ctx, name):
        """Register a sender name (up to 11 letters/digits, or up to 15 digits); it waits for
        the operator's approval (state pending). Registering a name again answers it as it
        stands. Until it is approved for a destination, a send naming it goes out under the
        shared sender (or is refused, by the account's sender policy). Faults: 1 bad name,
        12 too many senders."""
        with _domain_errors(ctx):
            return _sender(_senders(ctx).register(_credentials(ctx), name))

    @rpc(_returns=st.SenderId.customize(min_occurs=0, max_occurs="unbounded"),
         _out_variable_name="senders", _throws=FAULTS)
    def GetSenders(ctx):
        """The account's registered sender names, each with its state, the destination
        prefixes it is approved for (none: every destination) and a rejection's reason."""
        with _domain_errors(ctx):
            return [_sender(s) for s in _senders(ctx).list(_credentials(ctx))]

    @rpc(Unicode(**st.Required), _args=("name",), _returns=Integer32,
         _out_variable_name="code", _throws=FAULTS)
    def DeleteSender(ctx, name):
        """Remove a registered sender name (fault 2 if there is none). Returns code 0."""
        with _domain_errors(ctx):
            _senders(ctx).delete(_credentials(ctx), name)
        return 0
