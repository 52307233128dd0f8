# chainsim: `make run` sets up and runs the shipped scenarios; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup bench app clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/chainsim validate scenarios/*.yaml
	$(BIN)/chainsim run scenarios/*.yaml

test: $(STAMP)
	$(BIN)/python -m pytest -n auto

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

app: $(STAMP)
	$(BIN)/chainsim app

clean:
	rm -rf $(VENV) results.duckdb
