"""Kannel (bearerbox + smsbox) as a real SMPP client, for the e2e tests.

``Kannel(workdir, link).start()`` writes a kannel.conf into ``workdir``, starts bearerbox and
then smsbox, and returns once bearerbox's admin status page shows the SMPP link online and the
smsbox connected. Messages go in through smsbox's ``sendsms`` HTTP interface (``send``); their
delivery reports come back to a ``DlrReceiver``, the dlr-url Kannel calls.

Kannel cannot listen on port 0, so its three listening ports (admin, smsbox, sendsms) are
candidate ports; when one was taken in the meantime Kannel dies saying so, and ``start`` tries
new ones (as conftest.retry_busy does for `smsgw serve`).

Kannel's msg-id-type: bit 0x01 says submit_sm_resp ids are hex, bit 0x02 says receipt ids are
hex; 0x00 reads both as decimal, which is what smsgw writes (and Kannel then compares the
numbers, so "0042" and "42" match). Kannel's source (gw/smsc/smsc_smpp.c) documents the bits.

Kannel is the Debian package ``kannel``; ``.ci/run`` installs it. ``require_kannel()`` skips a
test without it, or fails it when SMSGW_REQUIRE_INTEROP=1 (as in CI).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from tests.e2e.conftest import candidate_port

# Debian installs the boxes in /usr/sbin, which a non-root PATH may lack.
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
BUSY = "Address already in use"          # Kannel's log line when one of its ports is taken
NO_BEARERBOX = "Couldn't connect to the bearerbox"   # smsbox, started before bearerbox listens
ADMIN_PASSWORD = "kannel-admin"
SENDSMS_USER, SENDSMS_PASSWORD = "tester", "tester-pw"
SMSC_ID = "smsgw"
FINAL_TYPES = {"1", "2", "16"}           # Kannel's %d: delivered, undelivered, SMSC reject
RAW_QUERY = "_query"                     # a DlrReceiver call's undecoded query string


def kannel_binaries() -> tuple[str, str] | None:
    """The bearerbox and smsbox executables, or None when Kannel is not installed."""
    bearerbox = shutil.which("bearerbox", path=SEARCH_PATH)
    smsbox = shutil.which("smsbox", path=SEARCH_PATH)
    return (bearerbox, smsbox) if bearerbox and smsbox else None


def require_kannel() -> tuple[str, str]:
    """The binaries; skip without them, or fail when SMSGW_REQUIRE_INTEROP=1 (CI)."""
    found = kannel_binaries()
    if found is None:
        reason = "Kannel (bearerbox, smsbox) is missing: apt-get install kannel (.ci/run does)"
        if os.environ.get("SMSGW_REQUIRE_INTEROP") == "1":
            pytest.fail(f"{reason}; SMSGW_REQUIRE_INTEROP=1 makes this a failure", pytrace=False)
        pytest.skip(reason)
    return found


@dataclass(frozen=True)
class SmscLink:
    """Where bearerbox's SMPP client connects, and how it binds (a transceiver)."""

    host: str
    port: int
    system_id: str
    password: str
    msg_id_type: int = 0x00               # decimal in submit_sm_resp and in receipts
    enquire_link_interval: int = 30


def kannel_conf(workdir: Path, link: SmscLink, admin_port: int, smsbox_port: int,
                sendsms_port: int, get_url: str | None = None) -> str:
    """A kannel.conf: bearerbox (core + one smpp smsc), smsbox with sendsms, one sendsms-user,
    and with ``get_url`` one catch-all sms-service that hands every MO to that URL and sends
    no reply (max-messages 0)."""
    return f"""\
group = core
admin-port = {admin_port}
admin-password = {ADMIN_PASSWORD}
status-password = {ADMIN_PASSWORD}
admin-allow-ip = "127.0.0.1"
smsbox-port = {smsbox_port}
box-allow-ip = "127.0.0.1"
dlr-storage = internal
log-file = "{workdir / 'bearerbox.log'}"
log-level = 0
access-log = "{workdir / 'bearerbox-access.log'}"

group = smsc
smsc = smpp
smsc-id = {SMSC_ID}
host = {link.host}
port = {link.port}
smsc-username = {link.system_id}
smsc-password = {link.password}
system-type = ""
transceiver-mode = true
msg-id-type = 0x{link.msg_id_type:02x}
enquire-link-interval = {link.enquire_link_interval}
reconnect-delay = 1
log-file = "{workdir / 'smsc.log'}"
log-level = 0

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {smsbox_port}
sendsms-port = {sendsms_port}
log-file = "{workdir / 'smsbox.log'}"
log-level = 1
access-log = "{workdir / 'smsbox-access.log'}"

group = sendsms-user
username = {SENDSMS_USER}
password = {SENDSMS_PASSWORD}
concatenation = true
max-messages = 10
""" + (sms_service(get_url) if get_url else "")


