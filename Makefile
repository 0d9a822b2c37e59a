# The two commands of a fresh clone: `make serve` and `make test`. Everything else is here too.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 4010
HOST   ?= 127.0.0.1
DB     ?=
SERVE_ARGS ?=
PIP_QUIET  := --quiet --disable-pip-version-check

# $(call apt-install,COMMAND,PACKAGE,MESSAGE): when COMMAND is missing, install the Debian package
# PACKAGE if we are root (apt-get update first when the package lists are stale), else say MESSAGE.
define apt-install
@command -v $(1) >/dev/null 2>&1 || { \
  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
    echo "installing $(2): apt-get install -y $(2)"; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(2) || \
      { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(2); } || exit 1; \
  else \
    echo "$(3)" >&2; \
    exit 1; \
  fi; }
endef

# $(call need-node,TARGET,WHAT): stop, saying what to install, when node or npm is missing.
define need-node
@command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || { \
  echo "make $(1) needs node (18 or newer) and npm, for $(2): install them (sudo apt-get install nodejs npm on Debian/Ubuntu, brew install node on macOS) and run it again" >&2; \
  exit 1; }
endef

# The two official Python SDK generations pin incompatible llama-cloud versions: one venv each.
# (The recipes quote each pin: unquoted, the shell reads "pytest>=8" as a redirection to a file "=8".)
SDK_V2_VENV  := .venvs/sdk-v2
SDK_V01_VENV := .venvs/sdk-v01
SDK_V2_PINS  := llama-cloud==2.19.0 pytest>=8 pytest-asyncio>=0.23 httpx
SDK_V01_PINS := llama-cloud-services==0.6.94 llama-cloud==0.1.46 pytest>=8 pytest-asyncio>=0.23 httpx

.PHONY: help install serve test test-unit test-ui ui-chromium screenshots test-sdk test-sdk-ts test-workflows test-agents test-examples test-docs docs docs-serve docs-reference generate check-generated bench bench-wrk bench-quick bench-charts bench-compare clean contract seed-diff drift-workflows

help:
	@echo "make serve      install into .venv and serve the fake on $(HOST):$(PORT) (PORT=, DB=, SERVE_ARGS=)"
	@echo "make test       the whole suite: unit (on every supported Python here), HTTP, persistence, the dashboard in Chromium, both official Python SDKs, the TypeScript SDK, the workflow server's clients, the vendor's workflow server on the fake, examples/, the docs' runnable examples"
	@echo "make screenshots  refresh docs/img/dashboard-*.png from the dashboard's browser tests"
	@echo "make docs       build the docs site into site/ (strict: a broken link fails); docs-serve: live, on 127.0.0.1:8000"
	@echo "make generate   regenerate generated/ from openapi/ (check-generated: fail when stale)"
	@echo "make bench      benchmarks against Prism, about 5 minutes (figures in docs/benchmarks.md; BENCH_ARGS=, bench-quick)"
	@echo "make bench-charts  draw docs/img/bench-*.png from a run's JSON (BENCH_JSON=, default reports/bench.json)"
	@echo "make bench-compare BEFORE=a.json AFTER=b.json  two runs' figures side by side, in Markdown"
	@echo "make contract   Schemathesis against a fresh fake for every spec and profile (reports in reports/contract/)"
	@echo "make seed-diff  regenerate contracts/reports/seed-vs-real.md (the seed spec vs the real wire format)"
	@echo "make drift-workflows  the harness against the real workflow server and the fake: contracts/reports/workflows-live-drift.md"

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install $(PIP_QUIET) --upgrade pip
	$(BIN)/pip install $(PIP_QUIET) -e '.[dev,contract]'
	@touch $@

# The project's own bytecode, written even where PYTHONDONTWRITEBYTECODE is set (pip compiles what it
# installs, but not an editable project): compiling mockserver/ and generated/ at every start is a
# tenth of the start-up. Quick when nothing changed.
COMPILE := $(BIN)/python -m compileall -q mockserver generated >/dev/null

install: $(BIN)/.installed

serve: install
	@$(COMPILE)
	$(BIN)/llamacloud-mock serve --host $(HOST) --port $(PORT) $(if $(DB),--db $(DB)) $(SERVE_ARGS)

