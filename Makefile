# Loket: `make run` serves the demo; `make test` runs every check. Both set themselves up.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint archcheck pytest setup migrate demo messages browser-deps clean-db help

help:
	@echo "make run    - set up, load the demo data and serve http://$(HOST):$(PORT)"
	@echo "make test   - lint, architecture checks and the whole test suite"

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	@touch $@

setup: $(VENV)/.installed

migrate: setup
	@mkdir -p var
	$(MANAGE) migrate --noinput

demo: migrate
	$(MANAGE) import_regions
	$(MANAGE) load_demo

run: demo
	$(MANAGE) runserver $(HOST):$(PORT)

# Debian packages the tests need (headless Chromium for browser tests, gettext for messages).
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v msgfmt >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium gettext >/dev/null; \
	  else \
	    echo "Please install Debian packages: sudo apt-get install chromium gettext"; exit 1; \
	  fi; \
	fi

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

archcheck: setup
	$(VENV)/bin/lint-imports
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) check

messages: setup
	cd loket && ../$(MANAGE) compilemessages --ignore=.venv >/dev/null

pytest: setup browser-deps
	$(VENV)/bin/pytest -n 2 --dist loadgroup -q

test: lint archcheck pytest
