# Two commands a new user needs: `make run` and `make test`. Each installs what it needs.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export PYTHONPATH := $(CURDIR)/layers/core:$(CURDIR)
export AWS_DEFAULT_REGION ?= eu-north-1

.PHONY: run test bench tokens openapi lint build clean

$(BIN)/.installed: requirements-dev.txt layers/core/requirements.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

run: $(BIN)/.installed  ## the product on the embedded AWS emulator: API on :3000
	$(BIN)/python -m infra.local run

test: $(BIN)/.installed  ## the whole test suite (unit, integration, e2e, template checks)
	$(BIN)/python -m pytest

bench: $(BIN)/.installed  ## benchmarks, printing figures
	$(BIN)/python -m tests.bench

tokens: $(BIN)/.installed  ## print bearer tokens for the demo users
	$(BIN)/python -m infra.local tokens

openapi: $(BIN)/.installed  ## regenerate infra/openapi/openapi.json from the Chalice apps
	$(BIN)/python -m infra.openapi

lint: $(BIN)/.installed
	$(BIN)/cfn-lint template.yaml
	$(BIN)/sam validate --lint

build: $(BIN)/.installed
	$(BIN)/sam build

clean:
	rm -rf $(VENV) .aws-sam .local
