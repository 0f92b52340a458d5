"""Fake of inbound messaging's store (app/inbound/ports.py)."""

from __future__ import annotations

from dataclasses import replace

from service.app.inbound.ports import KeywordAssignment, NumberAssignment, SentMessage
from service.domain.message import ConcatPart
from service.domain.reassembly import StoredPart

from .store import _Store, _next


def _key(row):
    part = row["part"]
    c = part.concat
    return (row["connector"], part.source, part.destination, c.reference, c.total) if c else None


class FakeInboundStore:
    """Parts, numbers, keywords and inbound messages as dicts in the store; single-threaded, so
    ``lock_processing`` always succeeds."""

    def __init__(self, store: _Store) -> None:
        self._s = store

    def add_parts(self, connector, parts):
        for part in parts:
            c = part.concat
            if c is not None and not (0 <= c.reference <= 0xFFFF and 0 <= c.total <= 32767
                                      and 0 <= c.sequence <= 32767):
                part = replace(part, concat=ConcatPart(max(0, min(c.reference, 0xFFFF)), 0, 0))
            part = replace(part, source=part.source[:64], destination=part.destination[:64],
                           carrier_id=part.carrier_id[:64] if part.carrier_id else None)
            self._s.inbound_parts[_next(self._s, "inbound_parts")] = dict(
                connector=connector[:16], part=part, state="new")

    def any_due(self, cutoff):
        return any(row["state"] == "new" or row["part"].received_at < cutoff
                   for row in self._s.inbound_parts.values())

    def finish(self, part_ids):
        for i in part_ids:
            if i in self._s.inbound_parts:
                self._s.inbound_parts[i]["state"] = "done"

    def forget_done(self, cutoff):
        doomed = [i for i, row in self._s.inbound_parts.items()
                  if row["state"] == "done" and row["part"].received_at < cutoff]
        for i in doomed:
            del self._s.inbound_parts[i]
        return len(doomed)

    def lock_processing(self):
        return True

    def _groups(self, seeds):
        keys = {_key(self._s.inbound_parts[i]) for i in seeds}
        keys = {k for k in keys if k is not None and k[4] > 1}
        found = set(seeds) | {i for i, row in self._s.inbound_parts.items() if _key(row) in keys}
        return [StoredPart(i, self._s.inbound_parts[i]["connector"],
                           self._s.inbound_parts[i]["part"],
                           self._s.inbound_parts[i]["state"] == "done") for i in sorted(found)]

    def claim_new(self, limit):
        seeds = sorted(i for i, row in self._s.inbound_parts.items() if row["state"] == "new")
        return self._groups(seeds[:max(limit, 0)])

    def waiting_before(self, cutoff, limit):
        seeds = sorted(i for i, row in self._s.inbound_parts.items()
                       if row["state"] == "waiting" and row["part"].received_at < cutoff)
        return self._groups(seeds[:max(limit, 0)])

    def hold(self, part_ids):
        for i in part_ids:
            if i in self._s.inbound_parts:
                self._s.inbound_parts[i]["state"] = "waiting"

    def delete_parts(self, part_ids):
        for i in part_ids:
            self._s.inbound_parts.pop(i, None)

    def number_owner(self, numbers):
        owners = [self._s.inbound_numbers[n]["account_id"] for n in sorted(numbers)
                  if n in self._s.inbound_numbers]
        return owners[0] if owners else None

    def keyword_owner(self, numbers, keyword):
        owners = [self._s.inbound_keywords[(n, keyword)]["account_id"] for n in sorted(numbers)
                  if (n, keyword) in self._s.inbound_keywords]
        return owners[0] if owners else None

    def keyword_accounts(self, numbers):
        return sorted({row["account_id"] for (n, _), row in self._s.inbound_keywords.items()
                       if n in numbers})

    def latest_outbound(self, account_ids, recipient, senders=None):
        def matching(archived):
            return [m for m in self._s.messages.values()
                    if m.account_id in account_ids and m.recipient == recipient
                    and (senders is None or m.sender in senders)
                    and (m.id in self._s.retention.archived) == archived]
        for archived in (False, True):
            found = matching(archived)
            if found:
                latest = max(found, key=lambda m: m.id)
                return SentMessage(latest.account_id, latest.id, latest.mailing_id)
        return None

    def latest_outbound_to(self, account_id, recipients):
        found = {}
        for recipient in set(recipients):
            latest = self.latest_outbound([account_id], recipient)
            if latest is not None:
                found[recipient] = latest
        return found

    def add_messages(self, messages, now):
        ids = []
        for m in messages:
            message_id = _next(self._s, "inbound_messages")
            self._s.inbound_messages[message_id] = replace(
                m, id=message_id, source=m.source[:64], destination=m.destination[:64],
                connector=m.connector[:16] if m.connector else None)
            self._s.inbound_created[message_id] = now
            ids.append(message_id)
        return ids

    def unmatched(self, limit):
        found = sorted((m for m in self._s.inbound_messages.values() if m.account_id is None),
                       key=lambda m: -m.id)
        return found[:max(limit, 0)]

    def assign_number(self, number, account_id, now):
        if number in self._s.inbound_numbers:
            raise KeyError(number)  # the primary key, as the SQL store's IntegrityError
        self._s.inbound_numbers[number] = dict(account_id=account_id, created_at=now)

    def release_number(self, number):
        return self._s.inbound_numbers.pop(number, None) is not None

    def numbers(self, account_id=None):
        return [NumberAssignment(n, row["account_id"],
                                 self._s.accounts[row["account_id"]].login, row["created_at"])
                for n, row in sorted(self._s.inbound_numbers.items())
                if account_id is None or row["account_id"] == account_id]

    def assign_keyword(self, number, keyword, account_id, now):
        if (number, keyword) in self._s.inbound_keywords:
            raise KeyError((number, keyword))
        self._s.inbound_keywords[(number, keyword)] = dict(account_id=account_id, created_at=now)

    def release_keyword(self, number, keyword):
        return self._s.inbound_keywords.pop((number, keyword), None) is not None

    def keywords(self, number=None):
        return [KeywordAssignment(n, k, row["account_id"],
                                  self._s.accounts[row["account_id"]].login, row["created_at"])
                for (n, k), row in sorted(self._s.inbound_keywords.items())
                if number is None or n == number]
