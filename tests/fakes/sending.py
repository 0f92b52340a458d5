"""Fakes of the sending ports: messages, send requests, history, limits, senders and tariffs."""

from __future__ import annotations

from dataclasses import replace
import copy

from service.app.errors import DuplicateRequest

from .store import _Store, _tracking


class FakeMessageRepository:
    def __init__(self, store: _Store) -> None:
        self._s = store

    def add_many(self, messages):
        ids = []
        for m in messages:
            m.id = self._s.next_message
            self._s.next_message += 1
            self._s.messages[m.id] = copy.deepcopy(m)
            ids.append(m.id)
        return ids

    def insert_bulk(self, messages, *, held=False):
        ids = self.add_many([copy.copy(m) for m in messages])  # like SQL: the ids are not read back
        for message_id in ids if held else ():
            _tracking(self._s, message_id)["submit_state"] = "held"

    def by_client_keys(self, account_id, keys):
        numeric = {int(k) for k in keys if k.isascii() and k.isdigit() and len(k) <= 18}
        return [copy.deepcopy(m) for _, m in sorted(self._s.messages.items())
                if m.account_id == account_id and (m.external_id in keys or m.id in numeric)]

    def get_many(self, account_id, ids):
        return {i: copy.deepcopy(self._s.messages[i]) for i in ids
                if i in self._s.messages and self._s.messages[i].account_id == account_id}


class FakeSendRequestRepository:
    def __init__(self, store: _Store) -> None:
        self._s = store

    def find(self, account_id, client_ref):
        row = self._s.send_requests.get((account_id, client_ref))
        return (row[0], row[1]) if row else None

    def claim(self, account_id, client_ref, now, expired_before):
        row = self._s.send_requests.get((account_id, client_ref))
        if row is not None and row[0] >= expired_before:
            raise DuplicateRequest(client_ref)
        self._s.send_requests[(account_id, client_ref)] = [now, None]

    def store_result(self, account_id, client_ref, result):
        self._s.send_requests[(account_id, client_ref)][1] = result


class FakeHistoryRepository:
    """The message history in memory (app/sending/ports.py): the stored messages, newest first."""

    def __init__(self, store: _Store) -> None:
        self._s = store

    def search(self, account_id, flt, offset, limit):
        from service.app.results import Page
        found = [m for _, m in sorted(self._s.messages.items(), reverse=True)
                 if m.account_id == account_id
                 and (flt.since is None or m.created_at >= flt.since)
                 and (flt.until is None or m.created_at < flt.until)
                 and (flt.status is None or m.status.canonical_name == flt.status.canonical_name)
                 and (not flt.recipient or m.recipient == flt.recipient)
                 and (flt.mailing_id is None or m.mailing_id == flt.mailing_id)]
        return Page(len(found), [copy.deepcopy(m) for m in found[offset:offset + limit]])


class FakeLimitStore:
    """Sending limits in memory (app/limits/ports.py); its state rides on the store's copy."""

    _REFUSED = ("INVALID_NUMBER", "BANNED")

    def __init__(self, store: _Store) -> None:
        self._s = store
        self._own = store.__dict__.setdefault("account_limits", {})
        self._counts = store.__dict__.setdefault("limit_counters", {})
        self._sent = store.__dict__.setdefault("recent_sends", [])  # (account id, Sent)

    def get(self, account_id):
        return self._own.get(account_id)

    def put(self, account_id, limits):
        self._own[account_id] = limits
        self._sent[:] = [(a, s) for a, s in self._sent if a != account_id]

    def serialize(self, account_id):
        """One fake unit of work at a time already."""

    def recent(self, account_id, recipients, since):
        wanted = set(recipients)
        return [s for a, s in self._sent
                if a == account_id and s.recipient in wanted and s.at >= since]

    def remember(self, account_id, sends, forget_before):
        self._sent[:] = [(a, s) for a, s in self._sent
                         if a != account_id or s.at >= forget_before]
        self._sent.extend((account_id, s) for s in sends)

    def reserve(self, account_id, period, count, limit):
        key = (account_id, period.key)
        if key not in self._counts:
            self._counts[key] = sum(
                1 for m in self._s.messages.values()
                if m.account_id == account_id and period.start <= m.created_at < period.end
                and m.status.canonical_name not in self._REFUSED)
        if self._counts[key] + count > limit:
            return None
        self._counts[key] += count
        return self._counts[key]

    def used(self, account_id, period):
        return self._counts.get((account_id, period.key), 0)


