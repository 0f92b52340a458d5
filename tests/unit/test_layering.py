"""The dependency rule: api -> app -> domain; persistence and delivery implement app's ports.

No spyne, lxml, SQLAlchemy or HTTP type crosses into domain/ or app/.
"""

from __future__ import annotations

import ast
from pathlib import Path

SERVICE = Path(__file__).resolve().parents[2] / "service"
FRAMEWORKS = {"spyne", "lxml", "sqlalchemy", "alembic", "zeep", "gunicorn", "werkzeug", "smpplib",
              "requests", "httpx", "psycopg"}
DOMAIN_ALLOWED_THIRD_PARTY = {"phonenumbers"}


def imports_of(package: str):
    for path in (SERVICE / package).rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield path, alias.name, 0
            elif isinstance(node, ast.ImportFrom):
                yield path, node.module or "", node.level


def _resolve(path: Path, module: str, level: int) -> str:
    if level == 0:
        return module
    parts = list(path.relative_to(SERVICE.parent).with_suffix("").parts)[:-level]
    return ".".join(parts + ([module] if module else []))


def test_domain_imports_only_the_standard_library_and_phonenumbers():
    import sys
    for path, module, level in imports_of("domain"):
        name = _resolve(path, module, level)
        top = name.split(".")[0]
        if name.startswith("service."):
            assert name.startswith("service.domain"), (path, name)
        else:
            assert top in sys.stdlib_module_names or top in DOMAIN_ALLOWED_THIRD_PARTY, (path, name)


def test_app_imports_no_framework_and_no_outer_layer():
    for path, module, level in imports_of("app"):
        name = _resolve(path, module, level)
        assert name.split(".")[0] not in FRAMEWORKS, (path, name)
        if name.startswith("service."):
            assert name.startswith(("service.app", "service.domain")), (path, name)


def test_only_bootstrap_and_the_cli_reach_across_layers():
    for package in ("api", "persistence"):
        for path, module, level in imports_of(package):
            name = _resolve(path, module, level)
            other = "persistence" if package == "api" else "api"
            assert not name.startswith(f"service.{other}"), (path, name)


def test_only_config_reads_the_environment():
    for path in SERVICE.rglob("*.py"):
        if path.name == "config.py":
            continue
        text = path.read_text()
        assert "os.environ" not in text and "getenv" not in text, path


def test_delivery_reaches_storage_only_through_the_ports_app_declares():
    for path, module, level in imports_of("delivery"):
        name = _resolve(path, module, level)
        assert not name.startswith("service.persistence"), (path, name)
        assert name.split(".")[0] != "sqlalchemy", (path, name)
