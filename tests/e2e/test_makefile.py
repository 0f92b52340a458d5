"""`make` notices a .venv built with another Python and rebuilds it (issue 10 #17).

The repository's Makefile runs on a one-file project with the same requires-python, so that
the test builds two small venvs instead of installing smsgw twice.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess

import pytest

from tests.e2e.conftest import ROOT

PROBE = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "makefile-probe"
version = "0"
requires-python = "{requires}"

[project.optional-dependencies]
test = []
bench = []

[tool.setuptools]
py-modules = []
"""


def runs(python: str) -> bool:
    return subprocess.run([python, "-c", "pass"], capture_output=True).returncode == 0


def other_python() -> str | None:
    """A Python other than 3.11 (pyenv keeps them off PATH)."""
    candidates = [shutil.which(f"python3.{n}") for n in range(12, 15)]
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.1[2-9]*/bin/python3")))
    return next((c for c in candidates if c and runs(c)), None)


def test_a_venv_of_the_wrong_python_is_rebuilt_by_the_next_make(tmp_path):
    wrong = other_python()
    if wrong is None or shutil.which("make") is None:
        pytest.skip("needs make and a Python other than 3.11")
    requires = re.search(r'requires-python = "([^"]+)"', (ROOT / "pyproject.toml").read_text())[1]
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / "pyproject.toml").write_text(PROBE.format(requires=requires))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS", "VIRTUAL_ENV"))}

    def make(*args):
        return subprocess.run(["make", "venv", *args], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=600)

    failed = make(f"PYTHON={wrong}")
    assert failed.returncode != 0 and "requires a different Python" in failed.stderr
    rebuilt = make()  # what the next `make test` or `make run` does first
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert "built with another Python; rebuilding" in rebuilt.stdout
    version = subprocess.run([tmp_path / ".venv" / "bin" / "python", "-c",
                              "import sys; print(sys.version_info[:2])"],
                             capture_output=True, text=True).stdout.strip()
    assert version == "(3, 11)"
    assert "Nothing to be done" in make().stdout  # and it is not rebuilt again
