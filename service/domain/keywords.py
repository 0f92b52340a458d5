"""Opt-out keywords: which inbound texts are STOP, START or HELP for an account, what it
answers to each, and how a send to a number that opted out is refused.

Words are compared as ``fold_word`` folds them (case-folded, Latin and Cyrillic alike, with
punctuation around them stripped). A text is an action only when it is exactly ONE action
word: ``"STOP"``, ``"stop!"`` and ``" Стоп. "`` are STOP; ``"stop sending me these"`` is an
ordinary reply. Each account may have its own word lists and replies; what it has not set
is the gateway's default (``OwnKeywordSettings.over``).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, fields, replace

from .contacts import BlacklistEntry, OptOutSource
from .errors import ConstraintViolation, ValidationError
from .inbound import KeywordAction, fold_word

DEFAULT_STOP_WORDS = "STOP,STOPALL,UNSUBSCRIBE,CANCEL,END,QUIT,СТОП,ОТПИСАТЬСЯ"
DEFAULT_START_WORDS = "START,UNSTOP,СТАРТ"
DEFAULT_HELP_WORDS = "HELP,ПОМОЩЬ"
DEFAULT_STOP_REPLY = "You are unsubscribed. Reply START to subscribe again."
DEFAULT_START_REPLY = "You are subscribed again. Reply STOP to unsubscribe."
DEFAULT_HELP_REPLY = "Reply STOP to unsubscribe, START to subscribe again."

MAX_WORD = 32      # characters of one folded word
MAX_WORDS = 50     # words in one list
MAX_REPLY = 1000   # characters of a reply (inbound_settings' columns)

WORD_FIELDS = ("stop_words", "start_words", "help_words")
REPLY_FIELDS = ("stop_reply", "start_reply", "help_reply")
_ACTION_WORDS = ((KeywordAction.STOP, "stop_words"), (KeywordAction.START, "start_words"),
                 (KeywordAction.HELP, "help_words"))


def parse_words(spec: str, field: str) -> tuple[str, ...]:
    """A word list as written (``"STOP, Стоп,quit"``): each word folded, in the order given,
    each once. ValidationError naming ``field`` for a list without words, a word that is only
    punctuation, two words where one is expected, control characters, or a word longer than
    MAX_WORD; ConstraintViolation for more than MAX_WORDS words."""
    words: list[str] = []
    for item in spec.split(","):
        if not item.strip():
            continue  # "STOP," and "STOP, ,QUIT" are forgiven
        words.append(_word(item.strip(), field))
    if not words:
        raise ValidationError(f"{field}: no words in {spec[:60]!r} (a comma separated list, "
                              "such as STOP,QUIT)", field=field)
    unique = tuple(dict.fromkeys(words))
    if len(unique) > MAX_WORDS:
        raise ConstraintViolation(field, f"{field}: {len(unique)} words; at most {MAX_WORDS}",
                                  limit=MAX_WORDS)
    return unique


def _word(item: str, field: str) -> str:
    folded = fold_word(item)
    if not folded:
        raise ValidationError(f"{field}: {item[:40]!r} is not a word (only punctuation or "
                              "symbols)", field=field)
    if any(c.isspace() for c in folded):
        raise ValidationError(f"{field}: {item[:40]!r} is more than one word (an action is a "
                              "text of exactly one word; separate words with commas)",
                              field=field)
    if any(unicodedata.category(c)[0] in "CZ" for c in folded):
        raise ValidationError(f"{field}: {item[:40]!r} holds control or separator characters",
                              field=field)
    if len(folded) > MAX_WORD:
        raise ValidationError(f"{field}: {item[:40]!r} is longer than {MAX_WORD} characters",
                              field=field)
    return folded


def clean_reply(text: str, field: str) -> str:
    """A reply text as kept (surrounding whitespace stripped; empty: no reply). Refused: more
    than MAX_REPLY characters, or a NUL (no store keeps it)."""
    value = text.strip()
    if len(value) > MAX_REPLY:
        raise ConstraintViolation(field, f"{field}: {len(value)} characters; at most "
                                  f"{MAX_REPLY}", limit=MAX_REPLY)
    if "\x00" in value:
        raise ValidationError(f"{field}: the text holds a NUL character", field=field)
    return value


@dataclass(frozen=True)
class KeywordSettings:
    """An account's opt-out keywords in effect: the folded words of each action, and the text
    sent back for each (empty: no reply)."""

    stop_words: tuple[str, ...]
    start_words: tuple[str, ...]
    help_words: tuple[str, ...]
    stop_reply: str
    start_reply: str
    help_reply: str

    @classmethod
    def parse(cls, stop_words: str = DEFAULT_STOP_WORDS, start_words: str = DEFAULT_START_WORDS,
              help_words: str = DEFAULT_HELP_WORDS, stop_reply: str = DEFAULT_STOP_REPLY,
              start_reply: str = DEFAULT_START_REPLY,
              help_reply: str = DEFAULT_HELP_REPLY) -> "KeywordSettings":
        """Settings from their written form (the SMSGW_INBOUND_* defaults); ValidationError
        names a bad one, and a word given to two actions."""
        settings = cls(parse_words(stop_words, "stop_words"),
                       parse_words(start_words, "start_words"),
                       parse_words(help_words, "help_words"),
                       clean_reply(stop_reply, "stop_reply"),
                       clean_reply(start_reply, "start_reply"),
                       clean_reply(help_reply, "help_reply"))
        settings.check()
        return settings

    def check(self) -> None:
        """A word may mean one action only: ValidationError names a word in two lists."""
        seen: dict[str, str] = {}
        for _action, name in _ACTION_WORDS:
            for word in getattr(self, name):
                if word in seen:
                    raise ValidationError(f"{word!r} is both in {seen[word]} and in {name}: "
                                          "a word may mean one action only", field=name)
                seen[word] = name

    def reply(self, action: KeywordAction) -> str:
        """The text sent back for ``action`` (empty: none)."""
        return {KeywordAction.STOP: self.stop_reply, KeywordAction.START: self.start_reply,
                KeywordAction.HELP: self.help_reply}[action]


DEFAULT_SETTINGS = KeywordSettings.parse()


@dataclass(frozen=True)
class OwnKeywordSettings:
    """What an account set for itself; None: the gateway's default. An empty word list is no
    words for that action (the operator turned it off); an empty reply is no reply."""

    stop_words: tuple[str, ...] | None = None
    start_words: tuple[str, ...] | None = None
    help_words: tuple[str, ...] | None = None
    stop_reply: str | None = None
    start_reply: str | None = None
    help_reply: str | None = None

    @property
    def empty(self) -> bool:
        """Nothing set: every value is the default."""
        return all(getattr(self, f.name) is None for f in fields(self))

    def over(self, defaults: KeywordSettings) -> KeywordSettings:
        """The settings in effect: these, and ``defaults`` for what is not set."""
        return KeywordSettings(**{f.name: getattr(defaults, f.name) if getattr(self, f.name)
                                  is None else getattr(self, f.name) for f in fields(self)})

    def changed(self, **specs: str | None) -> "OwnKeywordSettings":
        """These settings with the given ones changed, each written as an operator writes it:
        None leaves it as it is; ``""`` or ``default`` returns it to the gateway's default;
        ``off`` is no words (for a word list) or no reply; anything else is the new value
        (a comma separated word list, or the reply text). ValidationError names a bad one."""
        changes: dict[str, object] = {}
        for name, spec in specs.items():
            if name not in WORD_FIELDS + REPLY_FIELDS:
                raise ValueError(f"no keyword setting {name!r}")
            if spec is None:
                continue
            value = spec.strip()
            if value.casefold() in ("", "default"):
                changes[name] = None
            elif value.casefold() == "off":
                changes[name] = () if name in WORD_FIELDS else ""
            elif name in WORD_FIELDS:
                changes[name] = parse_words(value, name)
            else:
                changes[name] = clean_reply(value, name)
        return replace(self, **changes)  # type: ignore[arg-type]


def action_for(text: str, settings: KeywordSettings) -> KeywordAction | None:
    """The action ``text`` asks for: only a text of exactly one word that is one of the
    action's words (as ``fold_word`` compares them); None for anything else. Punctuation
    and symbols standing apart count as nothing (``"STOP !"``, ``"stop :)"`` are STOP)."""
    words = [w for w in map(fold_word, text.split()) if w]
    if len(words) != 1:
        return None
    word = words[0]
    for action, name in _ACTION_WORDS:
        if word in getattr(settings, name):
            return action
    return None


def opt_out_reason(word: str, number: str) -> str:
    """The blacklist reason of a STOP: the word as it came, and the number it was sent to."""
    return f'replied "{word.strip()[:40]}" to {number}'[:200]


def ban_message(entry: BlacklistEntry) -> str:
    """Why a send to a blacklisted number is BANNED: a number the account listed is "on the
    blacklist"; one whose subscriber sent STOP "opted out", with the day (UTC)."""
    if entry.source == OptOutSource.INBOUND:
        return f"the number opted out by replying STOP on {entry.created_at:%Y-%m-%d}"
    return "the number is on the blacklist"
