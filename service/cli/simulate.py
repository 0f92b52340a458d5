"""``smsgw simulate inbound``: an inbound message (MO) as if the simulator carrier delivered it.

The parts go through the one door every carrier uses, ``InboundService.accept("simulator",
parts)``; a worker then joins, routes and stores them (or ``--process`` does it at once).
"""

from __future__ import annotations

import argparse

from ..config import Settings
from .common import container, subcommands, whole_number


def register(sub) -> None:
    sim = subcommands(sub.add_parser(
        "simulate", help="the simulator carrier: inject what a carrier would deliver"),
        "simulate_command")
    mo = sim.add_parser("inbound", help="an inbound message (MO) from a handset to one of "
                                        "the operator's numbers, as if from a carrier")
    mo.add_argument("--from", dest="source", required=True, metavar="PHONE",
                    help="the handset, e.g. +79991234567")
    mo.add_argument("--to", dest="destination", required=True, metavar="NUMBER",
                    help="the number it was sent to (a long number or a short code)")
    mo.add_argument("--text", required=True)
    mo.add_argument("--parts", type=_parts, default=1, metavar="N",
                    help="split the text into N concatenated parts (one random reference), "
                         "handed over in a shuffled order (default 1)")
    mo.add_argument("--process", action="store_true",
                    help="join, route and store it now instead of leaving it to a worker")
    mo.set_defaults(handler=_inbound)


def _parts(text: str) -> int:
    n = whole_number(text)
    if not 1 <= n <= 255:
        raise argparse.ArgumentTypeError(f"--parts must be 1 to 255, got {n}")
    return n


def _inbound(settings: Settings, args) -> int:
    from ..delivery.simulator import simulated_mo
    c = container(settings)
    try:
        parts = simulated_mo(args.source, args.destination, args.text, args.parts,
                             c.clock.now())
    except ValueError as exc:
        raise SystemExit(f"smsgw: error: {exc}") from None
    inbound = c.use_cases.inbound
    inbound.accept("simulator", parts)
    print(f"accepted {len(parts)} part(s) from {args.source} to {args.destination}")
    if args.process:
        print(f"processed: {inbound.process()}")
    return 0
