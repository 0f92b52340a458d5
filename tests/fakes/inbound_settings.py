"""Fake of each account's own opt-out keywords and replies (app/inbound/settings_ports.py)."""

from __future__ import annotations

from .store import _Store


class FakeInboundSettingsRepository:
    """In memory, with the SQL one's semantics: settings with nothing set are no row."""

    def __init__(self, store: _Store) -> None:
        self._s = store

    def get(self, account_id):
        found = self._s.inbound_settings.get(account_id)
        return None if found is None else found[0]

    def set(self, account_id, settings, now):
        if settings.empty:
            self._s.inbound_settings.pop(account_id, None)
        else:
            self._s.inbound_settings[account_id] = (settings, now)
