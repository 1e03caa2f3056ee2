# Relhealth: `make run` starts the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export DJANGO_SETTINGS_MODULE ?= relhealth.settings.local

.PHONY: install lock run test lint typecheck bench bench-spray loadtest clean

# Python dependencies come from the lock files (requirements/*.txt, every file pinned by hash);
# `make lock` writes them from pyproject.toml. pip check fails the install when pyproject.toml asks
# for something the lock lacks (a dependency added without `make lock`).
LOCK := requirements/base.txt requirements/dev.txt

$(VENV)/.installed: pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Relhealth needs Python 3.11 or newer"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	@$(PY) -m pip check || { echo "make: the lock lacks what pyproject.toml asks for: run make lock"; exit 1; }
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
	$(VENV)/bin/mypy dialect relhealth org checkins culture api demo

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

# Rewrite the lock from pyproject.toml, keeping every pin that still fits (LOCK_ARGS=--upgrade
# moves everything to the newest allowed, LOCK_ARGS="--upgrade-package django" one package).
# Hashes of every file of each pinned release (all wheels and the sdist) and markers for every
# platform, for Python 3.11 and newer. Needs only uv, installed by hash from the dev lock.
UV_COMPILE = $(VENV)/bin/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command "make lock" $(LOCK_ARGS)

$(VENV)/bin/uv:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	awk '/^uv==/{p=1} p{print} p && !/\\$$/{exit}' requirements/dev.txt > $(VENV)/uv-lock.txt
	$(PY) -m pip install --quiet --require-hashes --no-deps -r $(VENV)/uv-lock.txt

lock: $(VENV)/bin/uv
	$(UV_COMPILE) pyproject.toml requirements/build.in -o requirements/base.txt
	$(UV_COMPILE) pyproject.toml requirements/build.in --extra dev -c requirements/base.txt \
		-o requirements/dev.txt

clean:
	rm -rf var staticfiles .pytest_cache .coverage
