# One-command entry points. Each creates .venv and installs the project on first use.
# TORCH pins the build: on this project's machines `torch==2.13.0` resolves to a CPU wheel
# kept on local disk; elsewhere pass e.g. TORCH="torch --index-url https://download.pytorch.org/whl/cpu".
PYTHON ?= python3
VENV ?= .venv
TORCH ?= torch==2.13.0
PY := $(VENV)/bin/python
STAMP := $(VENV)/.filterbank-installed

.PHONY: setup test check-wheel demo verify lint format clean

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet $(TORCH)
	$(PY) -m pip install --quiet -e ".[dev,dask]"
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m ruff check filterbank tests examples scripts
	$(PY) -m ruff format --check filterbank tests examples scripts
	$(PY) -m mypy
	$(PY) -m pytest -q

# Build the wheel, install it (not editable) into a scratch venv and run the CLI and the README's first
# example from an empty temporary folder (scripts/check-wheel.sh). CI runs it after `make test`.
check-wheel: $(STAMP)
	PYTHON=$(PY) scripts/check-wheel.sh

demo: $(STAMP)
	$(VENV)/bin/filterbank demo --out demo-out

verify: $(STAMP)
	$(VENV)/bin/filterbank verify

lint: $(STAMP)
	$(PY) -m ruff check filterbank tests examples scripts
	$(PY) -m ruff format --check filterbank tests examples scripts

format: $(STAMP)
	$(PY) -m ruff format filterbank tests examples scripts
	$(PY) -m ruff check --fix filterbank tests examples scripts

clean:
	rm -rf $(VENV) demo-out .pytest_cache .ruff_cache .mypy_cache
