# Relhealth: `make run` starts the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export DJANGO_SETTINGS_MODULE ?= relhealth.settings.local

.PHONY: install run test lint typecheck bench bench-spray loadtest clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Relhealth needs Python 3.11 or newer"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	bash scripts/run_demo.sh

test: install
	DJANGO_SETTINGS_MODULE=relhealth.settings.test $(VENV)/bin/pytest --cov --cov-report=term:skip-covered $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy relhealth org checkins culture api

# The benchmark (bench/run.py): scratch PostgreSQL databases relhealth_bench_*, Redis db 14 by
# default (BENCH_PG, BENCH_REDIS_URL), figures printed and written to var/bench/results.json.
bench: install
	$(PY) -m bench $(BENCH_ARGS)

# The check-in page idle and while 8 clients spray passwords at the sign-in page (bench/spray.py,
# about 3 minutes; a scratch database relhealth_bench_spray, gunicorn as in production).
bench-spray: install
	$(PY) -m bench.spray $(SPRAY_ARGS)

# Load and fault harness (about 3 minutes): private PostgreSQL on 5440, Redis on 6390, gunicorn.
loadtest: install
	$(PY) scripts/loadtest.py $(LOADTEST_ARGS)

clean:
	rm -rf var staticfiles .pytest_cache .coverage
