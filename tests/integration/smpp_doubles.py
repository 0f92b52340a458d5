"""Small in-memory doubles of the SMPP door's use cases (SmppBinds, SmppOutboxQueue,
SubmitService, CancelService) and a raw-socket SMPP client, for tests of the server itself.

The use cases have their own tests; these doubles only keep the promises the door relies on.
"""

from __future__ import annotations

import socket
import struct
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Sequence

from service.api.smpp.runner import ServerThread
from service.api.smpp.server import ServerOptions, SmppServices
from service.app.sending.submit import Submission, Submitted
from service.app.smpp.binds import BindType, BoundSession
from service.app.smpp.receipts import OwedReceipt
from service.domain import errors as e
from service.domain.encoding import Encoding
from service.domain.message import Message
from service.domain.status import MessageStatus
from service.protocols.smpp import pdu as p

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


class FakeBinds:
    def __init__(self, accounts: dict[str, tuple[str, int]], max_binds: int = 100) -> None:
        self.accounts = accounts                    # login -> (smpp password, account id)
        self.max_binds = max_binds
        self.blocked: set[int] = set()
        self.active: dict[int, BoundSession] = {}
        self.failures = 0
        self.heartbeats: list[list[int]] = []
        self.lock = threading.Condition()
        self._next = 0

    def wait_for(self, predicate, timeout: float = 10) -> bool:
        with self.lock:
            return self.lock.wait_for(predicate, timeout)

    def bind(self, login: str, password: str, ip: str | None, bind_type: BindType,
             node: str) -> BoundSession:
        with self.lock:
            found = self.accounts.get(login)
            if found is None or found[0] != password:
                self.failures += 1
                raise e.AuthenticationFailed()
            if found[1] in self.blocked:
                raise e.AccountBlocked(login)
            if sum(1 for s in self.active.values() if s.account_id == found[1]) >= self.max_binds:
                raise e.Forbidden("too many binds")
            self._next += 1
            session = BoundSession(self._next, found[1], login, bind_type)
            self.active[self._next] = session
            return session

    def heartbeat(self, session_ids: Sequence[int]) -> None:
        with self.lock:
            self.heartbeats.append(list(session_ids))
            self.lock.notify_all()

    def unbind(self, session_id: int) -> None:
        with self.lock:
            self.active.pop(session_id, None)
            self.lock.notify_all()

    def account_active(self, account_id: int) -> bool:
        return account_id not in self.blocked


class FakeReceipts:
    def __init__(self) -> None:
        self.owed: dict[int, OwedReceipt] = {}
        self.leases: dict[int, str] = {}
        self.delivered_ids: list[int] = []
        self.failed_ids: list[int] = []
        self.releases: list[str] = []
        self.cond = threading.Condition()
        self._next = 0

    def add(self, account_id: int, message_id: int, stat: str = "DELIVRD",
            final: bool = True) -> OwedReceipt:
        with self.cond:
            self._next += 1
            receipt = OwedReceipt(
                id=self._next, account_id=account_id, message_id=message_id,
                source="79991234567", destination="SENDER", stat=stat,
                err="000" if stat == "DELIVRD" else "005",
                message_state=2 if stat == "DELIVRD" else 5, submitted_at=NOW, done_at=NOW,
                text="hello", attempts=0, final=final)
            self.owed[receipt.id] = receipt
            return receipt

    def claim(self, account_ids: Sequence[int], owner: str, limit: int) -> list[OwedReceipt]:
        with self.cond:
            free = [r for r in sorted(self.owed.values(), key=lambda r: r.id)
                    if r.account_id in account_ids and r.id not in self.leases][:limit]
            for r in free:
                self.leases[r.id] = owner
            return free

    def delivered(self, receipt_ids: Sequence[int]) -> None:
        with self.cond:
            for rid in receipt_ids:
                self.owed.pop(rid, None)
                self.leases.pop(rid, None)
            self.delivered_ids.extend(receipt_ids)
            self.cond.notify_all()

    def failed(self, receipt_id: int, owner: str) -> None:
        with self.cond:
            if self.leases.get(receipt_id) == owner:
                del self.leases[receipt_id]
                r = self.owed[receipt_id]
                self.owed[receipt_id] = replace(r, attempts=r.attempts + 1)
            self.failed_ids.append(receipt_id)
            self.cond.notify_all()

    def release(self, owner: str) -> None:
        with self.cond:
            for rid in [rid for rid, o in self.leases.items() if o == owner]:
                del self.leases[rid]
            self.releases.append(owner)
            self.cond.notify_all()

    def wait_for(self, predicate, timeout: float = 10) -> bool:
        with self.cond:
            return self.cond.wait_for(predicate, timeout)


