"""Each door is its own package: no door imports another (what they share lives in api/
itself: ns.py, errors.py, xml.py, reading.py, soap_fault.py...), and every XML namespace is
written once, in api/ns.py."""

from __future__ import annotations

import ast
import re
from pathlib import Path

API = Path(__file__).resolve().parents[2] / "service" / "api"
DOORS = sorted(p.name for p in API.iterdir() if p.is_dir() and (p / "__init__.py").exists())
NAMESPACE_URI = re.compile(r"http://schemas\.xmlsoap\.org|http://www\.w3\.org|urn:|"
                           r"http://docs\.oasis-open\.org|schemas\.microsoft\.com")


def _imported(path: Path) -> list[str]:
    """The modules ``path`` imports, as dotted names relative to service/api."""
    here = list(path.relative_to(API).with_suffix("").parts)
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[:len(here) - node.level]
                names = [".".join(base + ([node.module] if node.module else []) + [a.name])
                         for a in node.names]
            else:
                names = [node.module or ""]
            out += [n.removeprefix("service.api.") for n in names]
        elif isinstance(node, ast.Import):
            out += [a.name.removeprefix("service.api.") for a in node.names]
    return out


def test_there_are_five_doors_to_check():
    assert DOORS == ["http", "oms", "smpp", "smsc", "soap"]


def test_no_door_imports_another_doors_package():
    for door in DOORS:
        for path in (API / door).rglob("*.py"):
            for name in _imported(path):
                other = name.split(".")[0]
                assert other == door or other not in DOORS, (path, name)


def test_every_xml_namespace_is_written_only_in_ns_py():
    for path in API.rglob("*.py"):
        if path.name != "ns.py":
            assert not NAMESPACE_URI.search(path.read_text()), path
