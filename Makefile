# Loket: `make run` serves the demo; `make test` runs every check. Both set themselves up.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
# Python 3.11 exactly (Django 5.2 LTS; see docs/architecture.md). Override with PYTHON=/path/to/python3.11.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# Parallel test workers; tests that share state are grouped with xdist_group.
WORKERS ?= 2

.PHONY: help run test setup migrate regions demo lint archcheck templates pytest browser-deps node-deps messages clean-db bench-regions bench-booking bench-letters bench-signing bench-notify

help:
	@echo "make run    - set up, load the demo data and serve http://$(HOST):$(PORT) (SQLite under var/)"
	@echo "make test   - lint, architecture checks, template compile check and the whole test suite"

# --- set-up -------------------------------------------------------------------------------

$(VENV)/.installed: requirements.txt
	@if [ ! -x "$(PY)" ]; then \
	  if [ -z "$(PYTHON)" ] || ! "$(PYTHON)" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then \
	    echo "Loket needs Python 3.11 (found: $(PYTHON)). Install python3.11 or run: make PYTHON=/path/to/python3.11 ..."; \
	    exit 1; \
	  fi; \
	  "$(PYTHON)" -m venv $(VENV); \
	fi
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

setup: $(VENV)/.installed

migrate: setup
	@mkdir -p var
	$(MANAGE) migrate --noinput

# Idempotent: re-running keeps the data (and never prints demo passwords again).
regions: migrate
	$(MANAGE) import_regions

demo: regions
	$(MANAGE) load_demo

# The demo phone: a notifications worker runs beside the server and writes the SMS, WhatsApp and
# e-mail messages citizens would get into this terminal (NOTIFY_CONSOLE; never in production);
# the queue's timer (no-shows, the day-before reminders) runs every 5 minutes, as cron would.
run: demo
	@export NOTIFY_CONSOLE=true; \
	$(MANAGE) notifications_worker --poll 1 & worker=$$!; \
	( while :; do $(MANAGE) queue_housekeeping >/dev/null; sleep 300; done ) & timer=$$!; \
	trap 'kill $$worker $$timer 2>/dev/null' EXIT INT TERM; \
	$(MANAGE) runserver $(HOST):$(PORT)

# --- checks -------------------------------------------------------------------------------

# Debian packages the tests need: headless Chromium for the browser tests, gettext for messages,
# and for the signing tests SoftHSM2 (a PKCS#11 software token), poppler's pdfsig and NSS's certutil
# (independent validators of the signed PDFs).
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! command -v msgfmt >/dev/null 2>&1 \
	  || [ ! -e /usr/lib/softhsm/libsofthsm2.so ] || ! command -v softhsm2-util >/dev/null 2>&1 \
	  || ! command -v pdfsig >/dev/null 2>&1 || ! command -v certutil >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing Debian packages chromium, gettext, softhsm2, poppler-utils and libnss3-tools ..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium gettext softhsm2 poppler-utils libnss3-tools >/dev/null; \
	  else \
	    echo "The tests need Debian's chromium, gettext, softhsm2, poppler-utils and libnss3-tools. Install them first:"; \
	    echo "    sudo apt-get install chromium gettext softhsm2 poppler-utils libnss3-tools"; \
	    exit 1; \
	  fi; \
	fi

# Node.js and the npm packages of the test SMSC (testpeers/smsc: the npm `smpp`
# package's SMPP server, which the SMS channel tests talk to). npm ci installs exactly the
# committed package-lock.json, again whenever it changes.
SMSC_DIR := testpeers/smsc
node-deps: $(SMSC_DIR)/node_modules/.installed

$(SMSC_DIR)/node_modules/.installed: $(SMSC_DIR)/package-lock.json
	@if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing Debian packages nodejs and npm ..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; \
	  else \
	    echo "The SMS tests need Node.js and npm (the test SMSC). Install them first:"; \
	    echo "    sudo apt-get install nodejs npm"; \
	    exit 1; \
	  fi; \
	fi
	npm ci --prefix $(SMSC_DIR) --no-audit --no-fund --loglevel=error
	@touch $@

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

archcheck: setup
	$(VENV)/bin/lint-imports
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) check

templates: setup
	$(MANAGE) check_templates

# pytest exits 5 when it collected no tests; a test run that tested nothing is a failure.
pytest: setup browser-deps node-deps
	@rc=0; $(VENV)/bin/pytest -n $(WORKERS) --dist loadgroup -q $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: that is a failure"; exit 1; fi; \
	exit $$rc

test: browser-deps node-deps lint archcheck templates pytest

# --- helpers ------------------------------------------------------------------------------

messages: setup browser-deps
	@for d in loket/*/locale loket/locale; do \
	  [ -d "$$d" ] || continue; \
	  (cd "$$(dirname $$d)" && $(CURDIR)/$(PY) $(CURDIR)/manage.py compilemessages --ignore=.venv >/dev/null); \
	done

# Benchmarks (docs/benchmarks.md). Scratch databases only; PostgreSQL at $$BENCH_PG.
bench-regions: setup
	$(PY) bench/regions_import.py sqlite
	$(PY) bench/regions_import.py postgres

# gunicorn + concurrent HTTP bookings of one office-day, then pgbench's ceiling for the same
# transaction. Options: bench/booking.py --help (or BENCH_ATTEMPTS, BENCH_QUOTA, BENCH_WORKERS, ...).
bench-booking: setup
	$(PY) bench/booking.py

# issue_letter end to end (number, Typst PDF/A render, private storage, audit) for a batch of SKU
# letters on a scratch database. Options: bench/letters.py --help, e.g.
# make bench-letters BENCH_LETTERS_ARGS="--count 2000 --db postgres".
bench-letters: setup
	$(PY) bench/letters.py $(BENCH_LETTERS_ARGS)

# A lurah's batch: N letters issued (Typst render), put before the lurah, signed in one
# sign_documents call with one PIN (local key, production Argon2id, unsealed once), verified.
# Options: bench/signing.py --help, e.g. make bench-signing BENCH_SIGNING_ARGS="--count 100 --db postgres".
bench-signing: setup
	$(PY) bench/signing.py $(BENCH_SIGNING_ARGS)

# The outbox: N messages (default 20,000) enqueued, sent by several notifications_worker processes
# to the node SMSC (SMPP) and the test WhatsApp gateway (HTTP), the gateway stopped for a while and a
# worker SIGKILLed mid-send; lost and duplicated messages must be 0. Options: bench/notify.py --help,
# e.g. make bench-notify BENCH_NOTIFY_ARGS="--count 2000 --workers 2 --db sqlite".
bench-notify: setup node-deps
	$(PY) bench/notify.py $(BENCH_NOTIFY_ARGS)

clean-db:
	rm -f var/loket.sqlite3 var/loket.sqlite3-wal var/loket.sqlite3-shm
