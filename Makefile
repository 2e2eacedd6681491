# The two commands of the README's quick start: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint install clean bench docs

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/iadsim run examples/iraq-2020-al-asad.yaml --out out/iraq-2020-al-asad --report

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy

test: $(STAMP) lint
	$(BIN)/python -m pytest -q -n 2 --dist loadfile   # two workers, one per core; a file stays on one

docs: $(STAMP)
	$(BIN)/mkdocs build --strict   # also a test: tests/project/test_docs.py

bench: $(STAMP)
	$(BIN)/python bench/bench_engine.py
	$(BIN)/python bench/bench_viewshed.py
	$(BIN)/python bench/bench_report.py

clean:
	rm -rf out site .pytest_cache .ruff_cache .mypy_cache