def sms_service(get_url: str) -> str:
    """smsbox's catch-all service: every MO (whatever its first word) is a GET of ``get_url``
    with Kannel's escapes filled in; the answer's body is not sent back as an SMS."""
    return f"""
group = sms-service
keyword = default
catch-all = true
get-url = "{get_url}"
max-messages = 0
concatenation = true
"""


class DlrReceiver:
    """The dlr-url endpoint (and the sms-service get-url): a loopback HTTP server on a
    kernel-chosen port, on a thread, that keeps every call's query parameters."""

    def __init__(self) -> None:
        self.calls: list[dict[str, str]] = []
        self._changed = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = urlsplit(self.path).query
                params = dict(parse_qsl(query, keep_blank_values=True))
                params[RAW_QUERY] = query       # for %b, binary octets UTF-8 would mangle
                with outer._changed:
                    outer.calls.append(params)
                    outer._changed.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, name="dlr-receiver",
                         daemon=True).start()

    def url(self, ref: str) -> str:
        """A dlr-url for one message: Kannel fills in the %-escapes (%d the report type,
        %F the SMSC's message id, %A the receipt text, %p the recipient)."""
        return (f"http://127.0.0.1:{self.port}/dlr?ref={ref}&type=%d&smsc_id=%F&to=%p"
                f"&reply=%A")

    def wait_for(self, ref: str, count: int = 1, final: bool = False,
                 timeout: float = 30) -> list[dict[str, str]]:
        """The calls for ``ref`` once there are ``count`` of them and, with ``final``, one
        of them is a final report (delivered, undelivered or SMSC reject); after ``timeout``,
        the ones there are: the caller asserts on them."""
        def mine() -> list[dict[str, str]]:
            return [c for c in self.calls if c.get("ref") == ref]

        def done() -> bool:
            calls = mine()
            return len(calls) >= count and (
                not final or any(c.get("type") in FINAL_TYPES for c in calls))
        with self._changed:
            self._changed.wait_for(done, timeout)
            return mine()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class KannelError(RuntimeError):
    """Kannel did not start, or its link did not come online; the message has its logs."""


