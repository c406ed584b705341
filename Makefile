# `make demo` and `make test` bootstrap .venv from nothing; the rest are conveniences.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint install serve bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/uptake db upgrade
	$(BIN)/uptake demo
	$(BIN)/uptake serve --host 127.0.0.1 --port 5000

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Two processes, a test file each at a time (tests share module fixtures): the suite's servers,
# crashes and schemathesis take ~19 min in one process on 2 cores.
test: lint
	$(BIN)/pytest -n 2 --dist loadfile

bench: $(STAMP)
	$(BIN)/python bench/scale.py --reduced
	$(BIN)/python bench/ingest.py --events 20000 --repeat 1

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache .hypothesis
