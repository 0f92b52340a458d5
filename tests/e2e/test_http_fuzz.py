"""schemathesis against the live server, driven by /api/openapi.json: no 5xx, and every
response conforms to the described envelope."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path


def test_schemathesis_finds_no_server_error_and_no_broken_response(server):
    assert server.admin("account", "create", "fuzz", "--password", "pw", "--balance", "1000").returncode == 0
    token = base64.b64encode(b"fuzz:pw").decode()
    schemathesis = Path(sys.executable).with_name("schemathesis")
    run = subprocess.run(
        [str(schemathesis), "run", server.base_url + "/api/openapi.json",
         "--checks", "not_a_server_error,response_schema_conformance",
         "--phases", "examples,coverage,fuzzing", "--max-examples", "8",
         "--generation-deterministic", "--request-timeout", "20",
         "-H", f"Authorization: Basic {token}"],
        capture_output=True, text=True, timeout=600,
        env={**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_HOOKS": ""})
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
