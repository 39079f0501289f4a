# Two commands do all the setup: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
# Each test run can get its own databases, so several checkouts can test on one machine at once.
PG_URL ?= postgres://postgres@127.0.0.1:5432/portal
MYSQL_URL ?= mysql://root@127.0.0.1:3306/portal
PYTEST_ARGS ?=

.PHONY: run serve test page-checkers test-sqlite test-postgres test-mariadb lint messages compilemessages migrate demo clean bench

run: $(VENV)/.run-installed compilemessages
	$(MANAGE) migrate --noinput
	$(MANAGE) createcachetable
	$(MANAGE) create_demo_user
	@echo "Serving http://127.0.0.1:8000/  (SMS and e-mail are printed here; Ctrl-C stops)"
	$(MANAGE) runserver 127.0.0.1:8000

# The production settings under gunicorn, on this machine (scripts/serve says what it sets).
serve: $(VENV)/.serve-installed compilemessages
	VENV=$(VENV) scripts/serve

test: $(VENV)/.test-installed page-checkers compilemessages lint test-sqlite test-postgres test-mariadb

# axe-core and the Nu HTML checker, which the browser layer runs on every page (installed from npm into the test
# cache; the tests themselves have no network).
page-checkers: $(VENV)/.test-installed
	scripts/install-page-checkers

# All layers on SQLite: unit, service, mail server, browser.
test-sqlite: page-checkers
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The whole suite again on the real servers, except the browser layer (it tests pages, not databases), the
# production layer (it starts its own nodes on the databases it needs) and the benchmarks' smoke runs (they make
# their own databases).
test-postgres:
	DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest -m "not browser and not production and not bench" $(PYTEST_ARGS)

test-mariadb:
	DATABASE_URL=$(MYSQL_URL) $(VENV)/bin/pytest -m "not browser and not production and not bench" $(PYTEST_ARGS)

# Every benchmark, then one table of figures (docs/performance.md). Not part of `make test`, which only smoke-runs
# each bench. BENCH_ARGS: e.g. --only web_load, or --database-prefix portal_bench_me.
BENCH_ARGS ?=
bench: $(VENV)/.bench-installed compilemessages
	$(PY) bench/run_all.py $(BENCH_ARGS)

lint: $(VENV)/.test-installed
	$(VENV)/bin/ruff check .

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(VENV)/bin/python
	scripts/install-system-packages run
	$(VENV)/bin/pip install -q -e .
	touch $@

$(VENV)/.serve-installed: pyproject.toml | $(VENV)/bin/python
	scripts/install-system-packages run
	$(VENV)/bin/pip install -q -e ".[prod]"
	touch $@ $(VENV)/.run-installed

$(VENV)/.test-installed: pyproject.toml | $(VENV)/bin/python
	scripts/install-system-packages test
	$(VENV)/bin/pip install -q -e ".[postgres,mysql,prod,test]"
	touch $@ $(VENV)/.run-installed $(VENV)/.serve-installed

$(VENV)/.bench-installed: pyproject.toml | $(VENV)/bin/python
	scripts/install-system-packages bench
	$(VENV)/bin/pip install -q -e ".[postgres,mysql,prod,test]"
	touch $@ $(VENV)/.test-installed $(VENV)/.run-installed $(VENV)/.serve-installed

compilemessages: | $(VENV)/bin/python
	@test -f $(VENV)/.run-installed || $(MAKE) $(VENV)/.run-installed
	$(MANAGE) compilemessages --ignore=.venv --ignore='.git*' -v 0

# Refresh the .po catalogs after changing strings (then translate the new entries and commit).
messages:
	$(MANAGE) makemessages -l zh_Hans --ignore=.venv --ignore=tests --ignore=bench --no-obsolete

clean:
	rm -rf $(VENV) staticfiles .pytest-db.sqlite3 .serve-secret-key bench/results
