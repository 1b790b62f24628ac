# tremor-guide: the project's vocabulary. `make help` lists the targets.
VENV ?= .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help install install-runtime run test lint spec-lint sdk-tools engine engine-bench format typecheck layers migrate openapi web-engine bench fuzz vignettes clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}' \
	  | sed -e 's/\$$(HOST)/$(HOST)/g' -e 's/\$$(PORT)/$(PORT)/g'
	@echo "Variables: HOST (default 127.0.0.1; HOST=0.0.0.0 make run to reach it from a phone"
	@echo "  on the same network, at http://<this machine's LAN address>:PORT/), PORT (default 8000)"

# --compile-bytecode, as in the Dockerfile: where PYTHONDONTWRITEBYTECODE=1 is set (this
# machine, the Docker image), Python never caches .pyc files, so without them every start
# compiles SQLAlchemy, FastAPI, pydantic and Alembic from source again: over half of the
# service's cold start. The Makefile is a prerequisite so that an existing .venv gets them too.
$(VENV)/.synced: pyproject.toml uv.lock Makefile
	@test -x $(PY) || python3 -m venv $(VENV)
	@test -x $(UV) || $(PY) -m pip install --quiet --disable-pip-version-check uv==0.13.8
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --quiet --compile-bytecode
	@touch $@ $(VENV)/.synced-runtime

# `make run` needs only the service's own dependencies: the dev group (pytest, mypy,
# playwright, schemathesis, ...) is what `make test` adds. --inexact keeps dev tools that an
# earlier `make install` put there.
$(VENV)/.synced-runtime: pyproject.toml uv.lock Makefile
	@test -x $(PY) || python3 -m venv $(VENV)
	@test -x $(UV) || $(PY) -m pip install --quiet --disable-pip-version-check uv==0.13.8
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --quiet --compile-bytecode --no-dev --inexact
	@touch $@

install: $(VENV)/.synced ## create .venv with the locked dependencies, dev tools included

install-runtime: $(VENV)/.synced-runtime ## create .venv with the service's dependencies only

run: install-runtime ## migrate, load the default content and serve on $(HOST):$(PORT) (SQLite by default)
	$(VENV)/bin/tremor-guide serve --host $(HOST) --port $(PORT) --workers 1

# Three pytest-xdist workers, each with a database of its own (tests/conftest.py). On this
# 2-core machine kind two of them run the modules that start live servers, which mostly wait
# on those processes, while the third runs the in-process tests: both cores stay busy, and no
# more live tests run at once than with two workers. --dist loadgroup is what places them
# (tests/conftest.py says how). TEST_WORKERS=0 runs the suite in one process.
# The checks and the evaluator's build run side by side first (--output-sync: each one's
# output in one piece); any failure stops `make test` before pytest.
TEST_WORKERS ?= 3
PYTEST_DIST := $(if $(filter 0,$(TEST_WORKERS)),,--dist loadgroup --no-loadscope-reorder)
test: install ## lint, type-check, check the layers, lint the spec, build the TypeScript evaluator and run the whole test suite
	@$(MAKE) --no-print-directory -j5 --output-sync=target lint typecheck layers spec-lint engine sdk-tools
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_DIST)

lint: install ## ruff lint and format check
	$(VENV)/bin/ruff check app tests migrations bench scripts
	$(VENV)/bin/ruff format --check app tests migrations bench scripts

# Redocly and Spectral come from the npm packages locked in openapi/lint (npm ci once per
# lock change, as the stamp records); they read the committed spec, so run `make openapi` first.
SPEC_LINT := openapi/lint
$(SPEC_LINT)/node_modules/.installed: $(SPEC_LINT)/package-lock.json
	cd $(SPEC_LINT) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The SDK tests compile what an app compiles: the generated TypeScript client with the
# TypeScript locked in clients/typescript, the whole Kotlin client with the Kotlin compiler
# locked in clients/kotlin-toolchain (npm ci once per lock change, as the stamps record).
clients/typescript/node_modules/.installed: clients/typescript/package-lock.json
	cd clients/typescript && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

