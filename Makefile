# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
# The stamp names the Python version the venv was built for. A venv built with another Python
# (`make test PYTHON=python3.12`, or by hand) has no stamp for this one, so the next run
# rebuilds it from scratch: no `make clean` needed.
PY_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
VENV_VERSION = $$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
STAMP  := $(VENV)/.installed-$(PY_VERSION)

.PHONY: run test venv bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -n "$(PY_VERSION)" || { echo "$(PYTHON) does not run; smsgw needs Python 3.11" >&2; exit 1; }
	@if [ -e $(VENV) ] && [ "$(VENV_VERSION)" != "$(PY_VERSION)" ]; then \
	    echo "$(VENV) was built with another Python; rebuilding it with $(PYTHON) ($(PY_VERSION))"; \
	    rm -rf $(VENV); fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	rm -f $(VENV)/.installed*
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/smsgw serve

# The import contracts and the types come first: they take seconds and name the exact line.
# Their configuration is in pyproject.toml ([tool.importlinter], [tool.mypy]).
# pytest runs on PYTEST_WORKERS parallel workers (pytest-xdist): most tests wait on other
# processes (gunicorn, Kannel, PostgreSQL), so more workers than cores pay. Each test file
# stays on one worker (its module fixtures start once; ordered steps stay in order), handed out
# in collection order: the slow e2e files first (xdist's default hands the files with the most
# tests out first, which left the few-test, slow e2e files to the end). xdist_group (loadgroup)
# is not used: with pytest 9 xdist 3.8 cannot group (it renames item._nodeid, which pytest 9
# no longer reads). `make test PYTEST_WORKERS=0` runs everything in one process.
PYTEST_WORKERS ?= 4
test: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

# Prints the figures; `make bench BENCH_ARGS=--record` also writes bench/RESULTS.md.
bench: $(STAMP)
	$(BIN)/python bench/soap_bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var build *.egg-info .mypy_cache
