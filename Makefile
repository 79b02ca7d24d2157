# Two commands on a fresh machine: `make run` and `make test` (see README.md).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-fast test-faults lint fmt bench bench-load worker clean

$(STAMP): requirements.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	touch $@

$(DEV_STAMP): $(STAMP) requirements-dev.lock
	$(BIN)/pip install -q -r requirements.lock -r requirements-dev.lock
	touch $@

run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py collectstatic --noinput -v0
	@echo "cqdlab on http://$(HOST):$(PORT)/  login: demo / cqdlab-demo  (admin: /admin/)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Uses PostgreSQL, Redis and a real Celery worker where they answer on 127.0.0.1
# (as on CI); otherwise SQLite, and the flow tests say they were skipped and why.
test: $(DEV_STAMP)
	@scripts/ensure-chromium.sh
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python manage.py makemigrations --check --dry-run
	scripts/with-services.sh $(BIN)/pytest -p no:cacheprovider $(PYTEST_ARGS)

test-fast: $(DEV_STAMP)
	$(BIN)/pytest -q -m "not flow and not browser and not faults" $(PYTEST_ARGS)

test-faults: $(DEV_STAMP)
	scripts/with-services.sh $(BIN)/pytest -m faults --run-faults $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(DEV_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(DEV_STAMP)
	scripts/with-services.sh $(BIN)/python -m bench

# The load test: 20 concurrent clients post 1000 J-V files to gunicorn + a worker on
# PostgreSQL and Redis; every file must be stored and analysed with no server error.
bench-load: $(DEV_STAMP)
	scripts/with-services.sh $(BIN)/python -m bench --only ingest --clients 20

worker: $(STAMP)
	$(BIN)/celery -A cqdlab worker -l info

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
