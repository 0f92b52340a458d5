"""The HTTP API's OpenAPI 3.1 description, served at ``/api/openapi.json``.

Each methods module declares its methods' PARAMETERS; a test holds it to ROUTES (every method
described, every required parameter really required).
"""

from __future__ import annotations

import json

from .envelope import HTTP_STATUS
from .methods import DATA, PARAMETERS, ROUTES
from .methods.kinds import D, I, L, LI, O, S

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
            data = DATA.get(module, {}).get(method)
            if data is not None:  # success: the envelope with this data
                responses["200"] = {"description": "the envelope; data on success", "content": {
                    "application/json": {"schema": {"allOf": [
                        {"$ref": "#/components/schemas/Envelope"},
                        {"properties": {"data": data}}]}}}}
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
