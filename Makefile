# hepzoo: `make demo` (set up, sample from a bundled model, evaluate it) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.hepzoo-installed
TORCH := torch==2.13.0
PLUGINS := $(wildcard plugins/*/pyproject.toml)
DEMO_MODEL ?= epic-gan/jetnet30-top
DEMO_DATASET ?= jetnet30-top
DEMO_N ?= 10000
DEMO_REF ?= 10000
# The card's held-out reference: data make's default recipe (particle level, anti-kT R = 0.4; docs/jets.md).
# For epic-gan/jetnet150-*: DEMO_MODEL=epic-gan/jetnet150-top DEMO_DATASET=jetnet150-top DEMO_REF=5000
# DEMO_REF_OPTIONS="--set detector=cms --set radius=0.8" (the recipe their cards were evaluated on).
DEMO_REF_OPTIONS ?=
DEMO_DIR ?= reports/demo
PYTEST_ARGS ?=

.PHONY: install demo test lint clean

install: $(STAMP)

$(STAMP): pyproject.toml $(PLUGINS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "$(TORCH)" -e ".[pythia,test]" $(foreach p,$(dir $(PLUGINS)),-e $(p))
	touch $(STAMP)

demo: $(STAMP)
	mkdir -p $(DEMO_DIR)
	$(BIN)/hepzoo plugins
	$(BIN)/hepzoo list
	$(BIN)/hepzoo data make $(DEMO_DATASET) -n $(DEMO_REF) --seed 2 --workers 2 $(DEMO_REF_OPTIONS) -o $(DEMO_DIR)/reference.h5
	$(BIN)/hepzoo sample $(DEMO_MODEL) -n $(DEMO_N) --seed 1 -o $(DEMO_DIR)/generated.h5
	$(BIN)/hepzoo evaluate $(DEMO_DIR)/generated.h5 --reference $(DEMO_DIR)/reference.h5 -o $(DEMO_DIR)

test: $(STAMP)
	$(BIN)/ruff check core plugins tests benchmarks
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check core plugins tests benchmarks

clean:
	rm -rf $(VENV) reports .pytest_cache
