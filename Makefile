# One-command entry points. `make demo` and `make test` are the README's first two commands.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml setup.py | sha256sum | cut -c1-12)

.PHONY: setup demo test test-future-clock wheel-smoke bench ui clean

# uv installs the pinned set in seconds where pip takes minutes (the same versions: every
# dependency is pinned); pip stays the fallback, e.g. where only pip's own configuration (an
# index mirror in pip.conf) reaches the registry.
UV_VERSION := 0.13.9

$(STAMP): pyproject.toml setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION) \
		&& $(BIN)/python -m uv pip install --quiet --python $(BIN)/python -e '.[dev,notebooks]' \
		|| $(BIN)/python -m pip install --quiet -e '.[dev,notebooks]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/aisec run

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest -n 2 --junitxml=test-artifacts/junit.xml

# The suite with the system clock a year and a month ahead (libfaketime, Debian's `faketime`):
# a test or a pipeline step that reads today's date instead of the run's clock fails here.
# No xdist (its worker channels use timed waits libfaketime does not fake; and faking only
# the wall clock, DONT_FAKE_MONOTONIC=1, makes every time.sleep fail with EINVAL under
# libfaketime 0.9.10): two serial pytest processes side by side, test files balanced by their
# measured time (.ci/future_clock.py, weights in .ci/test_weights.json; refresh them after a
# `make test-future-clock` with
# `.venv/bin/python .ci/future_clock.py --weights-from test-artifacts/future-clock-*.xml`).
# The campaigns that read no clock (marker clock_independent) ran in `make test` already.
test-future-clock: $(STAMP)
	command -v faketime >/dev/null || { echo "faketime is not installed (apt-get install faketime)"; exit 2; }
	$(BIN)/python .ci/future_clock.py --shards 2

# The project as an installed wheel, outside the checkout: .ci/wheel-smoke.
wheel-smoke: $(STAMP)
	PYTHON=$(PYTHON) .ci/wheel-smoke

bench: $(STAMP)
	$(BIN)/python -m benchmarks.bench_risk
	$(BIN)/python -m benchmarks.bench_controls
	$(BIN)/python -m benchmarks.bench_demo
	$(BIN)/python -m benchmarks.bench_detection
	$(BIN)/python -m benchmarks.bench_discovery
	$(BIN)/python -m benchmarks.bench_incidents
	$(BIN)/python -m benchmarks.bench_metrics

# The Dagster UI on the same instance `make demo` uses: `make ui` or `make ui PORT=3001`.
# `dagster dev` warns that `dg dev` supersedes it; `dg` needs the dg project layout, which this
# workspace.yaml code location does not use, so exactly that warning is silenced.
PORT ?= 3000
ui: $(STAMP)
	mkdir -p .aisec/dagster_home
	test -f .aisec/dagster_home/dagster.yaml || cp deploy/local/dagster.yaml .aisec/dagster_home/
	DAGSTER_HOME=$${DAGSTER_HOME:-$(CURDIR)/.aisec/dagster_home} \
	PYTHONWARNINGS='ignore:Function `dev_command` is superseded' \
	$(BIN)/dagster dev -w workspace.yaml -p $(PORT)

clean:
	rm -rf .aisec
