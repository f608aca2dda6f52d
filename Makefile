# The two commands of the README. Both install what they need into ./.venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench mutation clean

run: $(STAMP)  ## start the service on SQLite with a demo (see README)
	$(BIN)/hotline serve --demo $(ARGS)

test: $(STAMP)  ## check the import layering, then run the whole test suite (SQLite and PostgreSQL)
	$(BIN)/lint-imports
	$(BIN)/python -m pytest $(ARGS)

bench: $(STAMP)  ## run the benchmarks (see BENCHMARKS.md)
	$(BIN)/python -m bench $(ARGS)

mutation: $(STAMP)  ## mutation testing of the rules, deadlines and calendar against the unit tests (a few minutes)
	rm -rf mutants && mkdir -p var
	$(BIN)/mutmut run --max-children 2 > var/mutmut.log 2>&1 || (tail -c 2000 var/mutmut.log; exit 1)
	$(BIN)/mutmut results
	$(BIN)/python -c "import re,sys; t=open('var/mutmut.log').read(); k,n=re.findall(r'(\d+)/(\d+)  🎉 (\d+)', t)[-1][2], re.findall(r'(\d+)/(\d+)', t)[-1][1]; s=int(k)/int(n); print(f'mutation score: {k}/{n} = {s:.1%}'); sys.exit(s < 0.95)"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) var .pytest_cache