# The SDK suites run on the newest supported Python the machine has (noxfile.py finds it), as the
# apps that use the fake do; a venv of another Python is made again, empty.
NEWEST_PYTHON = $(shell $(BIN)/python noxfile.py)
define newest-venv
@[ "$$($(1)/bin/python -V 2>&1)" = "$$($(NEWEST_PYTHON) -V 2>&1)" ] || $(NEWEST_PYTHON) -m venv --clear $(1)
endef

# Rebuilt when the Makefile (the pins) changes; pip install is a no-op for what is already there.
$(SDK_V2_VENV)/.installed: Makefile $(BIN)/.installed
	$(call newest-venv,$(SDK_V2_VENV))
	$(SDK_V2_VENV)/bin/pip install $(PIP_QUIET) $(patsubst %,'%',$(SDK_V2_PINS))
	@touch $@

$(SDK_V01_VENV)/.installed: Makefile $(BIN)/.installed
	$(call newest-venv,$(SDK_V01_VENV))
	$(SDK_V01_VENV)/bin/pip install $(PIP_QUIET) $(patsubst %,'%',$(SDK_V01_PINS))
	@touch $@

# The vendor's workflow server (llama-agents-server under the appserver that `llamactl serve` runs) and
# its Python client, pinned like the SDKs: the real server that keeps its state in the fake's Agent Data,
# and the baseline the workflow-server fake is compared with. Its client suites live in tests/workflows/.
AGENTS_VENV := .venvs/agents
AGENTS_PINS := llama-agents-server==0.8.0 llama-agents-appserver==0.12.2 llama-agents-client==0.4.1 pytest>=8 pytest-asyncio>=0.23 httpx

$(AGENTS_VENV)/.installed: Makefile
	$(PYTHON) -m venv $(AGENTS_VENV)
	$(AGENTS_VENV)/bin/pip install $(PIP_QUIET) $(patsubst %,'%',$(AGENTS_PINS))
	@touch $@

# The project itself, editable, in each SDK venv: its pytest plugin and mockserver.testing. The SDK
# pins are named again so that pip refuses rather than moves them.
$(SDK_V2_VENV)/.project: pyproject.toml $(SDK_V2_VENV)/.installed
	$(SDK_V2_VENV)/bin/pip install $(PIP_QUIET) -e . $(patsubst %,'%',$(SDK_V2_PINS))
	@touch $@

$(SDK_V01_VENV)/.project: pyproject.toml $(SDK_V01_VENV)/.installed
	$(SDK_V01_VENV)/bin/pip install $(PIP_QUIET) -e . $(patsubst %,'%',$(SDK_V01_PINS))
	@touch $@

test: test-unit test-ui test-sdk test-sdk-ts test-workflows test-agents test-examples test-docs

# The dependency rules of ARCHITECTURE.md (import-linter's contracts in pyproject.toml), then the
# unit suite on every supported Python the machine has (noxfile.py: one venv each under .nox/, two
# workers each); a Python the machine lacks is skipped, and nox's summary says which ran. NOX_ARGS
# picks, e.g. NOX_ARGS="-p 3.13" or NOX_ARGS="-p 3.12 -- tests/harness/test_cli_startup.py".
NOX_ARGS ?=
test-unit: install
	$(BIN)/lint-imports --no-cache
	$(BIN)/nox --no-error-on-missing-interpreters $(NOX_ARGS)

# The dashboard (/_mock/ui) in a real browser: Debian's Chromium (installed when missing, if we
# are root; Playwright's own browser download is not reachable from here) driven by Playwright
# for Python, with axe-core from npm (pinned in tests/ui/package.json) checking accessibility.
UI_DIR := tests/ui
$(BIN)/.ui-installed: pyproject.toml $(BIN)/.installed
	$(BIN)/pip install $(PIP_QUIET) -e '.[ui]'
	@touch $@