@dataclass
class Kannel:
    """bearerbox + smsbox as subprocesses, configured by ``kannel_conf``."""

    workdir: Path
    link: SmscLink
    get_url: str | None = None            # an sms-service for MOs (see kannel_conf)
    admin_port: int = 0
    sendsms_port: int = 0
    _procs: list[subprocess.Popen] = field(default_factory=list)
    _files: list[IO[bytes]] = field(default_factory=list)

    def start(self, timeout: float = 30, attempts: int = 5) -> "Kannel":
        bearerbox, smsbox = require_kannel()
        for _ in range(attempts):
            self.admin_port, smsbox_port, self.sendsms_port = (
                candidate_port(), candidate_port(), candidate_port())
            for stale in ("bearerbox.err", "smsbox.err"):   # the last attempt's BUSY
                (self.workdir / stale).unlink(missing_ok=True)
            conf = self.workdir / "kannel.conf"
            conf.write_text(kannel_conf(self.workdir, self.link, self.admin_port, smsbox_port,
                                        self.sendsms_port, self.get_url))
            started = False
            try:
                started = self._start_boxes(bearerbox, smsbox, conf, timeout)
            finally:
                if not started:     # a busy port, or an error on its way up: no box is left
                    self.stop()
            if started:
                return self
        raise KannelError(f"{attempts} sets of candidate ports in a row were taken")

    def _start_boxes(self, bearerbox: str, smsbox: str, conf: Path, timeout: float) -> bool:
        """True once both run and the link is online; False when a port was busy (bearerbox
        dies of a busy smsbox port, but lives on without its admin page)."""
        deadline = time.monotonic() + timeout
        bb = self._spawn(bearerbox, conf, "bearerbox")
        while not self._busy() and self.status() is None:
            if bb.poll() is not None:
                return self._busy_or_raise("bearerbox")
            self._check_deadline(deadline, "bearerbox's admin page did not answer")
            time.sleep(0.05)  # a poll: bearerbox is another process
        sb = self._spawn(smsbox, conf, "smsbox")
        while not self._busy() and not self.online():
            if bb.poll() is not None:
                return self._busy_or_raise("bearerbox")
            if sb.poll() is not None:
                # bearerbox opens its smsbox port on a thread of its own, maybe after its
                # admin page; smsbox does not retry, so it is started again.
                if NO_BEARERBOX not in self._read("smsbox.err"):
                    return self._busy_or_raise("smsbox")
                sb = self._spawn(smsbox, conf, "smsbox")
            self._check_deadline(deadline, "the SMPP link or smsbox did not come online "
                                           f"(the link: {self.smsc_status()})")
            time.sleep(0.05)  # a poll: Kannel and the SMSC are other processes
        return not self._busy()

    def _spawn(self, binary: str, conf: Path, name: str) -> subprocess.Popen:
        # -v 2: warnings and worse on stderr; everything (PDU dumps too) goes to the log files.
        err = open(self.workdir / f"{name}.err", "wb")
        self._files.append(err)
        proc = subprocess.Popen([binary, "-v", "2", str(conf)], cwd=self.workdir,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        self._procs.append(proc)
        return proc

    def _busy(self) -> bool:
        return any(BUSY in self._read(f"{name}.err") for name in ("bearerbox", "smsbox"))

    def _busy_or_raise(self, name: str) -> bool:
        if self._busy():
            return False
        raise KannelError(f"{name} exited:\n{self.logs()}")

    def _check_deadline(self, deadline: float, what: str) -> None:
        if time.monotonic() > deadline:
            raise KannelError(f"{what}:\n{self.logs()}")

    def _read(self, name: str) -> str:
        path = self.workdir / name
        return path.read_text(errors="replace") if path.exists() else ""

    def logs(self, tail: int = 60) -> str:
        """The end of every Kannel log, for failure messages."""
        parts = []
        for name in ("bearerbox.err", "smsbox.err", "smsc.log", "bearerbox.log", "smsbox.log"):
            lines = self._read(name).splitlines()[-tail:]
            parts.append(f"--- {name} ---\n" + "\n".join(lines))
        return "\n".join(parts)

    def status(self) -> ET.Element | None:
        """bearerbox's status.xml, or None while it does not answer."""
        try:
            r = requests.get(f"http://127.0.0.1:{self.admin_port}/status.xml",
                             params={"password": ADMIN_PASSWORD}, timeout=1)
        except requests.RequestException:
            return None
        return ET.fromstring(r.content) if r.status_code == 200 else None

    def smsc_status(self) -> str:
        """The link's state as bearerbox reports it: 'online 12s', 'connecting', ..."""
        root = self.status()
        if root is None:
            return "no status page"
        smsc = next((s for s in root.iter("smsc") if s.findtext("id") == SMSC_ID), None)
        return (smsc.findtext("status") or "") if smsc is not None else "no smsc"

    def online(self) -> bool:
        """The SMPP link is bound and an smsbox is connected."""
        root = self.status()
        if root is None:
            return False
        boxes = [b for b in root.iter("box") if b.findtext("type") == "smsbox"
                 and (b.findtext("status") or "").startswith("on-line")]
        smscs = [s for s in root.iter("smsc") if s.findtext("id") == SMSC_ID
                 and (s.findtext("status") or "").startswith("online")]
        return bool(boxes and smscs)

    def send(self, to: str, text: str, *, sender: str = "Kannel", dlr_mask: int = 0,
             dlr_url: str | None = None, coding: int | None = None,
             charset: str | None = None, udh: bytes | None = None) -> requests.Response:
        """smsbox's sendsms: Kannel answers 202 '0: Accepted for delivery' once queued."""
        params: dict[str, str | bytes | int] = {
            "username": SENDSMS_USER, "password": SENDSMS_PASSWORD, "from": sender, "to": to,
            "text": text}
        if dlr_mask:
            params["dlr-mask"] = dlr_mask
        if dlr_url is not None:
            params["dlr-url"] = dlr_url
        if coding is not None:
            params["coding"] = coding
        if charset is not None:
            params["charset"] = charset
        if udh is not None:
            params["udh"] = udh
        return requests.get(f"http://127.0.0.1:{self.sendsms_port}/cgi-bin/sendsms",
                            params=params, timeout=10)

    def stop(self, timeout: float = 15) -> None:
        """smsbox, then bearerbox (which unbinds its SMPP link): SIGTERM, then SIGKILL."""
        for proc in reversed(self._procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self._procs.clear()
        for f in self._files:
            f.close()
        self._files.clear()
