"""``smsgw sender ...``: the operator's side of sender IDs (docs/senders.md).

    sender register LOGIN NAME            register a name for an account (pending)
    sender approve LOGIN NAME [--prefixes 7,375]
    sender reject LOGIN NAME [--reason TEXT]
    sender delete LOGIN NAME
    sender list [LOGIN]
    sender adopt                          approve every sender accounts already use
    sender shared set PREFIX NAME | shared list | shared remove PREFIX
"""

from __future__ import annotations

from ..config import Settings
from ..domain.sender_ids import SenderId
from .common import container, subcommands


def register(sub) -> None:
    snd = subcommands(sub.add_parser("sender", help="sender IDs: approve, reject, shared senders"),
                      "sender_command")
    reg = snd.add_parser("register", help="register a sender name for an account (pending)")
    reg.add_argument("login")
    reg.add_argument("name")
    reg.set_defaults(handler=_register)
    approve = snd.add_parser("approve", help="approve an account's sender name")
    approve.add_argument("login")
    approve.add_argument("name")
    approve.add_argument("--prefixes", default="",
                         help="only for destinations starting with these, e.g. 7,375 "
                         "(default: every destination)")
    approve.set_defaults(handler=_approve)
    reject = snd.add_parser("reject", help="reject an account's sender name")
    reject.add_argument("login")
    reject.add_argument("name")
    reject.add_argument("--reason", help="shown to the client")
    reject.set_defaults(handler=_reject)
    delete = snd.add_parser("delete", help="remove an account's sender name")
    delete.add_argument("login")
    delete.add_argument("name")
    delete.set_defaults(handler=_delete)
    lst = snd.add_parser("list", help="registered senders, of every account or of one")
    lst.add_argument("login", nargs="?")
    lst.set_defaults(handler=_list)
    adopt = snd.add_parser("adopt", help="approve every sender accounts already use (before "
                           "turning SMSGW_SENDER_CHECK on)")
    adopt.set_defaults(handler=_adopt)

    shared = subcommands(snd.add_parser("shared", help="shared senders per destination prefix"),
                         "shared_command")
    sset = shared.add_parser("set", help="the shared sender for a prefix (* = every destination)")
    sset.add_argument("prefix")
    sset.add_argument("name")
    sset.set_defaults(handler=_shared_set)
    shared.add_parser("list", help="the shared senders").set_defaults(handler=_shared_list)
    srm = shared.add_parser("remove", help="remove the shared sender of a prefix")
    srm.add_argument("prefix")
    srm.set_defaults(handler=_shared_remove)


def _line(login: str, s: SenderId) -> str:
    where = ",".join(s.prefixes) if s.prefixes else ("*" if s.state.value == "approved" else "-")
    return f"{login}\t{s.name}\t{s.state.value}\t{where}\t{s.reason or '-'}"


def _senders(settings: Settings):
    return container(settings).use_cases.senders


def _register(settings: Settings, args) -> int:
    s = _senders(settings).register_for(args.login, args.name)
    print(f"{args.login}: sender {s.name} is {s.state.value}")
    return 0


def _approve(settings: Settings, args) -> int:
    s = _senders(settings).approve(args.login, args.name, [args.prefixes])
    where = ("destinations starting " + ", ".join("+" + p for p in s.prefixes)
             if s.prefixes else "every destination")
    print(f"{args.login}: sender {s.name} approved for {where}")
    return 0


def _reject(settings: Settings, args) -> int:
    s = _senders(settings).reject(args.login, args.name, args.reason)
    print(f"{args.login}: sender {s.name} rejected" + (f" ({s.reason})" if s.reason else ""))
    return 0


def _delete(settings: Settings, args) -> int:
    _senders(settings).remove_for(args.login, args.name)
    print(f"{args.login}: sender {args.name.strip()} removed")
    return 0


def _list(settings: Settings, args) -> int:
    for owned in _senders(settings).list_all(args.login):
        print(_line(owned.login, owned.sender))
    return 0


def _adopt(settings: Settings, args) -> int:
    print(f"{_senders(settings).adopt_in_use()} sender(s) in use registered as approved")
    return 0


def _shared_set(settings: Settings, args) -> int:
    prefix, name = _senders(settings).set_shared(args.prefix, args.name)
    print(f"shared sender for {'+' + prefix if prefix else 'every destination'}: {name}")
    return 0


def _shared_list(settings: Settings, args) -> int:
    for prefix, name in sorted(_senders(settings).shared().items()):
        print(f"{prefix or '*'}\t{name}")
    return 0


def _shared_remove(settings: Settings, args) -> int:
    _senders(settings).remove_shared(args.prefix)
    print(f"shared sender for {args.prefix.strip()} removed")
    return 0