class FakeSubmit:
    """Accepts every submission, except: recipient ``+70000000001`` -> InsufficientFunds,
    ``+70000000002`` -> RateLimited, ``+70000000003`` -> invalid number, a sender ``BAD!``
    -> invalid sender, a text over 300 characters -> too long; a ``gate`` holds commits."""

    def __init__(self) -> None:
        self.batches: list[list[Submission]] = []
        self.stored: dict[int, tuple[int, Submission]] = {}
        self.gate: threading.Event | None = None
        self.entered = threading.Event()         # set when a commit starts (before the gate)
        self.lock = threading.Lock()
        self._next = 1000

    def submit_many(self, batch: Sequence[Submission]) -> list[Submitted]:
        self.entered.set()
        if self.gate is not None:
            self.gate.wait(30)
        out = []
        with self.lock:
            self.batches.append(list(batch))
            for s in batch:
                error = self._error(s)
                if error is not None:
                    out.append(Submitted(None, error))
                    continue
                self._next += 1
                self.stored[self._next] = (s.account_id, s)
                out.append(Submitted(self._next))
        return out

    @staticmethod
    def _error(s: Submission) -> e.SmsgwError | None:
        if s.recipient == "+70000000001":
            return e.InsufficientFunds(Decimal("1"), Decimal("0"))
        if s.recipient == "+70000000002":
            return e.RateLimited("too fast", retry_after=1)
        if s.recipient == "+70000000003":
            return e.ValidationError("invalid number", field="recipient")
        if s.recipient == "+70000000004":
            return e.SmsgwError("something odd")
        if s.sender == "BAD!":
            return e.ValidationError("invalid sender", field="sender")
        if len(s.text) > 300:
            return e.ConstraintViolation("text", "too long", limit=300)
        return None

    def find(self, account_id: int, message_id: int) -> Message | None:
        found = self.stored.get(message_id)
        if found is None or found[0] != account_id:
            return None
        s = found[1]
        status = MessageStatus.DELIVERED if s.text == "delivered" else MessageStatus.QUEUED
        return Message(message_id, account_id, s.recipient, s.text, s.sender, Encoding.GSM7, 1,
                       Decimal("1"), status, NOW, NOW + timedelta(minutes=1), NOW)


class FakeCancel:
    def __init__(self, submit: FakeSubmit) -> None:
        self.submit = submit
        self.cancelled: list[int] = []

    def cancel(self, account_id: int, message_id: int) -> Decimal:
        if self.submit.find(account_id, message_id) is None:
            raise e.NotFound("message", message_id)
        if message_id in self.cancelled:
            raise e.ConstraintViolation("id", "already cancelled")
        self.cancelled.append(message_id)
        return Decimal("1")


@dataclass
class Doubles:
    binds: FakeBinds
    receipts: FakeReceipts
    submit: FakeSubmit
    cancel: FakeCancel

    def services(self) -> SmppServices:
        return SmppServices(self.binds, self.receipts, self.submit, self.cancel, lambda: NOW)


def doubles() -> Doubles:
    submit = FakeSubmit()
    return Doubles(FakeBinds({"alice": ("secret", 1), "bob": ("pw", 2), "carol": ("pw", 3)}),
                   FakeReceipts(), submit, FakeCancel(submit))


def start_server(d: Doubles, **options) -> tuple[ServerThread, int]:
    sock = socket.create_server(("127.0.0.1", 0))
    opts = ServerOptions(node="test", **options)
    thread = ServerThread(d.services(), opts, [(sock, None)])
    host, port = thread.start()[0]
    return thread, port


# -- a raw client ----------------------------------------------------------------------------

@dataclass
class Pdu:
    command_id: int
    status: int
    sequence: int
    body: bytes = b""


@dataclass
class RawClient:
    port: int
    timeout: float = 10
    sock: socket.socket = field(init=False)
    sequence: int = 0

    def __post_init__(self) -> None:
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=self.timeout)

    def close(self) -> None:
        self.sock.close()

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send(self, command_id: int, body: bytes = b"", sequence: int | None = None,
             status: int = 0) -> int:
        if sequence is None:
            self.sequence += 1
            sequence = self.sequence
        self.sock.sendall(p.pack(command_id, status, sequence, body))
        return sequence

    def _exactly(self, n: int) -> bytes | None:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    def read(self) -> Pdu | None:
        """The next PDU, or None when the server closed the connection."""
        header = self._exactly(16)
        if header is None:
            return None
        length, cid, status, seq = struct.unpack(">IIII", header)
        body = self._exactly(length - 16) if length > 16 else b""
        return Pdu(cid, status, seq, body or b"")

    def read_skipping_enquire(self) -> Pdu | None:
        while True:
            pdu = self.read()
            if pdu is None or pdu.command_id != p.ENQUIRE_LINK:
                return pdu
            self.send(p.ENQUIRE_LINK | p.RESP, sequence=pdu.sequence)

    def closed_by_server(self) -> bool:
        """True once the server closes (reads past anything it still sends)."""
        try:
            while self.sock.recv(65536):
                pass
            return True
        except ConnectionResetError:
            return True

    def bind(self, login: str = "alice", password: str = "secret",
             command: int = p.BIND_TRANSCEIVER) -> Pdu:
        self.send(command, bind_body(login, password))
        pdu = self.read()
        assert pdu is not None
        return pdu

    def submit(self, destination: str = "79991234567", text: bytes = b"hello", **kw) -> Pdu:
        self.send(p.SUBMIT_SM, submit_body(destination, text, **kw))
        pdu = self.read_skipping_enquire()
        assert pdu is not None
        return pdu


def c(text: str | bytes) -> bytes:
    return (text.encode() if isinstance(text, str) else text) + b"\0"


def bind_body(login: str, password: str) -> bytes:
    return c(login) + c(password) + c("") + bytes([0x34, 0, 0]) + c("")


def submit_body(destination: str | bytes = "79991234567", text: bytes = b"hello", *,
                source: str | bytes = "SENDER", data_coding: int = 0, esm_class: int = 0,
                registered: int = 1, sm_length: int | None = None, tlvs: bytes = b"",
                schedule: str = "", validity: str = "", dest_ton: int = 1) -> bytes:
    return (c("") + bytes([5, 0]) + c(source) + bytes([dest_ton, 1]) + c(destination)
            + bytes([esm_class, 0, 0]) + c(schedule) + c(validity)
            + bytes([registered, 0, data_coding, 0,
                     len(text) if sm_length is None else sm_length]) + text + tlvs)


def query_body(message_id: str) -> bytes:
    return c(message_id) + bytes([0, 0]) + c("")


def cancel_body(message_id: str) -> bytes:
    return c("") + c(message_id) + bytes([0, 0]) + c("") + bytes([0, 0]) + c("")
