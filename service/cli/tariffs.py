"""``smsgw tariff ...``: import, list, show and delete named price lists (docs/tariffs.md)."""

from __future__ import annotations

import sys
from pathlib import Path

from ..config import Settings
from ..domain.errors import ValidationError
from .common import container, subcommands


def register(sub) -> None:
    tariff = subcommands(sub.add_parser("tariff", help="named price lists (per account)"),
                         "tariff_command")
    imp = tariff.add_parser("import", help="create a tariff from a CSV file of prefix,price "
                            "lines, or replace all its prices")
    imp.add_argument("name")
    imp.add_argument("file", help="CSV file (prefix,price; a header line allowed); - reads stdin")
    imp.add_argument("--currency", help="ISO 4217 code (default: the tariff's, else SMSGW_CURRENCY)")
    imp.add_argument("--default-price", help="price per segment for every other destination "
                     "(default: the tariff's, else SMSGW_DEFAULT_PRICE)")
    imp.set_defaults(handler=_import)
    tariff.add_parser("list", help="list tariffs").set_defaults(handler=_list)
    show = tariff.add_parser("show", help="show a tariff, its prices and the accounts using it")
    show.add_argument("name")
    show.set_defaults(handler=_show)
    delete = tariff.add_parser("delete", help="delete a tariff no account uses")
    delete.add_argument("name")
    delete.set_defaults(handler=_delete)


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc.strerror or exc}", field="file") from exc


def _import(settings: Settings, args) -> int:
    saved = container(settings).use_cases.tariffs.import_csv(
        args.name, _read(args.file), args.currency, args.default_price)
    print(f"tariff {saved.name}: {saved.price_count} prices in {saved.currency}, default "
          f"{saved.default_price}, version {saved.version}")
    return 0


def _list(settings: Settings, args) -> int:
    for t in container(settings).use_cases.tariffs.all():
        print(f"{t.name}\t{t.currency}\tdefault {t.default_price}\t{t.price_count} prices\t"
              f"version {t.version}\tupdated {t.updated_at:%Y-%m-%d %H:%M}")
    return 0


def _show(settings: Settings, args) -> int:
    details = container(settings).use_cases.tariffs.show(args.name)
    t = details.tariff
    print(f"tariff:   {t.name}")
    print(f"currency: {t.currency}")
    print(f"default:  {t.default_price}")
    print(f"version:  {t.version} (updated {t.updated_at:%Y-%m-%d %H:%M} UTC)")
    print(f"accounts: {', '.join(details.users) or '-'}")
    print("prefix,price")
    for prefix in sorted(details.prices):
        print(f"{prefix},{details.prices[prefix]}")
    return 0


def _delete(settings: Settings, args) -> int:
    container(settings).use_cases.tariffs.delete(args.name)
    print(f"tariff {args.name} deleted")
    return 0
