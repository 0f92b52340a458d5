"""The opt-out keyword flags of ``smsgw account set`` and their lines in ``account show``.

``--stop-words STOP,QUIT`` (comma separated), ``--stop-reply TEXT`` and their START/HELP
siblings: ``''`` (or ``default``) returns a value to the gateway's SMSGW_INBOUND_* default,
``off`` is no words / no reply. A bad value is one line on stderr and exit 1; nothing changes.
"""

from __future__ import annotations

from ..domain.keywords import REPLY_FIELDS, WORD_FIELDS

_HELP = {
    "stop_words": "words that opt a sender out (blacklist it)",
    "start_words": "words that opt it in again",
    "help_words": "words answered with the help reply",
    "stop_reply": "the text sent back to a STOP",
    "start_reply": "the text sent back to a START",
    "help_reply": "the text sent back to a HELP",
}


def add_arguments(parser) -> None:
    """The flags, on ``account set``."""
    for name in WORD_FIELDS + REPLY_FIELDS:
        kind = "comma separated" if name in WORD_FIELDS else "a reply"
        parser.add_argument("--" + name.replace("_", "-"), dest=name,
                            metavar="WORDS" if name in WORD_FIELDS else "TEXT",
                            help=f"{_HELP[name]} ({kind}; '' the default, off none)")


def given(args) -> dict[str, str]:
    """The keyword flags given on the command line."""
    return {name: getattr(args, name) for name in WORD_FIELDS + REPLY_FIELDS
            if getattr(args, name, None) is not None}


def print_settings(view) -> None:
    """The account's keyword settings in effect, each marked own or default."""
    for name in WORD_FIELDS + REPLY_FIELDS:
        value = getattr(view.effective, name)
        shown = (", ".join(w.upper() for w in value) if name in WORD_FIELDS else value) or "-"
        origin = "default" if getattr(view.own, name) is None else "own"
        print(f"{name.replace('_', ' ') + ':':<16}{shown} ({origin})")
