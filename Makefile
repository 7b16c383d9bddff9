# CareLearn: `make run` to try it with demo data, `make test` to run every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app carelearn

.PHONY: run test install install-test lint clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installs the exact versions in the lock files, each checked against its hash (README:
# Reproducible installs), then CareLearn itself.
$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml requirements.lock
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-dev.lock
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

# axe-core and the Nu Html Checker (vnu-jar) for the browser tests' checks (package.json);
# reinstalled when the lock changes.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The browser tests drive Debian's Chromium (tools cannot download a browser of their own).
/usr/bin/chromium:
	@if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "The browser tests need Chromium: run 'sudo apt-get install chromium' and try again." >&2; exit 1; \
	fi

# The HTML checks run the Nu Html Checker on Java: Debian's headless runtime.
/usr/bin/java:
	@if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null; \
	else \
		echo "The browser tests' HTML checks need Java: run 'sudo apt-get install default-jre-headless' and try again." >&2; exit 1; \
	fi

$(VENV)/.installed-bench: $(VENV)/.installed requirements-dev.lock
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test /usr/bin/java node_modules/.installed /usr/bin/chromium

# Demo mode: the development secret key is allowed and demo accounts are seeded. The worker
# (emails into instance/outbox/, daily jobs) runs in the background and stops with the server.
# Links in emails point at the port served, unless CARELEARN_BASE_URL is set.
run: export CARELEARN_DEMO = 1
run: export CARELEARN_BASE_URL ?= http://127.0.0.1:$(PORT)
run: install
	$(FLASK) db upgrade
	$(FLASK) content publish
	$(FLASK) demo
	$(FLASK) worker & worker=$$!; \
	$(FLASK) run --port $(PORT) & server=$$!; \
	trap 'kill $$worker $$server 2>/dev/null; wait' EXIT INT TERM; \
	wait $$server

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Builds 10,000 staff, serves them with gunicorn and loads each page with wrk: see docs/benchmarks.md.
bench: $(VENV)/.installed-bench
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

# Style, one-way imports (pyproject.toml's import-linter contracts), file sizes, types and
# security lint.
lint: install-test
	$(BIN)/python -m ruff check carelearn tests benchmarks
	$(BIN)/python -m ruff format --check carelearn tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/python .ci/file_sizes.py
	$(BIN)/python .ci/mypy_baseline.py
	# Security lint: any high-severity finding fails (the reviewed lower ones: docs/security.md).
	$(BIN)/bandit --quiet --recursive carelearn --severity-level high

clean:
	rm -rf $(VENV) instance *.egg-info
