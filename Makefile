# venuefinder — two commands for a newcomer: `make run` and `make test`.
# Everything installs into a local virtualenv (.venv); Debian packages (Chromium for the
# browser tests, wrk for the load benchmark) are installed when we are root.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
APT_PACKAGES ?= chromium wrk

ASSETS := venuefinder/web/static/vendor/versions.json

.PHONY: install assets system-deps run test bench clean

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

## system-deps: Debian's Chromium (and wrk) when root; otherwise the tests that need them skip
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian packages:$$missing"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else echo "not root: skipping Debian packages$$missing (tests needing them will skip)"; fi

## run: install, prepare the embedded Helsinki extract and serve the map on http://HOST:PORT
run: install assets
	$(VENV)/bin/venuefinder serve --host $(HOST) --port $(PORT)

## test: install everything the tests need and run them all
test: install assets system-deps
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts .cache web/node_modules venuefinder/web/static/vendor

## bench: print the speed figures (needs ../shared for the Helsinki x100 extract)
bench: install system-deps
	$(PY) bench/bench_spine.py
	$(PY) bench/bench_web.py
