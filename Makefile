# The README's two commands: `make run` and `make test`. Both set up .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test install lint bench bench-tools bench-targets

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Antrian needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(INSTALLED)

# Migrate, load the demo MPPs, then API (BOOKING_HOST:BOOKING_PORT, default 127.0.0.1:8000), worker and beat.
run: $(INSTALLED)
	$(BIN)/booking db upgrade
	$(BIN)/booking demo load
	exec $(BIN)/booking run

# The whole suite, on SQLite and (when reachable) PostgreSQL.
test: $(INSTALLED)
	$(BIN)/python -m pytest

lint: $(INSTALLED)
	$(BIN)/ruff check .

# Benchmarks print their figures beside a baseline and write bench/results/*.json (see BENCHMARKS.md).
# The PostgreSQL ones need a server at BENCH_POSTGRES_URL that lets them create their own databases, and
# pgbench (Debian: postgresql-contrib) and wrk (Debian: wrk), installed here if missing; notifications also run on Redis.
BENCH_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/14
bench-tools:
	@command -v pgbench >/dev/null || (apt-get update -qq && apt-get install -y -qq postgresql-contrib)
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)

bench: $(INSTALLED) bench-tools
	$(BIN)/python bench/booking.py --postgres-url $(BENCH_POSTGRES_URL)
	$(BIN)/python bench/booking.py --postgres-url $(BENCH_POSTGRES_URL) --api-processes 2
	$(BIN)/python bench/booking.py --sqlite
	$(BIN)/python bench/availability_national.py --postgres-url $(BENCH_POSTGRES_URL)
	$(BIN)/python bench/availability_load.py --postgres-url $(BENCH_POSTGRES_URL)
	$(BIN)/python bench/database_size.py --postgres-url $(BENCH_POSTGRES_URL)
	$(BIN)/python bench/availability.py
	$(BIN)/python bench/availability_load.py --api-processes 1
	$(BIN)/python bench/notifications.py
	$(BIN)/python bench/notifications.py --postgres-url $(BENCH_POSTGRES_URL) --broker-url $(BENCH_REDIS_URL)
	$(BIN)/python bench/notifications.py --postgres-url $(BENCH_POSTGRES_URL) --broker-url $(BENCH_REDIS_URL) --workers 2
	$(BIN)/python bench/queue_display.py --postgres-url $(BENCH_POSTGRES_URL) --redis-url $(BENCH_REDIS_URL)
	$(BIN)/python bench/report_daily.py --postgres-url $(BENCH_POSTGRES_URL)
	$(BIN)/python bench/targets.py

# Only what issue 15's targets read (bench/targets.py), in one run: booking at 32 clients on 2 API processes,
# national and under-load availability, one notification worker on PostgreSQL + Redis, and the SQLite
# embedded default (one API process, as `booking run` serves); then the table.
bench-targets: $(INSTALLED) bench-tools
	$(BIN)/python bench/booking.py --postgres-url $(BENCH_POSTGRES_URL) --api-processes 2 --clients 32
	$(BIN)/python bench/availability_national.py --postgres-url $(BENCH_POSTGRES_URL)
	$(BIN)/python bench/availability_load.py --postgres-url $(BENCH_POSTGRES_URL)
	$(BIN)/python bench/notifications.py --postgres-url $(BENCH_POSTGRES_URL) --broker-url $(BENCH_REDIS_URL)
	$(BIN)/python bench/booking.py --sqlite --clients 32
	$(BIN)/python bench/availability.py
	$(BIN)/python bench/availability_load.py --api-processes 1
	$(BIN)/python bench/targets.py
