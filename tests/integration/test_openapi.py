"""/api/openapi.json describes exactly the methods the API has, and their required parameters
really are required (each one left out answers code 11 naming it)."""

from __future__ import annotations

import io
import json
from base64 import b64encode
from decimal import Decimal

import pytest

from service.api.http.openapi import PARAMETERS, described_routes, implemented_routes
from service.bootstrap import build_container, build_wsgi_app
from service.config import Settings
from service.persistence.migrate import upgrade

VALUES = {"string": "x", "integer": "1", "list": "+79991234567", "list-int": "1",
          "date-time": "2026-11-22T10:00:00Z"}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    path = tmp_path_factory.mktemp("oa") / "o.db"
    c = build_container(Settings(
        database_url=f"sqlite:///{path}", rate_send_per_minute=0, rate_query_per_minute=0,
        rate_manage_per_minute=0, auth_max_failures=0, auth_address_max_failures=0,
        auth_login_max_failures=0))
    upgrade(c.engine)
    c.use_cases.accounts.create("alice", "pw", Decimal("100"))
    return build_wsgi_app(c)


def post(app, path: str, fields: dict) -> dict:
    body = json.dumps(fields).encode()
    env = {"REQUEST_METHOD": "POST", "PATH_INFO": path, "QUERY_STRING": "",
           "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
           "wsgi.input": io.BytesIO(body), "REMOTE_ADDR": "127.0.0.1",
           "HTTP_AUTHORIZATION": "Basic " + b64encode(b"alice:pw").decode(),
           "SERVER_NAME": "t", "SERVER_PORT": "80", "wsgi.url_scheme": "http"}
    return json.loads(b"".join(app(env, lambda s, h: None)))


def test_every_method_is_described_and_every_description_is_a_method():
    assert described_routes() == implemented_routes()


def test_the_served_document_is_openapi_3_1(app):
    env = {"REQUEST_METHOD": "GET", "PATH_INFO": "/api/openapi.json", "QUERY_STRING": "",
           "wsgi.input": io.BytesIO(b"")}
    doc = json.loads(b"".join(app(env, lambda s, h: None)))
    assert doc["openapi"] == "3.1.0" and len(doc["paths"]) == len(implemented_routes())


@pytest.mark.parametrize("module,method,name", [
    (m, n, p) for m, methods in PARAMETERS.items() for n, params in methods.items()
    for p, _k, required in params if required])
def test_each_required_parameter_is_required(app, module, method, name):
    params = PARAMETERS[module][method]
    fields = {p: VALUES[k] for p, k, req in params if req and p != name}
    env = post(app, f"/api/{module}/{method}", fields)
    assert env["code"] == 11 and name in env["message"], env