class FakeSenderRepository:
    """The sender registry in memory (app/senders/ports.py); its rows live on the store, so a
    unit of work copies and commits them with everything else."""

    def __init__(self, store: _Store) -> None:
        self._s = store
        self._rows: dict[tuple[int, str], object] = store.__dict__.setdefault("senders", {})
        self._shared: dict[str, str] = store.__dict__.setdefault("shared_senders", {})

    def of_account(self, account_id):
        return self.list(account_id)

    def get(self, account_id, name):
        return self._rows.get((account_id, name))

    def save(self, sender):
        old = self._rows.get((sender.account_id, sender.name))
        if old is not None:  # created_at is the registration's, as in the SQL store
            from dataclasses import replace
            sender = replace(sender, created_at=old.created_at)
        self._rows[(sender.account_id, sender.name)] = sender

    def delete(self, account_id, name):
        return self._rows.pop((account_id, name), None) is not None

    def list(self, account_id=None):
        return [self._rows[k] for k in sorted(self._rows)
                if account_id is None or k[0] == account_id]

    def shared(self):
        return dict(self._shared)

    def set_shared(self, prefix, name, now):
        self._shared[prefix] = name

    def remove_shared(self, prefix):
        return self._shared.pop(prefix, None) is not None

    def adopt_in_use(self, now):
        from service.domain.sender_ids import SenderId, SenderState
        used = {(m.account_id, m.sender) for m in self._s.messages.values() if m.sender}
        used |= {(m.account_id, m.sender) for m in self._s.mailings.values() if m.sender}
        used |= {(a.id, a.settings.default_sender) for a in self._s.accounts.values()
                 if a.settings.default_sender}
        new = sorted(k for k in used if k not in self._rows)
        for account_id, name in new:
            self._rows[(account_id, name)] = SenderId(account_id, name, SenderState.APPROVED,
                                                      now, decided_at=now)
        return len(new)


class FakeTariffRepository:
    """Stored tariffs in memory (app/pricing/ports.py); kept on the store so that units of
    work copy and commit them like everything else."""

    def __init__(self, store: _Store) -> None:
        self._s = store
        if not hasattr(store, "tariffs"):
            store.tariffs = {}  # id -> StoredTariff
            store.tariff_prices = {}  # id -> {prefix: price}
            store.next_tariff = 1

    def _counted(self, t):
        return replace(t, price_count=len(self._s.tariff_prices[t.id]))

    def get(self, tariff_id):
        t = self._s.tariffs.get(tariff_id)
        return self._counted(t) if t else None

    def get_by_name(self, name):
        return next((self._counted(t) for t in self._s.tariffs.values() if t.name == name), None)

    def all(self):
        return sorted((self._counted(t) for t in self._s.tariffs.values()), key=lambda t: t.name)

    def version(self, tariff_id):
        t = self._s.tariffs.get(tariff_id)
        return t.version if t else None

    def prices(self, tariff_id):
        return dict(self._s.tariff_prices.get(tariff_id, {}))

    def save(self, name, currency, default_price, prices, now):
        from service.domain.tariffs import StoredTariff
        old = next((t for t in self._s.tariffs.values() if t.name == name), None)
        if old is None:
            t = StoredTariff(self._s.next_tariff, name, currency, default_price, 1, now)
            self._s.next_tariff += 1
        else:
            t = replace(old, currency=currency, default_price=default_price,
                        version=old.version + 1, updated_at=now)
        self._s.tariffs[t.id] = t
        self._s.tariff_prices[t.id] = dict(prices)
        return self._counted(t)

    def delete(self, tariff_id):
        self._s.tariffs.pop(tariff_id, None)
        self._s.tariff_prices.pop(tariff_id, None)

    def users(self, tariff_id):
        return sorted(a.login for a in self._s.accounts.values() if a.tariff_id == tariff_id)

    def assign(self, account_id, tariff_id):
        self._s.accounts[account_id].tariff_id = tariff_id
