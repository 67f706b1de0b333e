# warroom — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
CONFIG ?= examples/warroom.yaml
PYTEST_ARGS ?=

.PHONY: bench-notify bench-storm run test test-fast lint venv test-deps clean bench

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

venv: $(BIN)/.installed

## Create the virtualenv, migrate ./warroom.db and serve on http://127.0.0.1:8000
run: venv
	$(BIN)/warroom db upgrade
	$(BIN)/warroom serve --config $(CONFIG)

## Install what the tests need (PostgreSQL server binaries) and run the whole suite
test: venv test-deps
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

## The suite without the slow end-to-end tests
test-fast: venv
	$(BIN)/pytest -n auto -m "not slow" $(PYTEST_ARGS)

test-deps:
	@scripts/ensure-test-deps

## Ingest throughput against Alertmanager 0.25 and a bare ASGI app (needs wrk)
bench: venv
	$(BIN)/python -m bench.ingest.run

## Alert-to-delivery latency at 100 alerts/s to real SMTP and webhook receivers
bench-notify: venv
	$(BIN)/python -m bench.notify.run

## One alert storm (20,000 alerts of one service, then each again) to warroom and Alertmanager 0.25
bench-storm: venv
	$(BIN)/python -m bench.storm.run

lint: venv
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist src/*.egg-info
