# The two commands a newcomer needs:
#   make demo   — create .venv, install relevo, run the whole story on the embedded offline engine
#   make test   — install dev tools, lint, type-check, run the test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test install lint typecheck pytest browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/relevo demo

lint: $(STAMP)
	$(BIN)/ruff check relevo tests
	$(BIN)/ruff format --check relevo tests

typecheck: $(STAMP)
	$(BIN)/pyright relevo

# The browser test drives Debian's chromium (Playwright's own browser download is never used); CI runs as root.
browser:
	@test -x /usr/bin/chromium || (DEBIAN_FRONTEND=noninteractive apt-get install -y chromium || \
		(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium))

pytest: $(STAMP) browser
	$(BIN)/pytest

test: lint typecheck pytest

clean:
	rm -rf $(VENV) .relevo .pytest_cache
