# Chung Sức: the two commands in the README are `make run` and `make test`.
# Everything they need is installed from here (Python packages into .venv, Debian packages
# with apt-get when missing), so both work on a fresh machine.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
APT_PACKAGES := xvfb xauth chromium libgl1
PG_VERSION = $(shell ls /etc/postgresql 2>/dev/null | head -n 1)

.PHONY: run test install system-deps postgres lint clean

## run: install, migrate, load the demo commune and serve on http://$(HOST):$(PORT)/
run: $(VENV)/.installed
	$(BIN)/chungsuc init-db
	$(BIN)/chungsuc demo-data
	$(BIN)/chungsuc serve --host $(HOST) --port $(PORT)

## test: every check: lint, import contracts, and the whole pytest suite (SQLite + PostgreSQL,
## real server processes, the Kivy window under Xvfb, the browser in headless Chromium)
test: $(VENV)/.installed system-deps postgres
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

install: $(VENV)/.installed

$(VENV)/.installed: setup.cfg pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/pip install --quiet -e '.[server,app,test]'
	touch $@

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { \
	  echo "Starting PostgreSQL $(PG_VERSION)"; \
	  pg_ctlcluster --skip-systemctl-redirect $(PG_VERSION) main start; \
	  for i in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; }

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