$(UI_DIR)/node_modules/.installed: $(UI_DIR)/package.json $(UI_DIR)/package-lock.json
	$(call need-node,test-ui,axe-core (the dashboard's accessibility checks))
	cd $(UI_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

CHROMIUM_MISSING := make test-ui needs Chromium, the browser its tests drive: install it (sudo apt-get install chromium on Debian/Ubuntu) and run it again
ui-chromium:
	$(call apt-install,chromium,chromium,$(CHROMIUM_MISSING))

UI_TEST := LLAMACLOUD_MOCK_UI_TESTS=required $(BIN)/python -m pytest $(UI_DIR) -q -p no:cacheprovider
test-ui: $(BIN)/.ui-installed $(UI_DIR)/node_modules/.installed ui-chromium
	$(UI_TEST)

# The pictures of docs/ (the dashboard page, the README), taken by the same tests.
screenshots: $(BIN)/.ui-installed $(UI_DIR)/node_modules/.installed ui-chromium
	LLAMACLOUD_MOCK_SCREENSHOTS=$(abspath docs/img) $(UI_TEST)

# Each SDK runs in its own venv against a server started from .venv (tests/sdk/conftest.py).
test-sdk: install $(SDK_V2_VENV)/.project $(SDK_V01_VENV)/.project
	LLAMACLOUD_MOCK_PYTHON=$(abspath $(BIN)/python) $(SDK_V2_VENV)/bin/python -m pytest tests/sdk/v2 -q -p no:cacheprovider
	LLAMACLOUD_MOCK_PYTHON=$(abspath $(BIN)/python) $(SDK_V01_VENV)/bin/python -m pytest tests/sdk/v01 -q -p no:cacheprovider

# The vendor's workflow server with cloud persistence, its state in a fake's Agent Data: the real
# appserver (from .venvs/agents) serving tests/agents/app, the fake started from .venv.
test-agents: install $(AGENTS_VENV)/.installed
	LLAMACLOUD_MOCK_PYTHON=$(abspath $(BIN)/python) $(AGENTS_VENV)/bin/python -m pytest tests/agents -q -p no:cacheprovider

# The official TypeScript SDK (@llamaindex/llama-cloud, pinned in tests/sdk/ts/package.json and its
# lock file), installed by npm, run by node's own test runner against a server started from .venv.
TS_DIR := tests/sdk/ts
$(TS_DIR)/node_modules/.installed: $(TS_DIR)/package.json $(TS_DIR)/package-lock.json
	$(call need-node,test-sdk-ts,the TypeScript SDK's tests)
	cd $(TS_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

test-sdk-ts: install $(TS_DIR)/node_modules/.installed
	cd $(TS_DIR) && LLAMACLOUD_MOCK_PYTHON=$(abspath $(BIN)/python) node --test

# The workflow server's clients (tests/workflows), against each target of tests/workflows/servers.py (the
# real appserver of .venvs/agents; the fake of .venv): the vendor's Python WorkflowClient in .venvs/agents,
# and the JS clients (@llamaindex/workflows-client, the @llamaindex/ui hooks under jsdom, pinned in
# tests/workflows/js/package.json and its lock file) by node, started from pytest with the target's URL.
WF_JS_DIR := tests/workflows/js
$(WF_JS_DIR)/node_modules/.installed: $(WF_JS_DIR)/package.json $(WF_JS_DIR)/package-lock.json
	$(call need-node,test-workflows,the JavaScript workflow clients)
	cd $(WF_JS_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

test-workflows: install $(AGENTS_VENV)/.installed $(WF_JS_DIR)/node_modules/.installed
	LLAMACLOUD_MOCK_PYTHON=$(abspath $(BIN)/python) $(AGENTS_VENV)/bin/python -m pytest tests/workflows -q

# The live drift run of the workflow server (tests/workflows/drift.py): the contract harness against the
# real server and the fake; writes the committed report (make test checks the same in test_drift.py).
drift-workflows: install $(AGENTS_VENV)/.installed
	cd tests/workflows && PYTHONPATH=$(CURDIR) LLAMACLOUD_MOCK_PYTHON=$(abspath $(BIN)/python) $(abspath $(AGENTS_VENV))/bin/python drift.py \
	  --workdir $(abspath reports/drift-workflows) -o $(abspath contracts/reports/workflows-live-drift.md)

# examples/invoice-app: a downstream project whose tests use only the plugin and the official SDKs,
# each SDK generation in its venv.
EXAMPLE := examples/invoice-app
test-examples: $(SDK_V2_VENV)/.project $(SDK_V01_VENV)/.project
	cd $(EXAMPLE) && $(abspath $(SDK_V2_VENV))/bin/python -m pytest tests/v2 -q -p no:cacheprovider
	cd $(EXAMPLE) && $(abspath $(SDK_V01_VENV))/bin/python -m pytest tests/v01 -q -p no:cacheprovider

# Every code block of README.md and docs/ marked <!-- run --> runs against a fresh fake (tests/docs):
# Python in the venv of the client it imports, JavaScript by node beside the TypeScript SDK.
test-docs: install $(SDK_V2_VENV)/.installed $(SDK_V01_VENV)/.installed $(AGENTS_VENV)/.installed $(TS_DIR)/node_modules/.installed
	$(BIN)/python -m pytest tests/docs -q -p no:cacheprovider

# The docs site (mkdocs.yml): the references of docs/reference/ are generated first, from the CLI's
# parser and openapi/admin.yaml, so that they cannot go stale.
DOCS_ENV := NO_MKDOCS_2_WARNING=1
$(BIN)/.docs-installed: pyproject.toml $(BIN)/.installed
	$(BIN)/pip install $(PIP_QUIET) -e '.[docs]'
	@touch $@

docs-reference: $(BIN)/.docs-installed
	$(BIN)/python scripts/docs_reference.py docs/reference

docs: docs-reference
	$(DOCS_ENV) $(BIN)/mkdocs build --strict

docs-serve: docs-reference
	$(DOCS_ENV) $(BIN)/mkdocs serve --strict --dev-addr $(HOST):8000

generate: install
	$(BIN)/python -m mockserver.codegen

check-generated: install
	$(BIN)/python -m mockserver.codegen --check

# The contract harness (contracts/): every spec of every profile against its own fake on a free
# port, all checks and phases, seeded and bounded (about 2 minutes). CONTRACT_ARGS adds options,
# e.g. CONTRACT_ARGS="--spec seed --max-examples 50".
CONTRACT_ARGS ?=
contract: install
	$(BIN)/llamacloud-mock contract --fake --report-dir reports/contract $(CONTRACT_ARGS)

# The committed static diff of the published seed spec against our Extraction v1 spec
# (tests/contracts/test_contract_diff.py fails when it is stale).
seed-diff: install
	$(BIN)/llamacloud-mock diff openapi/seed/llamaextract-api.yaml openapi/extraction_v1.yaml -o contracts/reports/seed-vs-real.md

# Benchmarks (bench/, figures in docs/benchmarks.md): wrk drives the servers; Stoplight Prism, pinned in
# bench/prism/package.json and its lock file, is the stateless baseline. BENCH_ARGS adds options,
# e.g. BENCH_ARGS="--only 5,6,7" or "--load-seconds 10"; `make bench-quick` is a 2-minute smoke run.
BENCH_ARGS ?=
PRISM_DIR  := bench/prism
$(PRISM_DIR)/node_modules/.installed: $(PRISM_DIR)/package.json $(PRISM_DIR)/package-lock.json
	$(call need-node,bench,Prism (the baseline))
	cd $(PRISM_DIR) && SCARF_ANALYTICS=false npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# wrk, the load generator (Debian/Ubuntu package wrk): installed when missing if we are root.
WRK_MISSING := make bench needs wrk, the HTTP load generator: install it (sudo apt-get install wrk on Debian/Ubuntu, brew install wrk on macOS) and run make bench again
bench-wrk:
	$(call apt-install,wrk,wrk,$(WRK_MISSING))

bench: install bench-wrk ui-chromium $(BIN)/.ui-installed $(PRISM_DIR)/node_modules/.installed $(AGENTS_VENV)/.installed
	@$(COMPILE)
	$(BIN)/python -m bench $(BENCH_ARGS)

bench-quick: install bench-wrk ui-chromium $(BIN)/.ui-installed $(PRISM_DIR)/node_modules/.installed $(AGENTS_VENV)/.installed
	@$(COMPILE)
	$(BIN)/python -m bench --quick $(BENCH_ARGS)

# The charts of docs/benchmarks.md (docs/img/bench-*.png), drawn from a run's figures: BENCH_JSON names the
# run (default reports/bench.json, what make bench writes; make bench-quick writes reports/bench-quick.json).
BENCH_JSON ?= reports/bench.json
bench-charts: install
	$(BIN)/python -m bench.charts $(BENCH_JSON)

# Two runs side by side (a refactoring that must not move the figures): keep the first run's JSON aside
# (cp reports/bench.json before.json), change the code, make bench, then make bench-compare BEFORE=before.json.
BEFORE ?= before.json
AFTER ?= reports/bench.json
bench-compare: install
	$(BIN)/python -m bench.compare $(BEFORE) $(AFTER)

clean:
	rm -rf $(VENV) .venvs .nox build site docs/reference *.egg-info $(TS_DIR)/node_modules $(WF_JS_DIR)/node_modules $(UI_DIR)/node_modules
