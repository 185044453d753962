# The two front-door commands: `make demo` and `make test`. Both set up .venv first.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.PHONY: demo test setup lint typecheck contracts bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/harsanyi demo --out report/

# The suite, the `>>>` examples of src/ (doctests, see pyproject.toml), the lint and the types.
test: $(STAMP) lint typecheck contracts
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

# mypy on the modules listed in [tool.mypy] of pyproject.toml (the public API's layers).
typecheck: $(STAMP)
	$(BIN)/mypy

# The layer order as import contracts ([tool.importlinter] in pyproject.toml).
contracts: $(STAMP)
	$(BIN)/lint-imports

bench: $(STAMP)
	for f in benchmarks/[!_]*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) report/ .pytest_cache .mypy_cache .import_linter_cache
