# Two commands a newcomer needs: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo demo-history serve test lint mutate bench bench-scale bench-load bench-placement bench-solomon sim

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup  ## the live demo: server, console and simulated compound on http://127.0.0.1:8000
	$(BIN)/dispatch demo

demo-history: setup  ## the demo after a month of simulated history (first run: 15-30 min, then cached)
	$(BIN)/dispatch demo --history-days 30

serve: setup  ## the API on an empty database (DISPATCH_DATABASE_URL selects it)
	$(BIN)/dispatch serve

lint: setup
	$(BIN)/ruff check .

test: lint  ## lint, then the whole test suite (needs PostgreSQL on 127.0.0.1:5432)
	$(BIN)/python -m pytest

# Mutation testing of one module against its own tests (slow: not part of `make test`), e.g.
#   make mutate MODULE=dispatcher/sla/policy.py TESTS="tests/dispatcher/test_sla.py tests/dispatcher/test_policy_rules.py"
mutate: setup  ## mutmut on MODULE, each mutant run against TESTS (default: the whole suite)
	@test -n "$(MODULE)" || (echo "usage: make mutate MODULE=path/to/module.py [TESTS=...]"; exit 2)
	rm -f .mutmut-cache
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +
	-PYTHONDONTWRITEBYTECODE=1 HYPOTHESIS_PROFILE=mutation $(BIN)/mutmut run --paths-to-mutate $(MODULE) --tests-dir tests \
		--runner "$(BIN)/python -m pytest -x -q -p no:cacheprovider $(or $(TESTS),tests)"
	$(BIN)/mutmut results

bench: setup  ## solve times of the demo-sized and a 50-technician / 500-ticket snapshot
	$(BIN)/python -m benchmarks.snapshot_solve

bench-scale: setup  ## cities of 50/500, 200/2,000 and 1,000/10,000: first plan, quality, re-plan latency per event
	$(BIN)/python -m benchmarks.scale

bench-load: setup  ## a district's day through serve + 2 workers on PostgreSQL and Redis
	$(BIN)/python -m benchmarks.load

bench-placement: setup  ## a new ticket to its quick insertion and full re-plan, both backends; a 500-ticket storm with GPS
	$(BIN)/python -m benchmarks.placement --backend both
	$(BIN)/python -m benchmarks.placement --backend both --storm 500 --gps 1000

bench-solomon: setup  ## Solomon VRPTW: ours vs textbook OR-Tools, PyVRP, VROOM (5 s each, ~20 min)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m benchmarks.solomon --seconds 5

sim: setup  ## a simulated district day: our engine against nearest free technician, VROOM and hindsight
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m benchmarks.simulate --scenario district --json var/sim/district.json --png var/sim/district.png
