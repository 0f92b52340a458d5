"""The HTTP API's OpenAPI 3.1 description, served at ``/api/openapi.json``.

PARAMETERS declares each method's parameters; a test holds it to ROUTES (every method
described, every required parameter really required).
"""

from __future__ import annotations

import json

from .envelope import HTTP_STATUS
from .handlers import ROUTES

S, I, L, LI, D, T = "string", "integer", "list", "list-int", "date-time", "decimal"
O = "object"
PARAMETERS: dict[str, dict[str, list[tuple[str, str, bool]]]] = {
    "Sms": {
        "Send": [("recipients", L, True), ("text", S, True), ("sender", S, False),
                 ("scheduledAt", D, False), ("validityMinutes", I, False), ("clientRef", S, False)],
        "GetStatus": [("messageIds", LI, True)],
        "GetCost": [("recipients", L, True), ("text", S, True)],
    },
    "Messages": {"List": [("since", D, False), ("until", D, False), ("status", S, False),
                          ("recipient", S, False), ("mailingId", I, False), ("page", I, False),
                          ("pageSize", I, False)]},
    "Account": {"GetBalance": []},
    "Contacts": {
        "Create": [("phone", S, True), ("name", S, False), ("email", S, False),
                   ("birthday", S, False), ("groupIds", LI, False), ("fields", O, False)],
        "Update": [("contactId", I, True), ("phone", S, False), ("name", S, False),
                   ("email", S, False), ("birthday", S, False), ("fields", O, False)],
        "Delete": [("contactIds", LI, True)],
        "List": [("groupId", I, False), ("phonePrefix", S, False), ("page", I, False),
                 ("pageSize", I, False)],
    },
    "Groups": {
        "Create": [("name", S, True)], "Rename": [("groupId", I, True), ("name", S, True)],
        "Delete": [("groupId", I, True)],
        "AddContacts": [("groupId", I, True), ("contactIds", LI, True)],
        "RemoveContacts": [("groupId", I, True), ("contactIds", LI, True)], "List": [],
    },
    "Blacklist": {"Add": [("phones", L, True)], "Remove": [("phones", L, True)],
                  "List": [("page", I, False), ("pageSize", I, False)]},
    "Mailing": {
        "Create": [("name", S, True), ("text", S, True), ("sender", S, False),
                   ("groupIds", LI, False), ("contactIds", LI, False), ("phones", L, False),
                   ("scheduledAt", D, False), ("validityMinutes", I, False),
                   ("ratePerMinute", I, False)],
        "Start": [("mailingId", I, True)], "Pause": [("mailingId", I, True)],
        "Resume": [("mailingId", I, True)], "Cancel": [("mailingId", I, True)],
        "Get": [("mailingId", I, True)], "List": [("page", I, False), ("pageSize", I, False)],
    },
    "TaskQueue": {"GetStatus": [("taskId", I, True), ("page", I, False), ("pageSize", I, False)]},
}

_SCHEMAS = {S: {"type": "string"}, I: {"type": "integer"}, D: {"type": "string",
                                                                  "format": "date-time"},
            L: {"type": "string", "description": "comma-separated, repeated, or a JSON array"},
            LI: {"type": "string", "description": "comma-separated ids, repeated, or a JSON array"},
            O: {"type": "string", "description": "custom fields: a JSON object of text values "
                                                 "(in a form, its JSON text)"}}
_ENVELOPE = {"type": "object", "required": ["code", "data", "message"],
             "properties": {"code": {"type": "integer", "enum": [0, 1, 2, 3, 4, 5, 6, 8, 9, 10,
                                                                 11, 12, 14, 15, 30, 98, 99,
                                                                 100, 999]},
                            "data": {}, "message": {"type": "string"}}}


def document(server_url: str) -> dict:
    paths = {}
    for module, methods in PARAMETERS.items():
        for method, params in methods.items():
            props = {name: _SCHEMAS[kind] for name, kind, _req in params}
            required = [name for name, _kind, req in params if req]
            form = {"type": "object", "properties": props}
            if required:
                form["required"] = required
            responses = {str(s): {"description": "the envelope", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Envelope"}}}}
                for s in sorted(set(HTTP_STATUS.values()))}
            op = {"operationId": f"{module}_{method}", "tags": [module],
                  "security": [{"basic": []}, {"bearer": []}],
                  "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": form},
                                              "application/json": {"schema": form}}},
                  "responses": responses}
            paths[f"/api/{module}/{method}"] = {"post": op}
    return {"openapi": "3.1.0",
            "info": {"title": "smsgw HTTP API", "version": "1",
                     "description": "Every answer is {code, data, message} (seed 004 codes)."},
            "servers": [{"url": server_url}], "paths": paths,
            "components": {"schemas": {"Envelope": _ENVELOPE},
                           "securitySchemes": {"basic": {"type": "http", "scheme": "basic"},
                                               "bearer": {"type": "http", "scheme": "bearer"}}}}


def openapi_app(server_url: str):
    body = json.dumps(document(server_url), indent=1).encode()

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/json"),
                                  ("Content-Length", str(len(body)))])
        return [body]
    return app


def described_routes() -> set[tuple[str, str]]:
    return {(m.lower(), n.lower()) for m, methods in PARAMETERS.items() for n in methods}


def implemented_routes() -> set[tuple[str, str]]:
    return {(m, n) for m, methods in ROUTES.items() for n in methods}
