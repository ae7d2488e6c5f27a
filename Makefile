# The two commands of the README: `make demo` and `make test`. Both set up .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-fast bench-gate browser redis lint format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# setuptools tells every editable install, as a warning, that it uses an import hook
# (pip shows the build backend's warnings since 25.x): information, not a problem.
QUIET_BUILD := PYTHONWARNINGS=ignore::UserWarning

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(QUIET_BUILD) $(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(QUIET_BUILD) $(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

## demo: serve the bundled demo site, crawl it into ./archive.db, browse it in Datasette
demo: $(VENV)/.installed
	$(BIN)/newsarchive demo

## test: lint and run the whole test suite (installs Debian's Chromium and redis-server when
## they are missing)
test: $(VENV)/.installed-test lint browser redis
	$(BIN)/pytest

## test-fast: the unit tests alone (no crawls, servers or browser)
test-fast: $(VENV)/.installed-test
	$(BIN)/pytest -q -m "not slow"

## bench-gate: the extraction and discovery benchmarks on the Fundus dev set (DEVSET=folder),
## failing when a figure falls below its floor in bench/floors.json; nothing to do without it
DEVSET ?= ../shared/devset
bench-gate: $(VENV)/.installed-test
	@if [ -f "$(DEVSET)/truth.json" ]; then \
		$(BIN)/python bench/extraction.py "$(DEVSET)" --floors bench/floors.json && \
		$(BIN)/python bench/discovery.py "$(DEVSET)" --floors bench/floors.json; \
	else \
		echo "bench-gate: no dev set at $(DEVSET) (give DEVSET=folder): benchmark gates not run"; \
	fi

browser:
	@scripts/ensure-chromium

redis:
	@scripts/ensure-redis

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache --no-logo

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
