# One-command entry points. `make demo` and `make test` are the README's first two commands.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml setup.py | sha256sum | cut -c1-12)

.PHONY: setup demo test lint bench ui clean

$(STAMP): pyproject.toml setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/aisec run

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks.bench_risk
	$(BIN)/python -m benchmarks.bench_demo
	$(BIN)/python -m benchmarks.bench_detection

ui: $(STAMP)
	mkdir -p .aisec/dagster_home
	test -f .aisec/dagster_home/dagster.yaml || cp deploy/local/dagster.yaml .aisec/dagster_home/
	DAGSTER_HOME=$${DAGSTER_HOME:-$(CURDIR)/.aisec/dagster_home} $(BIN)/dagster dev -w workspace.yaml

clean:
	rm -rf .aisec
