"""Use cases, one package per capability; each package declares the ports it needs.

    <capability>/ports.py   the Protocols (and plain records) its use cases need from outside;
                            persistence and delivery implement them, tests/fakes/ fakes them
    <capability>/*.py       the use cases
    results.py              what every capability answers with: pages, per-item results, codes
    uow.py                  the unit of work: one transaction over every capability's ports
    errors.py               errors the use cases raise about their ports
    base.py, use_cases.py   what account-scoped use cases share; the bundle the doors call

A new capability gets a package here (ports.py beside its use cases), a repository per port in
persistence/ (or a connector in delivery/), an attribute on the unit of work, and an adapter per
door in api/.
"""
