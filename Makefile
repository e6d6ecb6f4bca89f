# venuefinder — two commands for a newcomer: `make run` and `make test`.
# Everything installs into a local virtualenv (.venv); Debian packages (Chromium for the
# browser tests, wrk for the load benchmark, PostgreSQL for the store tests) are installed
# when we are root.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
APT_PACKAGES ?= chromium wrk osmium-tool
# The store tests run on SQLite and on this PostgreSQL database (`make postgres` sets it up).
# PostGIS: `venuefinder load DIR --db URL` serves a partitioned dataset from it.
PG_PACKAGES ?= postgresql postgresql-15-postgis-3
PG_USER ?= venuefinder
PG_PASSWORD ?= venuefinder
PG_DB ?= venuefinder_test
PG_PORT ?= 5432
VENUEFINDER_TEST_DATABASE_URL ?= postgresql+psycopg://$(PG_USER):$(PG_PASSWORD)@127.0.0.1:$(PG_PORT)/$(PG_DB)

# pytest-xdist: one worker per core (each worker has its own PostgreSQL database, see
# tests/conftest.py); `make test TEST_WORKERS=0` runs the suite in one process.
TEST_WORKERS ?= auto
TEST_DIST ?= load

ASSETS := venuefinder/web/static/vendor/versions.json

.PHONY: install assets system-deps postgres run test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(STAMP)

## assets: the map's front-end packages from the npm registry, served by the app itself
$(ASSETS): web/package.json web/package-lock.json venuefinder/web/assets.py | $(STAMP)
	@command -v npm >/dev/null || $(MAKE) --no-print-directory APT_PACKAGES=npm system-deps
	npm ci --prefix web --no-audit --no-fund --loglevel=error
	$(PY) web/install_assets.py

assets: $(ASSETS)

## system-deps: Debian's Chromium (and wrk, and osmium-tool: the partitioned ingest cuts tiles
## with it) when root; otherwise the tests that need them skip
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian packages:$$missing"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else echo "not root: skipping Debian packages$$missing (tests needing them will skip)"; fi

## postgres: Debian's PostgreSQL and PostGIS started, with a role and database for the store
## tests (root only, idempotent); PostGIS is in template1, so the databases tests create
## (one per test worker, the PostGIS serving tests) have it. Without it the PostgreSQL variants of the store tests skip (fail in CI).
postgres:
	@if [ "$$(id -u)" != 0 ]; then echo "not root: skipping PostgreSQL (its store tests will skip)"; exit 0; fi; \
	( set -e; \
	  missing=""; for p in $(PG_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	  if [ -n "$$missing" ]; then \
	    echo "installing Debian packages:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  fi; \
	  if [ -z "$$(pg_lsclusters -h)" ]; then \
	    pg_createcluster --port $(PG_PORT) "$$(ls /usr/lib/postgresql | sort -V | tail -1)" main; \
	  fi; \
	  read -r version cluster port status _ <<< "$$(pg_lsclusters -h | head -1)"; \
	  if [ "$$status" != online ]; then pg_ctlcluster "$$version" "$$cluster" start; fi; \
	  pg_isready -q -h 127.0.0.1 -p $(PG_PORT) -t 30; \
	  sql() { (cd / && runuser -u postgres -- psql -p $(PG_PORT) -v ON_ERROR_STOP=1 -qtAc "$$1"); }; \
	  if [ -z "$$(sql "SELECT 1 FROM pg_roles WHERE rolname = '$(PG_USER)'")" ]; then \
	    sql "CREATE ROLE $(PG_USER) LOGIN"; fi; \
	  sql "ALTER ROLE $(PG_USER) PASSWORD '$(PG_PASSWORD)'"; \
	  if [ -z "$$(sql "SELECT 1 FROM pg_database WHERE datname = '$(PG_DB)'")" ]; then \
	    sql "CREATE DATABASE $(PG_DB) OWNER $(PG_USER)"; fi; \
	  sql "ALTER ROLE $(PG_USER) CREATEDB"; \
	  for db in template1 $(PG_DB); do \
	    (cd / && runuser -u postgres -- psql -p $(PG_PORT) -d "$$db" -v ON_ERROR_STOP=1 -qtAc \
	      "CREATE EXTENSION IF NOT EXISTS postgis"); done; \
	  echo "PostgreSQL ready: database $(PG_DB) on 127.0.0.1:$(PG_PORT)" \
	); \
	if [ $$? != 0 ]; then echo "PostgreSQL setup failed: its store tests will skip (fail under CI=true)"; fi

## run: install, prepare the embedded Helsinki extract and serve the map on http://HOST:PORT
run: install assets
	$(VENV)/bin/venuefinder serve --host $(HOST) --port $(PORT)

## test: install everything the tests need and run them all
test: install assets system-deps postgres
	$(VENV)/bin/lint-imports --no-cache
	VENUEFINDER_TEST_DATABASE_URL='$(VENUEFINDER_TEST_DATABASE_URL)' $(PY) -m pytest -q \
		-n $(TEST_WORKERS) --dist $(TEST_DIST)

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts .cache web/node_modules venuefinder/web/static/vendor

## bench: print the speed figures (needs ../shared for the Helsinki x100 extract)
bench: install system-deps
	$(PY) bench/bench_spine.py
	$(PY) bench/bench_scale.py
	$(PY) bench/room_accuracy.py
	$(PY) bench/bench_routes.py
	$(PY) bench/top10.py
	$(PY) bench/bench_web.py
	$(PY) bench/bench_route_flood.py
	VENUEFINDER_TEST_DATABASE_URL='$(VENUEFINDER_TEST_DATABASE_URL)' $(PY) bench/bench_hazards.py
