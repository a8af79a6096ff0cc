# tokenlab: set up, open and test the course.
# Needs only GNU make and Python >= 3.11 with its venv module (Linux or macOS).

PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python

# Extra options for `make lab`, e.g. LAB_ARGS="--no-browser --port=8899".
LAB_ARGS ?=

# The install stamps are named after the content of the dependency files: a second run installs
# nothing, and editing pyproject.toml or binder/requirements.txt reinstalls. Both installs take
# binder/requirements.txt as constraints, so a local venv runs exactly Binder's pinned versions.
DEPS := pyproject.toml binder/requirements.txt binder/overrides.json
DEPS_HASH := $(shell cat $(DEPS) | { sha256sum 2>/dev/null || shasum -a 256 2>/dev/null || cksum; } | cut -c1-16)
VENV_STAMP := $(VENV)/.stamp-venv
LAB_STAMP := $(VENV)/.stamp-lab-$(DEPS_HASH)
TEST_STAMP := $(VENV)/.stamp-test-$(DEPS_HASH)

# The command a "wrong Python" message suggests re-running.
GOAL := make $(firstword $(filter lab test bench fuzz,$(MAKECMDGOALS)) lab)
# JupyterLab defaults for the course (binder/overrides.json): start the notebook's kernel without
# a "Select Kernel" dialog; no news or update notifications. Binder's postBuild installs the same.
INSTALL_OVERRIDES = mkdir -p $(VENV)/share/jupyter/lab/settings && cp binder/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
# The course works offline: no news feed, no update check.
OFFLINE_FLAGS := --LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate
# Jupyter refuses to run as root unless told to (containers, CI).
ROOT_FLAG := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root)
# Optional output sanitizer for nbval, used once the file exists.
NBVAL_SANITIZE := $(if $(wildcard tests/nbval_sanitize.cfg),--nbval-sanitize-with tests/nbval_sanitize.cfg)

.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
.PHONY: help lab test bench fuzz notebooks lock clean

help:
	@echo "make lab     set up .venv (first run only) and open the course in JupyterLab"
	@echo "make test    set up .venv, then ruff, the unit tests and every notebook (nbval, strict)"
	@echo "make bench   set up .venv, then run the benchmarks (benchmarks/run.py)"
	@echo "make fuzz    set up .venv, then every fuzz property with $(FUZZ_EXAMPLES) examples each (minutes)"
	@echo "make notebooks  re-run every notebook and store its outputs (after changing tokenlab)"
	@echo "make lock    regenerate binder/requirements.txt, the full lock (needs PyPI; keeps every pin it can)"
	@echo "make clean   remove .venv, caches and generated artifacts"
	@echo "Options: PYTHON=python3.12 (interpreter for the venv), LAB_ARGS=\"--no-browser --port=8899\","
	@echo "         FUZZ_EXAMPLES=1000000 (examples per fuzz property),"
	@echo "         LOCK_ARGS=--upgrade or LOCK_ARGS=\"--upgrade-package jupyterlab\" (newer pins with make lock)"

lab: $(LAB_STAMP)
	cd notebooks && exec ../$(VENV)/bin/jupyter lab 00-start-here.ipynb $(ROOT_FLAG) $(OFFLINE_FLAGS) $(LAB_ARGS)

test: $(TEST_STAMP)
	$(VPY) -m ruff check .
	$(VPY) -m pytest
	$(VPY) -m pytest --nbval --nbval-current-env notebooks/ $(NBVAL_SANITIZE)

bench: $(TEST_STAMP)
	$(VPY) benchmarks/run.py

# The fuzz properties of `make test` (the verifier's and the HTTP endpoints' of both servers), each
# with FUZZ_EXAMPLES examples instead of a few thousand; -s shows each property's count and time.
FUZZ_EXAMPLES ?= 100000
fuzz: $(TEST_STAMP)
	TOKENLAB_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(VPY) -m pytest -s -q tests/test_fuzz.py tests/test_fuzz_http.py \
	  tests/jose/test_dpop_fuzz.py tests/api/test_dpop_http_fuzz.py

# Re-run every notebook and store its outputs (what strict nbval compares against).
notebooks: $(TEST_STAMP)
	$(VPY) tools/execute_notebooks.py

# The guard runs before anything is created, and prints one line saying what to do.
$(VENV_STAMP):
	@command -v $(firstword $(PYTHON)) >/dev/null 2>&1 || { \
	  echo "tokenlab needs Python >= 3.11, but '$(PYTHON)' was not found; install Python 3.11 or newer, or run \`$(GOAL) PYTHON=/path/to/python3.11\`" >&2; \
	  exit 1; }
	@$(PYTHON) tools/check_python.py "$(GOAL)"
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --upgrade pip
	touch $@

$(LAB_STAMP): $(VENV_STAMP)
	rm -f $(VENV)/.stamp-lab-*
	$(VPY) -m pip install -e '.[lab]' -c binder/requirements.txt
	$(INSTALL_OVERRIDES)
	touch $@

# [lab,test] includes [lab], so this stamp also marks the lab install as done.
$(TEST_STAMP): $(VENV_STAMP)
	rm -f $(VENV)/.stamp-lab-* $(VENV)/.stamp-test-*
	$(VPY) -m pip install -e '.[lab,test]' -c binder/requirements.txt
	$(INSTALL_OVERRIDES)
	touch $@ $(LAB_STAMP)

# The full lock: every distribution tokenlab[lab,test] needs, transitive ones included, resolved once
# for every platform (--universal: markers for macOS, Windows, Linux) from Binder's Python on. uv
# reads the pins already in the file and keeps each one the resolver allows, so the notebooks'
# stored outputs stay valid; LOCK_ARGS=--upgrade moves to the newest versions. tokenlab itself is
# not in it (postBuild installs the checkout with --no-deps). uv is pinned: its version decides the
# file's format, and `make lock` installs it into .venv when it is missing there.
UV_VERSION := 0.13.9
LOCK := binder/requirements.txt
LOCK_ARGS ?=
lock: $(VENV_STAMP)
	$(VPY) -m uv --version 2>/dev/null | grep -qF 'uv $(UV_VERSION) ' || $(VPY) -m pip install 'uv==$(UV_VERSION)'
	$(VPY) -m uv pip compile pyproject.toml --extra lab --extra test --universal --python-version 3.11 --annotation-style line --no-header -o $(LOCK) $(LOCK_ARGS)
	{ printf '%s\n' \
	  '# The full lock of tokenlab[lab,test], transitive dependencies included, for every platform (markers).' \
	  '# Binder (repo2docker) installs it; `make lab` and `make test` install with it as constraints, so' \
	  '# every learner runs the same versions. Ranges live in pyproject.toml. Generated: run `make lock`' \
	  '# (uv pip compile; LOCK_ARGS=--upgrade for newer versions), never edit by hand.'; \
	  grep -v '^#' $(LOCK); } > $(LOCK).tmp
	mv $(LOCK).tmp $(LOCK)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .hypothesis .benchmarks artifacts
	find . -path ./.git -prune -o -type d \( -name __pycache__ -o -name .ipynb_checkpoints \) -prune -exec rm -rf {} +
