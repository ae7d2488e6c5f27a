# The two commands of the README: `make demo` and `make test`. Both set up .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-fast browser lint format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

## demo: serve the bundled demo site, crawl it into ./archive.db, browse it in Datasette
demo: $(VENV)/.installed
	$(BIN)/newsarchive demo

## test: lint and run the whole test suite (installs Debian's Chromium when it is missing)
test: $(VENV)/.installed-test lint browser
	$(BIN)/pytest

## test-fast: the unit tests alone (no crawls, servers or browser)
test-fast: $(VENV)/.installed-test
	$(BIN)/pytest -q -m "not slow"

browser:
	@scripts/ensure-chromium

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
