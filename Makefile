# Gold Book: the one entry point. `make` (or `make help`) lists every target.
#
# A fresh machine needs only Python 3.11: the first target that needs the environment installs
# uv into .tools/ and creates .venv/ from uv.lock, exactly as locked.

.DEFAULT_GOAL := help
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
STAMP := $(VENV)/.goldbook-synced
GOLDBOOK := $(VENV)/bin/goldbook
PY := $(VENV)/bin/python
JOBS ?= 2
# periods for `make run` / `make verify`; default every one
PERIOD ?=
# JupyterLab fetches nothing from the internet (no news, no update check, no extension manager):
# the same options as helpers.report.scratch.LAB_OPTIONS, which `goldbook open` uses (a test compares them)
LAB_OPTIONS := --LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate --LabApp.extension_manager=readonly

export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy
# compile bytecode at install: otherwise every command and kernel recompiles the libraries it imports
export UV_COMPILE_BYTECODE := 1

.PHONY: help env demo demo-data national snapshot ingest run book pdf lab serve strip test test-fast bench bench-scale bench-verify crash-check verify status lock clean clean-demo noise-rate validate-impact validate-recognition

help: ## list the targets (this is the default)
	@echo "Gold Book: make TARGET"
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-11s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "Variables: PERIOD=2024-03 (run, verify, pdf), LANG=ar (pdf), JOBS=$(JOBS) (notebooks at once), N=10 (crash-check), ROOT=DIR (bench-verify, crash-check: the data root to copy; serve), PORT=N (lab, serve), LAB_ARGS=--no-browser (lab), BIND=127.0.0.1 (serve), SCHEDULER=tcp://HOST:8786 (run, verify: on a Dask cluster)"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Redone only when the lock (or the project's metadata) changes.
$(STAMP): uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

env: $(STAMP) ## create or update .venv from uv.lock (installs uv into .tools/ first)

data/raw/.goldbook-demo: | $(STAMP)
	$(GOLDBOOK) demo-data

demo-data: data/raw/.goldbook-demo ## generate the 24-month demo raw data once (seed 7) into data/raw/

demo: env demo-data ## everything: environment, demo data, ingest, run every period, build the book
	$(GOLDBOOK) ingest --all
	$(GOLDBOOK) run --all --jobs $(JOBS)
	$(GOLDBOOK) build
	@echo "Open _build/html/index.html"

# the national demo's workspace (`make national`): many entities, each a data root of its own
NATIONAL ?= national_demo

national: env ## the national demo in NATIONAL (default national_demo/): 32 entities and 100 centres, 2 months; refresh every entity (JOBS at once), build the national book
	@if [ ! -f "$(NATIONAL)/national.yaml" ]; then $(GOLDBOOK) --root "$(NATIONAL)" demo-data --national; fi
	$(GOLDBOOK) --root "$(NATIONAL)" national refresh --jobs $(JOBS) $(if $(SCHEDULER),--scheduler $(SCHEDULER),)
	$(GOLDBOOK) --root "$(NATIONAL)" national build
	@echo "Open $(NATIONAL)/national/_build/html/index.html (verify a month: goldbook --root $(NATIONAL) verify 2024-12)"

snapshot: env ## read PERIOD (a month or a day) from PostgreSQL into data/raw/; connection string in the variable GOLDBOOK_DSN (or DSN_ENV=VAR)
	@if [ -z "$(PERIOD)" ]; then echo "make snapshot PERIOD=YYYY-MM (or YYYY-MM-DD)"; exit 1; fi
	$(GOLDBOOK) snapshot $(PERIOD) --dsn-env $(or $(DSN_ENV),GOLDBOOK_DSN)

ingest: env ## validate and store every raw month (unchanged months are skipped)
	$(GOLDBOOK) ingest --all

run: env ## run PERIOD's notebooks (default: every period; unchanged periods are skipped); SCHEDULER=tcp://HOST:8786 runs them on a Dask cluster
	$(GOLDBOOK) run $(if $(PERIOD),$(PERIOD),--all) --jobs $(JOBS) $(if $(SCHEDULER),--scheduler $(SCHEDULER),)

book: env ## build the book into _build/html from reports/
	$(GOLDBOOK) build

pdf: env ## print PERIOD (a month) from the built book into reports/PERIOD/print/ (LANG=ar or en; default both)
	@if [ -z "$(PERIOD)" ]; then echo "make pdf PERIOD=YYYY-MM [LANG=ar|en]"; exit 1; fi
	$(GOLDBOOK) pdf $(PERIOD) $(if $(filter ar en,$(LANG)),--lang $(LANG),)

# Jupyter looks in .venv's folders before the user's: the kernel `python3` (the notebooks' and the
# runner's) is .venv/share/jupyter/kernels/python3, this environment's python, never one in ~/.local
lab: env ## JupyterLab on the project with its kernel (.venv's python3); PORT=8888 LAB_ARGS=--no-browser; `goldbook open` copies a chapter to explore
	JUPYTER_PREFER_ENV_PATH=1 $(VENV)/bin/jupyter lab --ServerApp.root_dir="$(CURDIR)" $(LAB_OPTIONS) \
		$(if $(filter 0,$(shell id -u)),--allow-root,) $(if $(PORT),--port=$(PORT),) $(LAB_ARGS)

serve: env ## serve the built book to colleagues on this network, print the URLs (PORT=8000, BIND=0.0.0.0; BIND=127.0.0.1: this machine only)
	$(GOLDBOOK) $(if $(ROOT),--root $(ROOT),) serve $(if $(PORT),--port $(PORT),) $(if $(BIND),--bind $(BIND),)

strip: env ## remove outputs and execution counts from notebooks/ (nbstripout, cell ids kept); a test keeps them out
	find notebooks -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' -print0 | xargs -0 -r $(VENV)/bin/nbstripout --keep-id

test: env ## the whole test suite, a small demo included (no `make demo` needed)
	$(VENV)/bin/pytest -n $(JOBS)

test-fast: env ## the tests that need no generated demo (skips the e2e ones)
	$(VENV)/bin/pytest -n $(JOBS) -m "not e2e"

bench: env ## time each stage for one demo month (against its floor), the do-nothing rerun and the whole demo; print the goals beside
	$(PY) benchmarks/bench.py --full --jobs $(JOBS)

bench-scale: env ## scale figures beside their goals: ingest vs a bare DuckDB scan, a month at 1x and SCALE (default 100x), the national refresh, a Dask cluster; PARTS="--ingest --month" picks parts, KEEP=DIR keeps (and reuses) the data
	$(PY) benchmarks/bench_scale.py --jobs $(JOBS) $(if $(SCALE),--scale $(SCALE),) $(PARTS) $(if $(KEEP),--keep $(KEEP),)

bench-verify: env ## time `verify` against running the same month (PERIOD, default 2024-12; median of REPEAT rounds, default 3); goal at most 1.5x
	$(PY) benchmarks/verify_bench.py $(if $(PERIOD),--period $(PERIOD),) --repeat $(or $(REPEAT),3) $(if $(ROOT),--root $(ROOT),)

crash-check: env ## kill -9 run, build and ingest at random moments (N each, default 10; seeded) in a copy of the demo; check what survives
	$(PY) benchmarks/crash_check.py --n $(or $(N),10) $(if $(PERIOD),--period $(PERIOD),) $(if $(ROOT),--root $(ROOT),)

noise-rate: env ## share of demo centre-months flagged as a significant satisfaction drop (goal <= 5%); an 8-point drop must be flagged
	$(PY) benchmarks/noise_rate.py

validate-impact: env ## initiatives chapter vs the demo's injected effects, 20 seeds: interval coverage (goal >= 85%) and placebo false positives (goal <= 10%)
	$(PY) benchmarks/impact_validation.py --jobs $(JOBS)

validate-recognition: env ## recognition's estimated skill vs the demo's true skill (seed 7, 2024, full scale): Spearman, goal >= 0.7 and above raw CSAT
	$(PY) benchmarks/recognition_validation.py

verify: env ## rebuild PERIOD (default: every published period) from raw files; prove it identical (SCHEDULER= as for run)
	$(GOLDBOOK) verify $(if $(PERIOD),$(PERIOD),--all) $(if $(SCHEDULER),--scheduler $(SCHEDULER),)

status: env ## which months are raw, ingested and run
	$(GOLDBOOK) status

lock: $(UV) ## re-lock after editing pyproject.toml, then regenerate environment.yml from uv.lock
	$(UV) lock --python $(PYTHON)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $(STAMP)
	$(PY) tools/lock_to_environment.py

clean: ## remove generated outputs (processed store, reports, book); never data/raw
	for d in data/processed reports; do \
		if [ -d $$d ]; then find $$d -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} + ; fi; \
	done
	rm -rf _build book _toc.yml restricted

clean-demo: clean ## also remove the generated demo months, registry and truth (never other raw data)
	@if [ ! -f data/raw/.goldbook-demo ]; then \
		echo "data/raw/ holds no generated demo (no data/raw/.goldbook-demo): nothing removed"; \
	else \
		for m in $$(sed -n 's/.*"months": \[\([^]]*\)\].*/\1/p' data/raw/.goldbook-demo | tr ',' ' ' | tr -d '"'); do \
			rm -rf "data/raw/$$m"; \
		done; \
		rm -rf data/raw/initiatives.csv data/raw/.goldbook-demo data/truth; \
		echo "removed the demo months, data/raw/initiatives.csv and data/truth/"; \
	fi
