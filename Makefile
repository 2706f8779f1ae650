# parlib: every target bootstraps .venv first. `make help` lists them.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export MPLBACKEND ?= Agg

.DEFAULT_GOAL := help
.PHONY: help install data panel reports golden test lint lab open bench clean

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'
	@echo "PARLIB_DATA_MIRROR=$${PARLIB_DATA_MIRROR:-(not set: raw files are downloaded from their pinned URLs)}"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,dask]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (parlib)" >/dev/null
	touch $(STAMP)

install: $(STAMP) ## create .venv and install parlib with its dev tools

data: $(STAMP) ## pull the raw files into data/raw (from $PARLIB_DATA_MIRROR if set) and verify sha256
	$(BIN)/parlib data pull

panel: data ## verify the raw files and build data/processed/{observations,panel}.parquet (if changed)
	$(BIN)/parlib data build

reports: panel ## render the 63 province reports of the latest PAPI year; prints where reports/index.html is
	$(BIN)/python -m compileall -q parlib  # kernels then skip recompiling parlib (PYTHONDONTWRITEBYTECODE)
	$(BIN)/parlib report --all

golden: panel ## re-execute the golden notebook copies that nbval compares (after changing a template)
	$(BIN)/python tests/golden/refresh.py

test: data ## lint, then the whole test suite
	$(BIN)/ruff check parlib tests bench
	$(BIN)/python -m pytest

lint: $(STAMP) ## ruff
	$(BIN)/ruff check parlib tests bench

PORT ?= 8888
# Jupyter refuses to run as root unless told; a container or CI shell is often root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: panel ## start JupyterLab on the project (make lab PORT=8899); open the URL it prints
	$(BIN)/jupyter lab --notebook-dir=. --no-browser --port=$(PORT) $(ALLOW_ROOT)

OPEN_PORT ?= 8000
open: $(STAMP) ## serve reports/ on localhost (make open OPEN_PORT=8001) and print the index page's address
	$(BIN)/parlib open --port $(OPEN_PORT)

bench: panel ## run the benchmarks in bench/
	@for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f; done

clean: ## remove built data and reports (never data/raw)
	rm -rf data/processed/*.parquet data/processed/build.json data/processed/current data/processed/generations \
		data/processed/report_cache data/processed/.build.lock reports/*/ reports/index.html
