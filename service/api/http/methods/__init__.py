"""The HTTP API's methods, one module per capability, over the same use cases as the native SOAP
API.

Each handler takes (use cases, params, credentials) and returns (code, data, message). Each
module declares ROUTES (module -> method -> handler, lower case) and PARAMETERS (what the
OpenAPI document says of each method). A new capability is a new module and one line in MODULES.
"""

from __future__ import annotations

from . import book, ledger, mailings, senders, sms

MODULES = (sms, book, mailings, senders, ledger)

ROUTES = {name: methods for module in MODULES for name, methods in module.ROUTES.items()}
PARAMETERS = {name: methods for module in MODULES for name, methods in module.PARAMETERS.items()}
