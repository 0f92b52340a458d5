"""Login timing per door: a wrong password, an unknown login and a login that cannot exist
must cost the same (issue 10, finding 4), so answers do not reveal which logins exist.

Runs gunicorn on a fresh SQLite database with the login guard off (so no lock cuts the run
short), sends the three kinds of failed login to every door, interleaved, and prints the
medians and 90th percentiles (with --record also to bench/AUTH_TIMING_RESULTS.md).

    .venv/bin/python bench/auth_timing_bench.py [--rounds 40] [--record]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

from benchlib import ROOT, Gunicorn, add_record_flag, cpu_model, smsgw_cli

OMS = "http://schemas.microsoft.com/office/Outlook/2006/OMS"
EXPECTED = ("AuthenticationFailed", "invalidUser", '"code": 8', "ERROR = 2", "<error>2<")
CASES = {"wrong password": ("bench", "nope"), "unknown login": ("nobody", "nope"),
         "impossible login": ("x" * 80, "nope")}


def soap_body(login: str, password: str) -> tuple[dict, str]:
    body = ('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:t="urn:smsgw:v1"><soapenv:Body><t:GetBalance/></soapenv:Body>'
            '</soapenv:Envelope>')
    return {"auth": (login, password), "headers": {"Content-Type": "text/xml",
                                                   "SOAPAction": '"GetBalance"'}}, body


def doors(base: str):
    """(name, function(login, password) -> response) for every door variant."""
    def soap(login, password):
        kw, body = soap_body(login, password)
        return requests.post(base + "/soap", data=body, **kw)

    def oms(login, password):
        user = (f'&lt;xmsUser xmlns="{OMS}"&gt;&lt;userId&gt;{login}&lt;/userId&gt;&lt;password&gt;'
                f'{password}&lt;/password&gt;&lt;/xmsUser&gt;')
        body = ('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
                f'<GetUserInfo xmlns="{OMS}"><xmsUser>{user}</xmsUser></GetUserInfo>'
                '</soap:Body></soap:Envelope>')
        return requests.post(base + "/oms", data=body, headers={
            "Content-Type": "text/xml", "SOAPAction": f'"{OMS}/GetUserInfo"'})

    def smsc_soap(login, password):
        body = ('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
                'xmlns:s="http://smsc.ua/sys/soap.php"><soap:Body><s:balance>'
                f'<s:login>{login}</s:login><s:psw>{password}</s:psw></s:balance></soap:Body>'
                '</soap:Envelope>')
        return requests.post(base + "/sys/soap.php", data=body,
                             headers={"Content-Type": "text/xml"})

    return [
        ("/soap GetBalance", soap),
        ("/oms GetUserInfo", oms),
        ("/api Basic", lambda l, p: requests.get(base + "/api/Account/GetBalance", auth=(l, p))),
        ("/api form", lambda l, p: requests.post(base + "/api/Account/GetBalance",
                                                 data={"login": l, "password": p})),
        ("/sys/balance.php", lambda l, p: requests.get(base + "/sys/balance.php",
                                                       params={"login": l, "psw": p})),
        ("/sys/soap.php", smsc_soap),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    add_record_flag(parser, "bench/AUTH_TIMING_RESULTS.md")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="smsgw-auth-bench-"))
    env = {**os.environ, "SMSGW_DATABASE_URL": f"sqlite:///{tmp / 'b.db'}",
           "SMSGW_AUTH_MAX_FAILURES": "0", "SMSGW_AUTH_ADDRESS_MAX_FAILURES": "0",
           "SMSGW_AUTH_LOGIN_MAX_FAILURES": "0", "SMSGW_LOG_LEVEL": "warning"}
    smsgw_cli(env, "db", "upgrade")
    smsgw_cli(env, "account", "create", "bench", "--password", "pw")
    server = Gunicorn("smsgw", "service.wsgi:application", env, tmp / "gunicorn.log").start()
    base = f"http://127.0.0.1:{server.port}"
    times: dict[tuple[str, str], list[float]] = {}
    try:
        server.wait_ready(lambda: requests.get(base + "/health", timeout=1).ok)
        calls = doors(base)
        for _ in range(args.rounds):
            for door, call in calls:
                for case, (login, password) in CASES.items():
                    start = time.perf_counter()
                    answer = call(login, password)
                    if not any(m in answer.text for m in EXPECTED):  # a refusal, not a crash
                        raise SystemExit(f"{door}: {answer.status_code} {answer.text[:300]}")
                    times.setdefault((door, case), []).append(
                        (time.perf_counter() - start) * 1000)
    finally:
        server.stop()
    rows = []
    for door, _call in calls:
        cells = []
        for case in CASES:
            xs = sorted(times[(door, case)][2:])  # the first rounds warm the workers up
            cells.append(f"{statistics.median(xs):.1f} / {xs[int(len(xs) * 0.9)]:.1f}")
        rows.append(f"| {door} | " + " | ".join(cells) + " |")
    table = "\n".join(["| door | " + " | ".join(f"{c} (ms p50 / p90)" for c in CASES) + " |",
                       "|---" * (len(CASES) + 1) + "|", *rows])
    print(table)
    if args.record:
        (ROOT / "bench" / "AUTH_TIMING_RESULTS.md").write_text(
            "# Login timing per door\n\n"
            f"`bench/auth_timing_bench.py --rounds {args.rounds}`, gunicorn as configured in "
            f"service/server/gunicorn_conf.py, SQLite, on {cpu_model()} ({os.cpu_count()} CPUs, shared "
            "with other work while measured). Every failed login costs one scrypt verification "
            "(an unknown or impossible login against a dummy hash), so the three columns "
            "should match within noise.\n\n" + table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
