# Wenming: `make demo` serves the demo city, `make test` runs every test. Both install what they need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO_GRIDS ?= 3000
PORT ?= 8000

.PHONY: install demo test lint bench messages clean cluster cluster-deps cluster-down cluster-status

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 is needed (python3.11 or python3)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the map and chart libraries (apt-get install npm)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

demo: install
	WENMING_DEMO=1 $(BIN)/wenming migrate --no-input -v 0
	WENMING_DEMO=1 $(BIN)/wenming demo-data --grids $(DEMO_GRIDS) --if-empty
	WENMING_DEMO=1 $(BIN)/wenming demo-cases --if-empty
	WENMING_DEMO=1 $(BIN)/wenming demo-evaluation
	WENMING_DEMO=1 $(BIN)/wenming demo-inspections
	WENMING_DEMO=1 $(BIN)/wenming scores --weeks 4 --months 1 --publish --as zhiban
	WENMING_DEMO=1 $(BIN)/wenming collectstatic --no-input -v 0
	WENMING_DEMO=1 WENMING_PORT=$(PORT) $(BIN)/wenming demo-logins
	WENMING_DEMO=1 $(BIN)/wenming serve --host 127.0.0.1 --port $(PORT) --with-worker

# The cluster on one machine (docs/scaling.md): etcd, two Patroni PostgreSQL nodes, HAProxy, PgBouncer, Redis,
# two app nodes and two workers on 127.0.0.1 ports from CLUSTER_PORT_BASE; the load balancer answers on the first.
CLUSTER_PORT_BASE ?= 15400
CLUSTER_APT := patroni etcd-server haproxy pgbouncer pgbackrest redis-server postgresql-15
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

cluster-deps:
	@missing=""; for p in $(CLUSTER_APT); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; $(SUDO) apt-get update -qq && \
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi

cluster: install cluster-deps
	WENMING_DEMO=1 $(BIN)/wenming cluster up --demo --port-base $(CLUSTER_PORT_BASE)

cluster-status:
	WENMING_DEMO=1 $(BIN)/wenming cluster status

cluster-down:
	WENMING_DEMO=1 $(BIN)/wenming cluster down

lint: install
	$(BIN)/ruff check .
	WENMING_TESTING=1 $(BIN)/python manage.py makemigrations --check --dry-run -v 0

# Runs the suite on SQLite, then again on PostgreSQL when DATABASE_URL points at one.
test: install lint
	env -u DATABASE_URL WENMING_TESTING=1 WENMING_PG_PASS_FOLLOWS=$(if $(DATABASE_URL),1,0) $(BIN)/pytest
	@if [ -n "$$DATABASE_URL" ]; then echo "== again on $$DATABASE_URL"; WENMING_TESTING=1 $(BIN)/pytest; fi

bench: install
	$(BIN)/python bench/routing.py
	$(BIN)/python bench/demo_data.py
	$(BIN)/python bench/intake.py

# Refresh the Chinese catalogue after changing interface strings; translate the new entries, then compile.
messages: install
	WENMING_TESTING=1 $(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete \
		--ignore=.venv --ignore=node_modules --ignore=var --ignore=bench
	msgfmt --check -o wenming/locale/zh_Hans/LC_MESSAGES/django.mo wenming/locale/zh_Hans/LC_MESSAGES/django.po

clean:
	rm -rf $(VENV) node_modules var
