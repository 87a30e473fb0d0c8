# Two commands on a fresh machine: `make demo` and `make test`.
# Both create .venv/ with the project (editable) and its dev dependencies.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# build, deploy, lint-template, build-ConnectorFunction (sam build), the SAM CLI tool venv.
include mk/deploy.mk

.PHONY: demo test lint invoke bench check-server clean local-db differential

# Stop at once, with the fix, when no server binary can run the throwaway database.
check-server:
	@if [ -z "$$MYSQL_TEST_URL" ] && ! command -v mariadbd >/dev/null && ! command -v mysqld >/dev/null \
	    && [ ! -x /usr/sbin/mariadbd ] && [ ! -x /usr/sbin/mysqld ]; then \
	  echo "No MariaDB/MySQL server binary (mariadbd or mysqld) was found." >&2; \
	  echo "Install one: sudo apt-get install -y mariadb-server  (it need not run as a service)," >&2; \
	  echo "or set MYSQL_TEST_URL=mysql://user:password@host:port to use an existing MySQL 8 / Aurora." >&2; \
	  exit 1; \
	fi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,cli,parquet,local]'
	touch $(STAMP)

demo: check-server $(STAMP)
	$(BIN)/python -m devkit.demo

lint: $(STAMP) lint-template
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m devkit.import_graph

test: check-server $(STAMP) lint
	$(BIN)/python -m pytest

# The sample database and moto's Secrets Manager, kept until Ctrl-C; writes local.json, local-ca.pem and local.env
# here for appflow-mysql (docs/cli.md).
local-db: check-server $(STAMP)
	$(BIN)/python -m devkit.local_db

# make invoke EVENT=events/validate_credentials.json  (Docker-less `sam local invoke -e`, on the local sample
# database; against AWS: .venv/bin/appflow-mysql invoke EVENT.json)
EVENT ?= events/describe_connector_configuration.json
invoke: check-server $(STAMP)
	@$(BIN)/python -m devkit.invoke $(EVENT)

# Read path: handler QueryData vs raw PyMySQL rows/s, keyset vs OFFSET page times (1M rows; ~10 min);
# then write path: handler WriteData INSERT/UPSERT vs raw PyMySQL records/s (50k records per variant, 4 rounds; ~3 min).
# then memory: RSS over 1,000 QueryData calls of ~5.5 MB responses in one process (~1 min).
# Smaller: make bench BENCH_ARGS="--rows 100000 --repeat 1" WRITE_BENCH_ARGS="--records 10000 --repeat 1" \
#   MEMORY_BENCH_ARGS="--calls 200"
bench: check-server $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench.read_bench --chart bench/read-throughput.png $(BENCH_ARGS)
	$(BIN)/python -m bench.write_bench $(WRITE_BENCH_ARGS)
	$(BIN)/python -m bench.memory_bench $(MEMORY_BENCH_ARGS)

# Old vs. new code on the same AppFlow events (the peers' value matrix, generated WriteData records), answer by
# answer: make differential OLD=HEAD~5 [NEW=rev-or-path] (NEW: this working tree). docs/testing.md.
OLD ?=
NEW ?=
DIFF_ARGS ?=
differential: check-server $(STAMP)
	@if [ -z "$(OLD)" ]; then echo "usage: make differential OLD=<git rev or tree> [NEW=<git rev or tree>]" >&2; exit 2; fi
	$(BIN)/python -m devkit.differential $(OLD) $(NEW) $(DIFF_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
