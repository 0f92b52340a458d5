"""The README and docs/ stay true to the repository (issue 10 #19): every path they name is in
the repository, and every URL the gateway serves is in the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# docs/architecture.md is rewritten separately (issue 10 #19); add it here once it is.
DOCS = [ROOT / "README.md", *sorted(p for p in (ROOT / "docs").glob("*.md")
                                    if p.name != "architecture.md")]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_a_doc_names_no_file_outside_the_repository(doc):
    for path in re.findall(r"(?<![\w.])\.\./[\w./-]+", doc.read_text()):
        target = (doc.parent / path).resolve()
        assert target.is_relative_to(ROOT) and target.exists(), f"{doc.name} names {path}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_relative_link_of_a_doc_leads_to_a_file(doc):
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", doc.read_text()):
        assert (doc.parent / target).exists(), f"{doc.name} links to missing {target}"


def test_the_readme_names_every_url_the_gateway_serves(tmp_path):
    from service.bootstrap import build_container, build_wsgi_app
    from service.config import Settings
    router = build_wsgi_app(build_container(Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}")))
    readme = (ROOT / "README.md").read_text()
    served = [*router._apps, *(p.rstrip("/") for p in router._prefixes)]
    assert served and [p for p in served if p not in readme] == []


def test_docs_do_not_call_working_features_missing():
    smsc = (ROOT / "docs" / "smsc.md").read_text()
    not_yet = smsc[smsc.index("## Not yet"):]
    assert "apikey" not in not_yet and "`apikey`" in smsc[:smsc.index("## Not yet")]
