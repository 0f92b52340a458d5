"""The HTTP API's methods, one module per capability, over the same use cases as the native SOAP
API.

Each handler takes (use cases, params, credentials) and returns (code, data, message). Each
module declares ROUTES (module -> method -> handler, lower case) and PARAMETERS (what the
OpenAPI document says of each method). A new capability is a new module and one line in MODULES.
"""

from __future__ import annotations

from . import book, inbox, ledger, mailings, senders, sms, subaccounts

MODULES = (sms, book, mailings, senders, ledger, subaccounts, inbox)


def _merged(tables: list[dict]) -> dict:
    """One table of module -> methods: several capabilities may add methods to one module
    (Account/GetBalance and Account/Settings); a method named twice is a mistake."""
    out: dict = {}
    for table in tables:
        for name, methods in table.items():
            clash = set(out.get(name, {})) & set(methods)
            if clash:
                raise RuntimeError(f"{name}/{sorted(clash)[0]} is defined twice")
            out[name] = {**out.get(name, {}), **methods}
    return out


ROUTES = _merged([module.ROUTES for module in MODULES])
PARAMETERS = _merged([module.PARAMETERS for module in MODULES])
# The shape of ``data`` on success, for the methods whose module describes it (DATA).
DATA = _merged([getattr(module, "DATA", {}) for module in MODULES])
