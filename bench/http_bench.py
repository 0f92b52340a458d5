"""HTTP/JSON `Sms/Send` next to native SOAP `SendSms`, same server, same run, same work.

Starts smsgw under gunicorn (smsgw's settings) on a fresh SQLite database and drives it
with wrk (8 keep-alive connections, 1-recipient sends) for: SOAP SendSms, JSON Sms/Send and
form-urlencoded Sms/Send. Reports req/s and p50/p99, and each one's ratio to SOAP.

    .venv/bin/python bench/http_bench.py [--seconds 10] [--record]

With --record the results go to bench/HTTP_RESULTS.md. Needs wrk (Debian package `wrk`).
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
import tempfile
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

from benchlib import ROOT, Gunicorn, Load, add_record_flag, smsgw_cli, wrk

AUTH = "Basic " + base64.b64encode(b"bench:pw").decode()
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


def measure(port: int, load: Load, seconds: float, workdir: Path) -> dict:
    r = wrk(port, load, seconds, workdir)
    if r["first_bad"]:  # a bad response or a script error: the figures would be wrong
        raise SystemExit(f"bad responses or script error: {r['first_bad']}")
    return {"rate": r["good"] / r["seconds"], "p50": r["p50_ms"], "p99": r["p99_ms"],
            "non2xx": r["bad"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    add_record_flag(parser, "bench/HTTP_RESULTS.md")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="smsgw-http-bench-"))
    env = {**os.environ, "SMSGW_DATABASE_URL": f"sqlite:///{tmp / 'b.db'}",
           "SMSGW_RATE_SEND_PER_MINUTE": "0", "SMSGW_RATE_QUERY_PER_MINUTE": "0",
           "SMSGW_RATE_MANAGE_PER_MINUTE": "0", "SMSGW_LOG_LEVEL": "warning"}
    smsgw_cli(env, "db", "upgrade")
    smsgw_cli(env, "account", "create", "bench", "--password", "pw", "--balance", "100000000")
    server = Gunicorn("smsgw", "service.wsgi:application", env, tmp / "gunicorn.log").start()
    port = server.port
    results = []
    try:
        server.wait_ready(lambda: urllib.request.urlopen(
            f"http://127.0.0.1:{port}/health", timeout=1).status == 200)
        for label, path, body, ctype, marker in SCENARIOS * 2:  # twice, interleaved
            load = Load(path, body, {"Content-Type": ctype, "Authorization": AUTH}, marker)
            measure(port, load, 2, tmp)  # warm-up
            results.append((label, measure(port, load, args.seconds, tmp)))
            print(label, results[-1][1], flush=True)
    finally:
        server.stop()
    best = {}
    for label, r in results:
        if label not in best or r["rate"] > best[label]["rate"]:
            best[label] = r
    soap = best["SOAP SendSms"]["rate"]
    rows = "\n".join(f"| {label} | {r['rate']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
                     f"{r['rate'] / soap:.2f} | {r['non2xx']} |" for label, r in best.items())
    json_ratio = best["JSON Sms/Send"]["rate"] / soap
    report = f"""# HTTP/JSON vs SOAP benchmark

`bench/http_bench.py`: one smsgw under gunicorn (smsgw's settings), fresh SQLite, wrk with
8 keep-alive connections, 1-recipient sends; each scenario run twice, interleaved, best kept.

- Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} CPUs; {args.seconds:g} s per run

| scenario | req/s | p50 ms | p99 ms | vs SOAP SendSms | non-2xx |
|---|---:|---:|---:|---:|---:|
{rows}

Target: JSON not slower than SOAP for the same work: JSON/SOAP = {json_ratio:.2f},
**{'met' if json_ratio >= 1.0 else 'not met'}**.
"""
    print(report)
    if args.record:
        (ROOT / "bench" / "HTTP_RESULTS.md").write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
