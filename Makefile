# The two commands of the README. Both install what they need into ./.venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench clean

run: $(STAMP)  ## start the service on SQLite with a demo (see README)
	$(BIN)/hotline serve --demo $(ARGS)

test: $(STAMP)  ## check the import layering, then run the whole test suite (SQLite and PostgreSQL)
	$(BIN)/lint-imports
	$(BIN)/python -m pytest $(ARGS)

bench: $(STAMP)  ## run the benchmarks (see BENCHMARKS.md)
	$(BIN)/python -m bench $(ARGS)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) var .pytest_cache
