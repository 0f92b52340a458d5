"""HTTP/JSON `Sms/Send` next to native SOAP `SendSms`, same server, same run, same work.

Starts smsgw under gunicorn (deploy/gunicorn.conf.py) on a fresh SQLite database and drives it
with wrk (8 keep-alive connections, 1-recipient sends) for: SOAP SendSms, JSON Sms/Send and
form-urlencoded Sms/Send. Reports req/s and p50/p99, and each one's ratio to SOAP.

    .venv/bin/python bench/http_bench.py [--seconds 10]

Results go to bench/HTTP_RESULTS.md. Needs wrk (Debian package `wrk`).
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from benchlib import free_port

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
AUTH = "Basic " + base64.b64encode(b"bench:pw").decode()
LUA = """
wrk.method = "POST"
wrk.path = "%(path)s"
wrk.body = [[%(body)s]]
wrk.headers["Content-Type"] = "%(ctype)s"
wrk.headers["Authorization"] = "%(auth)s"
shown = 0
response = function(status, headers, body)
  if (status ~= 200 or not string.find(body, '%(marker)s', 1, true)) and shown < 1 then
    shown = shown + 1
    io.stderr:write("BAD ", status, " ", body, "\\n")
  end
end
"""
SOAP = ('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="urn:smsgw:v1">'
        "<s:Body><t:SendSms><t:recipients>+79991234567</t:recipients><t:text>Hello</t:text>"
        "</t:SendSms></s:Body></s:Envelope>")
SCENARIOS = [
    ("SOAP SendSms", "/soap", SOAP, "text/xml; charset=utf-8", "<tns:code>0</tns:code>"),
    ("JSON Sms/Send", "/api/Sms/Send", '{"recipients": ["+79991234567"], "text": "Hello"}',
     "application/json", '"code": 0'),
    ("form Sms/Send", "/api/Sms/Send", "recipients=%2B79991234567&text=Hello",
     "application/x-www-form-urlencoded", '"code": 0'),
]



def wrk(port: int, lua: Path, seconds: float) -> dict:
    run = subprocess.run(["wrk", "-t1", "-c8", f"-d{seconds:g}s", "--latency", "-s", str(lua),
                          f"http://127.0.0.1:{port}"], capture_output=True, text=True,
                         timeout=seconds + 60)
    out = run.stdout
    if run.returncode != 0 or "Requests/sec" not in out:
        raise SystemExit(f"wrk failed: {run.stderr.strip()[:500]}")
    if run.stderr.strip():  # a Lua error or a first bad response: the figures would be wrong
        raise SystemExit(f"bad responses or script error: {run.stderr.strip()[:500]}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def pct(p: str) -> float:
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rate": rate, "p50": pct("50"), "p99": pct("99"),
            "non2xx": int(errors.group(1)) if errors else 0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="smsgw-http-bench-"))
    port = free_port()
    env = {**os.environ, "SMSGW_DATABASE_URL": f"sqlite:///{tmp / 'b.db'}",
           "SMSGW_BIND": f"127.0.0.1:{port}", "SMSGW_PUBLIC_URL": f"http://127.0.0.1:{port}",
           "SMSGW_RATE_SEND_PER_MINUTE": "0", "SMSGW_RATE_QUERY_PER_MINUTE": "0",
           "SMSGW_RATE_MANAGE_PER_MINUTE": "0", "SMSGW_LOG_LEVEL": "warning"}
    for cli in (["db", "upgrade"], ["account", "create", "bench", "--password", "pw",
                                    "--balance", "100000000"]):
        subprocess.run([PY, "-m", "service.cli", *cli], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
    server = subprocess.Popen([PY, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
                               "service.wsgi:application"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    results = []
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        for label, path, body, ctype, marker in SCENARIOS * 2:  # twice, interleaved
            lua = tmp / "s.lua"
            lua.write_text(LUA % {"path": path, "body": body, "ctype": ctype, "auth": AUTH,
                                  "marker": marker})
            wrk(port, lua, 2)  # warm-up
            results.append((label, wrk(port, lua, args.seconds)))
            print(label, results[-1][1], flush=True)
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    best = {}
    for label, r in results:
        if label not in best or r["rate"] > best[label]["rate"]:
            best[label] = r
    soap = best["SOAP SendSms"]["rate"]
    rows = "\n".join(f"| {label} | {r['rate']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
                     f"{r['rate'] / soap:.2f} | {r['non2xx']} |" for label, r in best.items())
    json_ratio = best["JSON Sms/Send"]["rate"] / soap
    report = f"""# HTTP/JSON vs SOAP benchmark

`bench/http_bench.py`: one smsgw under gunicorn (deploy/gunicorn.conf.py), fresh SQLite, wrk with
8 keep-alive connections, 1-recipient sends; each scenario run twice, interleaved, best kept.

- Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} CPUs; {args.seconds:g} s per run

| scenario | req/s | p50 ms | p99 ms | vs SOAP SendSms | non-2xx |
|---|---:|---:|---:|---:|---:|
{rows}

Target: JSON not slower than SOAP for the same work: JSON/SOAP = {json_ratio:.2f},
**{'met' if json_ratio >= 1.0 else 'not met'}**.
"""
    print(report)
    if not args.no_write:
        (ROOT / "bench" / "HTTP_RESULTS.md").write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
