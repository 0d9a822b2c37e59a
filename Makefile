# The two commands of a fresh clone: `make serve` and `make test`. Everything else is here too.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 4010
HOST   ?= 127.0.0.1
DB     ?=
SERVE_ARGS ?=
PIP_QUIET  := --quiet --disable-pip-version-check

# The two official Python SDK generations pin incompatible llama-cloud versions: one venv each.
# (The recipes quote each pin: unquoted, the shell reads "pytest>=8" as a redirection to a file "=8".)
SDK_V2_VENV  := .venvs/sdk-v2
SDK_V01_VENV := .venvs/sdk-v01
SDK_V2_PINS  := llama-cloud==2.19.0 pytest>=8 pytest-asyncio>=0.23 httpx
SDK_V01_PINS := llama-cloud-services==0.6.94 llama-cloud==0.1.46 pytest>=8 pytest-asyncio>=0.23 httpx

.PHONY: help install serve test test-unit test-sdk generate check-generated bench clean

help:
	@echo "make serve      install into .venv and serve the fake on $(HOST):$(PORT) (PORT=, DB=, SERVE_ARGS=)"
	@echo "make test       the whole suite: unit, HTTP, persistence and both official Python SDKs"
	@echo "make generate   regenerate generated/ from openapi/ (check-generated: fail when stale)"
	@echo "make bench      benchmarks (figures in README.md)"

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install $(PIP_QUIET) --upgrade pip
	$(BIN)/pip install $(PIP_QUIET) -e '.[dev]'
	@touch $@

install: $(BIN)/.installed

serve: install
	$(BIN)/llamacloud-mock serve --host $(HOST) --port $(PORT) $(if $(DB),--db $(DB)) $(SERVE_ARGS)

# Rebuilt when the Makefile (the pins) changes; pip install is a no-op for what is already there.
$(SDK_V2_VENV)/.installed: Makefile
	$(PYTHON) -m venv $(SDK_V2_VENV)
	$(SDK_V2_VENV)/bin/pip install $(PIP_QUIET) $(patsubst %,'%',$(SDK_V2_PINS))
	@touch $@

$(SDK_V01_VENV)/.installed: Makefile
	$(PYTHON) -m venv $(SDK_V01_VENV)
	$(SDK_V01_VENV)/bin/pip install $(PIP_QUIET) $(patsubst %,'%',$(SDK_V01_PINS))
	@touch $@

test: test-unit test-sdk

test-unit: install
	$(BIN)/python -m pytest tests --ignore=tests/sdk -q

# Each SDK runs in its own venv against a server started from .venv (tests/sdk/conftest.py).
test-sdk: install $(SDK_V2_VENV)/.installed $(SDK_V01_VENV)/.installed
	LLAMACLOUD_MOCK_PYTHON=$(abspath $(BIN)/python) $(SDK_V2_VENV)/bin/python -m pytest tests/sdk/v2 -q -p no:cacheprovider
	LLAMACLOUD_MOCK_PYTHON=$(abspath $(BIN)/python) $(SDK_V01_VENV)/bin/python -m pytest tests/sdk/v01 -q -p no:cacheprovider

generate: install
	$(BIN)/python -m mockserver.codegen

check-generated: install
	$(BIN)/python -m mockserver.codegen --check

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .venvs build *.egg-info
