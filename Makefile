# Two commands a new user needs: `make run` and `make test`. Each installs what it needs.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export PYTHONPATH := $(CURDIR)/layers/core:$(CURDIR)
export AWS_DEFAULT_REGION ?= eu-central-1
# pytest-xdist workers for `make test`: one per core (each worker runs its own local cloud).
TEST_WORKERS ?= auto

.PHONY: run test bench tokens openapi lint lint-code lint-template lock build clean browser deploy-web

# Installs exactly what requirements.lock pins, every file checked against its hash. pip
# itself comes first from the lock: pip before 23.3 cannot install a lock with extras.
$(BIN)/.installed: requirements.lock
	$(PY) -m venv $(VENV)
	sed -n '/^pip==/,/^[a-z]/p' requirements.lock | sed '$$d' > $(VENV)/pip.lock
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(VENV)/pip.lock
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	touch $@

run: $(BIN)/.installed  ## the product on the embedded AWS emulator: API on :3000
	$(BIN)/python -m infra.local run

test: lint-code browser  ## ruff and mypy, Chromium for the browser test, then the whole suite (unit, integration, e2e, template checks), then coverage
	$(BIN)/coverage erase
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal --cov --cov-report=
	$(BIN)/coverage report

bench: $(BIN)/.installed  ## benchmarks, printing figures
	$(BIN)/python -m tests.bench

tokens: $(BIN)/.installed  ## print bearer tokens for the demo users
	$(BIN)/python -m infra.local tokens

openapi: $(BIN)/.installed  ## regenerate infra/openapi/openapi.json from the Chalice apps
	$(BIN)/python -m infra.openapi

lint: lint-code lint-template  ## everything `make test` checks without running the tests (docs/tooling.md)

lint-code: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The test suite runs these two as well (tests/unit/test_template.py).
lint-template: $(BIN)/.installed
	$(BIN)/cfn-lint template.yaml
	$(BIN)/sam validate --lint

lock: $(BIN)/.installed  ## re-resolve requirements.lock from pyproject.toml: PyPI only, with hashes
	$(BIN)/uv pip compile pyproject.toml --group dev --generate-hashes --universal --no-strip-extras \
		--python-version 3.11 --no-config --index-url https://pypi.org/simple \
		--custom-compile-command "make lock" --quiet -o requirements.lock

build: $(BIN)/.installed
	$(BIN)/sam build

clean:
	rm -rf $(VENV) .aws-sam .local .coverage

# B8: the browser test (tests/e2e/test_switchboard_page.py) drives Debian's Chromium and chromedriver;
# installed here when missing and we are root, else the test skips (fails with CI=true).
browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then \
		echo "browser test: using /usr/bin/chromium and /usr/bin/chromedriver"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && apt-get install -y -qq chromium chromium-driver; \
	else \
		echo "browser test will be skipped: /usr/bin/chromium or /usr/bin/chromedriver is missing and we cannot apt-get install chromium chromium-driver (not root or no apt-get)"; \
	fi

STACK ?= skysentral-dev
deploy-web: $(BIN)/.installed  ## upload web/ to the stack's WebBucket with a config.json from its outputs (STACK=…)
	$(BIN)/python -m infra.web_config deploy --stack $(STACK)
