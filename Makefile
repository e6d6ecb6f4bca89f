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

.PHONY: install system-deps run test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(STAMP)

## system-deps: Debian's Chromium (and wrk) when root; otherwise the tests that need them skip
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian packages:$$missing"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else echo "not root: skipping Debian packages$$missing (tests needing them will skip)"; fi

## run: install, prepare the embedded Helsinki extract and show the safest venues
run: install
	$(VENV)/bin/venuefinder venues --near 60.1699,24.9384 --radius 1500 --limit 10

## test: install everything the tests need and run them all
test: install system-deps
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts .cache

## bench: print the speed figures (needs ../shared for the Helsinki x100 extract)
bench: install system-deps
	$(PY) bench/bench_spine.py
	$(PY) bench/bench_web.py
