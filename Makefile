# Landrelease — two commands do everything: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
WEB    := web/node_modules/.installed
DB     ?= demo.db
AREAS  ?= 2000
SEED   ?= 1

.PHONY: run test bench lint install system-test-deps demo clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

# Front-end packages (MapLibre GL JS, PMTiles, Natural Earth) from npm at set-up; served from disk at run time.
$(WEB): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $(WEB)

install: $(STAMP) $(WEB)

## make run: install, build the synthetic demo database, run the main job.
run: $(STAMP) $(WEB)
	rm -f $(DB) $(DB)-wal $(DB)-shm
	$(BIN)/landrelease --db $(DB) init
	$(BIN)/landrelease --db $(DB) demo --areas $(AREAS) --seed $(SEED)
	$(BIN)/landrelease --db $(DB) stats
	@# an administrator for the web app: a random password, printed once (docs/security.md)
	$(BIN)/landrelease --db $(DB) users add admin --role admin --name "Demo administrator" --generate-password
	exec $(BIN)/landrelease --db $(DB) serve --host 127.0.0.1 --port 8000

## make test: install what the tests need (PostgreSQL/PostGIS from Debian when missing), run everything.
test: $(STAMP) $(WEB) system-test-deps
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/pytest -q

system-test-deps:
	./scripts/install-test-deps.sh

bench: $(STAMP) $(WEB) system-test-deps
	./scripts/install-bench-deps.sh
	$(BIN)/pip install -q -e '.[test,bench]'
	$(BIN)/python benchmarks/run.py

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

clean:
	rm -rf $(VENV) $(DB) $(DB)-wal $(DB)-shm .pytest_cache
