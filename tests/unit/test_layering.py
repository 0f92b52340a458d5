"""The dependency rules that import-linter cannot express.

The contracts in pyproject.toml ([tool.importlinter], run by `make test`) enforce the rest:
the layers (entry points -> bootstrap -> api | persistence | delivery -> app -> domain, the
adapters never importing each other), the doors' independence, no framework in domain/ or
app/, and no database library in delivery/. They are deny-lists: a module they do not name
passes them. What stays here is what only an allow-list or a text search can say:

- domain/ imports the standard library, phonenumbers and itself, and nothing else: a new
  third-party library, or a new top-level module of service/, is refused without anyone
  having to name it first;
- app/ imports, of service/, only app/ and domain/: ``service.config`` and ``service.server``
  belong to no layer, so the layers contract lets them through;
- only config.py reads the environment, which is not an import at all.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

SERVICE = Path(__file__).resolve().parents[2] / "service"
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
    for path, module, level in imports_of("domain"):
        name = _resolve(path, module, level)
        top = name.split(".")[0]
        if name.startswith("service."):
            assert name.startswith("service.domain"), (path, name)
        else:
            assert top in sys.stdlib_module_names or top in DOMAIN_ALLOWED_THIRD_PARTY, (path, name)


def test_app_imports_of_service_only_app_and_domain():
    for path, module, level in imports_of("app"):
        name = _resolve(path, module, level)
        if name.startswith("service."):
            assert name.startswith(("service.app", "service.domain")), (path, name)


def test_only_config_reads_the_environment():
    for path in SERVICE.rglob("*.py"):
        if path.name == "config.py":
            continue
        text = path.read_text()
        assert "os.environ" not in text and "getenv" not in text, path
