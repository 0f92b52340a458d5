"""Each account's opt-out keywords and replies: the operator's use cases (``smsgw account set
LOGIN --stop-words ...``, shown by ``smsgw account show``) and the settings in effect for an
account, which the KeywordResponder reads.

The gateway's defaults come from SMSGW_INBOUND_* (config.py); an account's own values are
kept in ``inbound_settings`` and override them one by one.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...domain.clock import Clock
from ...domain.keywords import KeywordSettings, OwnKeywordSettings
from ..operator import account_id_of
from ..uow import UnitOfWork, UnitOfWorkFactory


def effective(uow: UnitOfWork, defaults: KeywordSettings, account_id: int) -> KeywordSettings:
    """The account's own settings over the gateway's ``defaults`` (one indexed read)."""
    own = uow.inbound_settings.get(account_id)
    return defaults if own is None else own.over(defaults)


@dataclass(frozen=True)
class KeywordSettingsView:
    """An account's settings: what it set (``own``: None is the default) and what applies."""

    login: str
    own: OwnKeywordSettings
    effective: KeywordSettings


class InboundSettingsService:
    """The operator's use cases; clients cannot change their opt-out keywords."""

    def __init__(self, uow_factory: UnitOfWorkFactory, defaults: KeywordSettings,
                 clock: Clock) -> None:
        self._uow = uow_factory
        self._defaults = defaults
        self._clock = clock

    @property
    def defaults(self) -> KeywordSettings:
        """The gateway's defaults (SMSGW_INBOUND_*)."""
        return self._defaults

    def show(self, login: str) -> KeywordSettingsView:
        """The account's settings; NotFound for an unknown login."""
        with self._uow() as uow:
            account_id = account_id_of(uow, login)
            own = uow.inbound_settings.get(account_id) or OwnKeywordSettings()
        return KeywordSettingsView(login, own, own.over(self._defaults))

    def change(self, login: str, **specs: str | None) -> KeywordSettingsView:
        """Apply the operator's specs (``stop_words="STOP,QUIT"``, ``help_reply="..."``; ``""``
        or ``default``: back to the default; ``off``: none; None: unchanged). ValidationError
        names a bad one, or a word that the result would give two actions, and nothing
        changes."""
        with self._uow(write=True) as uow:
            account_id = account_id_of(uow, login)
            own = (uow.inbound_settings.get(account_id) or OwnKeywordSettings()).changed(**specs)
            view = KeywordSettingsView(login, own, own.over(self._defaults))
            view.effective.check()
            uow.inbound_settings.set(account_id, own, self._clock.now())
            uow.commit()
        return view
