# Everything runs from the project's own virtualenv, .venv, built from uv.lock.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
UV_VERSION := 0.13.9
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# Bytecode for every installed module, compiled once at install (as pip does), and for ours as
# Python imports them: the tests and the sandbox start dozens of interpreters, and without it
# each one compiles everything it imports from source (a fifth of the suite's time on a fresh
# machine, where PYTHONDONTWRITEBYTECODE may be set).
export UV_COMPILE_BYTECODE := 1
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install test lint typecheck unit sandbox bench clean browser node screenshots

install: $(VENV)/.installed

# Re-syncs only when the lock or the project file changes; `--inexact` keeps uv itself in the venv.
$(VENV)/.installed: pyproject.toml uv.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(UV) || $(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	@echo "Installing the locked packages into $(VENV) and compiling them to bytecode" \
		"(a minute or two the first time)..."
	$(UV) sync --frozen --inexact --quiet --python $(BIN)/python
	@echo "Installed."
	touch $@

lint: install node_modules/.package-lock.json
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	npm run --silent lint

# The pages' scripts (handlers/web/static, sandbox/static) are linted by ESLint (pinned in
# package-lock.json), which runs on Node: Debian's nodejs and npm are installed here when
# missing (as root, or through sudo).
node:
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
		sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends \
			nodejs npm; \
	fi

# Reinstalled only when the lock changes (npm ci writes node_modules/.package-lock.json).
node_modules/.package-lock.json: package.json package-lock.json | node
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

typecheck: install
	$(BIN)/mypy

# Three workers on two cores: the end-to-end tests spend much of their time waiting for the
# sandbox (a timer, an email), which a third worker fills.
test: lint typecheck browser
	$(BIN)/pytest -n 3 --dist loadgroup --durations=10

# The browser test drives Debian's Chromium and its driver: installed here when missing
# (as root, or through sudo).
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
		sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends \
			chromium chromium-driver; \
	fi

# Options pass through, e.g. make sandbox SANDBOX_ARGS="--port 9000 --approval-timeout 60"
sandbox: install
	$(BIN)/python -m sandbox $(SANDBOX_ARGS)

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .sandbox build .mypy_cache .ruff_cache node_modules

# The README's screenshots of every page, at a phone's width and a desktop's (Chromium).
screenshots: install browser
	PYTHONPATH=. $(BIN)/python docs/screenshots/take.py
