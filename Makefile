# The two commands a newcomer needs:
#   make demo   — create .venv, install relevo's runtime only, run the whole story on the embedded offline engine
#   make test   — add the dev tools (ruff, pyright, pytest, Playwright, the local LLM), lint, type-check, run the tests
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP     := $(VENV)/.installed-dev

# llama-cpp-python (the live local-LLM test tier) is built from source. A native build (-march=native, the
# default) traps with SIGILL on virtual machines whose CPU advertises instructions it cannot run, so it is built
# portable (-DGGML_NATIVE=OFF: AVX2/FMA/F16C, no AVX-512 or AMX). pip's own wheel cache does not key on CMAKE_ARGS
# and would hand back a native wheel built earlier, so the wheel is built with --no-cache-dir into a folder whose
# name carries the version and the flags, and installed before the dev extra so pip never builds it again.
LLAMA_CPP_VERSION ?= 0.3.36
LLAMA_CMAKE_ARGS  := -DGGML_NATIVE=OFF
RELEVO_CACHE_DIR  ?= $(HOME)/.cache/relevo
LLAMA_WHEELS      := $(RELEVO_CACHE_DIR)/wheels/llama-cpp-python-$(LLAMA_CPP_VERSION)-ggml-native-off
LLAMA_STAMP       := $(LLAMA_WHEELS)/.built

.PHONY: demo test install install-dev llama-wheel lint typecheck pytest browser doctor clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUNTIME_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $(RUNTIME_STAMP)

# Built once per machine (about 7 minutes on two cores), into a temporary folder moved into place when done.
$(LLAMA_STAMP): | $(BIN)/python
	rm -rf "$(LLAMA_WHEELS).partial"
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip wheel --quiet --no-cache-dir --no-deps \
		--wheel-dir "$(LLAMA_WHEELS).partial" "llama-cpp-python==$(LLAMA_CPP_VERSION)"
	rm -rf "$(LLAMA_WHEELS)" && mv "$(LLAMA_WHEELS).partial" "$(LLAMA_WHEELS)"
	touch $(LLAMA_STAMP)

llama-wheel: $(LLAMA_STAMP)

# --force-reinstall: a venv holding a native build of the same version would otherwise keep it.
$(DEV_STAMP): $(RUNTIME_STAMP) $(LLAMA_STAMP)
	$(BIN)/pip install --quiet --force-reinstall --no-deps "$(LLAMA_WHEELS)"/llama_cpp_python-$(LLAMA_CPP_VERSION)-*.whl
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(DEV_STAMP)

install: $(RUNTIME_STAMP)

install-dev: $(DEV_STAMP)

demo: $(RUNTIME_STAMP)
	$(BIN)/relevo demo

doctor: $(RUNTIME_STAMP)
	$(BIN)/relevo doctor

lint: $(DEV_STAMP)
	$(BIN)/ruff check relevo tests examples
	$(BIN)/ruff format --check relevo tests examples

typecheck: $(DEV_STAMP)
	$(BIN)/pyright relevo

# The browser test drives Debian's chromium (Playwright's own browser download is never used); CI runs as root.
browser:
	@test -x /usr/bin/chromium || (DEBIAN_FRONTEND=noninteractive apt-get install -y chromium || \
		(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium))

pytest: $(DEV_STAMP) browser
	$(BIN)/pytest

test: lint typecheck pytest

clean:
	rm -rf $(VENV) .relevo .pytest_cache