clients/kotlin-toolchain/node_modules/.installed: clients/kotlin-toolchain/package-lock.json
	cd clients/kotlin-toolchain && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

sdk-tools: clients/typescript/node_modules/.installed clients/kotlin-toolchain/node_modules/.installed ## install the npm tools the SDK tests compile with (TypeScript, kotlinc)

SPECS := ../openapi.json ../app.json ../admin.json
spec-lint: $(SPEC_LINT)/node_modules/.installed ## Redocly, Spectral and OWASP lint of the committed specs (0 errors)
	cd $(SPEC_LINT) && REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
	  npx --no-install redocly lint --config redocly.yaml --format stylish $(SPECS)
	cd $(SPEC_LINT) && npx --no-install spectral lint --ruleset .spectral.yaml --fail-severity error \
	  --display-only-failures $(SPECS)

# The on-device evaluator (clients/engine): `npm ci` once per lock change, `npm run build`
# when a source changed (tsc writes dist/; the stamp records the build). The conformance
# tests (tests/clients/test_engine_*.py) run dist/ under node.
ENGINE := clients/engine
ENGINE_SOURCES := $(wildcard $(ENGINE)/src/*.ts $(ENGINE)/src/*/*.ts) $(ENGINE)/tsconfig.json $(ENGINE)/package.json
$(ENGINE)/node_modules/.installed: $(ENGINE)/package-lock.json
	cd $(ENGINE) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(ENGINE)/dist/.built: $(ENGINE)/node_modules/.installed $(ENGINE_SOURCES)
	cd $(ENGINE) && npm run build --silent
	@touch $@

engine: $(ENGINE)/dist/.built ## build the TypeScript evaluator clients/engine (dist/index.js, dist/cli.js)

engine-bench: engine install ## µs per answer of the TypeScript evaluator: assess from raw bodies, plan prepared once
	$(PY) -m bench.ts_engine_inputs $(ENGINE)/.bench
	node $(ENGINE)/bench-assess.mjs $(ENGINE)/.bench/plan.json $(ENGINE)/.bench/bodies.json

format: install ## apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix app tests migrations bench scripts
	$(VENV)/bin/ruff format app tests migrations bench scripts

layers: ## check that imports between the packages of app/ run one way (docs/architecture.md)
	python3 scripts/check_layers.py

typecheck: install ## mypy --strict on app/
	$(VENV)/bin/mypy app

migrate: install ## apply database migrations to DATABASE_URL
	$(VENV)/bin/tremor-guide migrate

openapi: install ## regenerate openapi/openapi.json (served), app.json and admin.json (SDK halves), and the plan's JSON Schema
	$(PY) -m app.openapi_export openapi
	$(PY) -m app.rules.plan

# The try-it page answers offline with the TypeScript evaluator, served from
# app/web/static/engine/: a committed copy of the package's built ES modules (the .js files of
# clients/engine/dist), so that `make run` needs no node. Run this after changing
# clients/engine; tests/clients/test_engine_web_copy.py fails while the copy is stale.
WEB_ENGINE := app/web/static/engine
web-engine: ## build clients/engine (npm ci, npm run build) and copy its ES modules to the try-it page
	cd clients/engine && npm ci --no-audit --no-fund --loglevel=error && rm -rf dist && npm run build
	rm -rf $(WEB_ENGINE) && mkdir -p $(WEB_ENGINE)
	cd clients/engine/dist && find . -name '*.js' -exec cp --parents {} $(CURDIR)/$(WEB_ENGINE)/ \;

bench: install ## engine microbenchmark, the service against the framework's floor, then hostile bodies
	$(PY) bench/engine_bench.py
	@if [ -f bench/run.py ]; then $(PY) bench/run.py; fi
	$(PY) bench/hostile.py

fuzz: install ## schemathesis CLI on a live server: every check, all phases incl. stateful (not in make test)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-300} $(PY) -m pytest -m fuzz -p no:cacheprovider tests

vignettes: ## score a running server against the public vignettes
	python3 ../shared/vignettes/run_vignettes.py --base-url http://$(HOST):$(PORT) ../shared/vignettes/public.json

clean: ## remove the virtualenv, caches and the local SQLite database
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis data
