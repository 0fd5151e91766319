# `make run` and `make test` set themselves up from nothing: a virtualenv in .venv,
# the package installed into it, the database migrated.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# The address in every absolute URL the service writes (the widget's links, the demo's
# script); requests for any other host are refused.
PUBLIC_URL ?= http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint install install-dev browser-deps bench-deps bench clean i18n

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# setup stops first when HOST:PORT is taken, and ends with the URLs and the login.
run: install
	@$(BIN)/flask --app wsgi setup --check-port --host $(HOST) --port $(PORT)
	MODERATION_PUBLIC_URL="$${MODERATION_PUBLIC_URL:-$(PUBLIC_URL)}" \
		$(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT)

# Debian's Chromium drives the browser tests; axe-core checks accessibility; a Korean
# font lets the screenshots of the Korean widget and dashboard show their text.
browser-deps:
	@[ -x /usr/bin/chromium ] || { $(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
	@[ -n "$$(fc-list :lang=ko 2>/dev/null)" ] || { $(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-nanum; }
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; }
	@[ -f node_modules/.package-lock.json ] || npm ci --no-audit --no-fund --silent

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# SQLite always; PostgreSQL (and Redis) too when MODERATION_TEST_DATABASE_URL is set.
test: install-dev browser-deps lint
	env -u MODERATION_TEST_DATABASE_URL $(BIN)/pytest
	@if [ -n "$$MODERATION_TEST_DATABASE_URL" ]; then \
		echo "--- again against $$MODERATION_TEST_DATABASE_URL"; \
		$(BIN)/pytest; \
	fi

# Extract every marked message into messages.pot and merge it into each language's .po
# (new messages come in untranslated; the test suite fails until they are translated).
# A new language: $(BIN)/pybabel init -i $(CATALOGS)/messages.pot -d $(CATALOGS) -l CODE
CATALOGS := moderation/translations
i18n: install-dev
	$(BIN)/pybabel extract -F babel.cfg -k _ -k _n:1,2 -k _l -k lazy_gettext \
		--no-location --sort-output --omit-header -o $(CATALOGS)/messages.pot .
	$(BIN)/pybabel update -i $(CATALOGS)/messages.pot -d $(CATALOGS) \
		--no-fuzzy-matching --ignore-obsolete

# Debian's wrk (the load generator) and nginx (the proxy cache in front) for the
# side-by-side benchmark; Isso goes into a throwaway venv under bench/.build by itself.
bench-deps:
	@command -v wrk >/dev/null && command -v nginx >/dev/null || { $(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light; }

# Never part of `make test`: figures, not pass or fail (bench/RESULTS.md keeps one run).
bench: install-dev bench-deps
	@for script in bench/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache bench/.build
