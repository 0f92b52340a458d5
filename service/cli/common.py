"""What every ``smsgw`` subcommand shares: the one-line parser, argument types and the container."""

from __future__ import annotations

import argparse

from ..config import Settings


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # type: ignore[override]
        """One line, like every other error of this command (argparse would add the usage)."""
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def subcommands(parser: argparse.ArgumentParser, dest: str):
    """The required subcommands of ``parser``, parsed with the one-line Parser. They are kept on
    the parser, so another module can add to a group (``smsgw account limits``): see group()."""
    commands = parser.add_subparsers(dest=dest, required=True, parser_class=Parser)
    parser.set_defaults(**{_COMMANDS: commands})
    return commands


_COMMANDS = "_smsgw_subcommands"


def group(sub, name: str):
    """The subcommands of the group ``name`` registered earlier (e.g. "account"), to add one."""
    return sub.choices[name].get_default(_COMMANDS)


def boolean(text: str) -> bool:
    value = text.strip().lower()
    if value in ("true", "yes", "1", "on"):
        return True
    if value in ("false", "no", "0", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def whole_number(text: str) -> int:
    """0, 1, 2...: ASCII digits only (int() would also take "٣", "1_000" and " 5")."""
    if not (text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text[:40]!r}")
    if len(text) > 19:
        raise argparse.ArgumentTypeError(f"{text[:19]}… is too large")
    return int(text)


def rate(text: str) -> int:
    """-1 (the default), or a whole number in ASCII digits (int() would take "٣" and "1_000")."""
    return -1 if text == "-1" else whole_number(text)


def container(settings: Settings):
    from ..bootstrap import build_container
    return build_container(settings)
