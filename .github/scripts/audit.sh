#!/usr/bin/env bash
# `make audit`: the project's dependencies against known vulnerabilities, and
# the crates' licenses against the project's rules. Fails on any finding,
# naming the advisory and the version that fixes it.
#
# - osv-scanner (https://osv.dev): every crate of crates/Cargo.lock, against
#   RustSec's advisories, and the Python packages the package needs at run
#   time (its [project] dependencies and theirs, at the versions .venv has),
#   against PyPI's;
# - cargo-deny: the licenses of the crates compiled into the wheels, against
#   the list in crates/deny.toml.
#
# The advisories come from the network, or, with AUDIT_DB=<dir>, from local
# copies laid out as osv-scanner keeps them (<dir>/osv-scalibr/crates.io/all.zip,
# <dir>/osv-scalibr/PyPI/all.zip; `osv-scanner --download-offline-databases`
# writes them): for a machine without the network, and for the tests.
#
# Usage: PYTHON=.venv/bin/python OSV_SCANNER=... CARGO_DENY=... [AUDIT_DB=<dir>] .github/scripts/audit.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The runtime dependencies, pinned at the versions installed in .venv.
"$PYTHON" - > "$work/requirements.txt" <<'EOF'
import importlib.metadata as metadata
import tomllib

from packaging.requirements import Requirement  # pytest and build depend on packaging

wanted = [Requirement(r) for r in tomllib.load(open("pyproject.toml", "rb"))["project"].get("dependencies", [])]
seen = {}
while wanted:
    requirement = wanted.pop()
    name = requirement.name.lower().replace("_", "-")
    if name in seen or (requirement.marker and not requirement.marker.evaluate({"extra": ""})):
        continue
    try:
        distribution = metadata.distribution(requirement.name)
    except metadata.PackageNotFoundError:
        raise SystemExit(f"audit: {requirement.name} is not installed in .venv: run 'make init'.")
    seen[name] = distribution.version
    wanted += [Requirement(r) for r in distribution.requires or []]
print("".join(f"{name}=={version}\n" for name, version in sorted(seen.items())), end="")
EOF

sources=(-L crates/Cargo.lock)
if [ -s "$work/requirements.txt" ]; then
  sources+=(-L "$work/requirements.txt")
  echo "audit: $(wc -l < "$work/requirements.txt" | tr -d ' ') runtime Python packages, and the crates of crates/Cargo.lock."
else
  echo "audit: no runtime Python dependency; the crates of crates/Cargo.lock."
fi
offline=()
if [ -n "${AUDIT_DB:-}" ]; then
  [ -d "$AUDIT_DB" ] || { echo "audit: AUDIT_DB=$AUDIT_DB is no folder." >&2; exit 1; }
  export OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY=$AUDIT_DB
  offline=(--offline)
fi

status=0
# ${a[@]+"${a[@]}"}: an empty array, which bash 3.2 (macOS) calls unbound under `set -u`.
"$OSV_SCANNER" scan source ${offline[@]+"${offline[@]}"} "${sources[@]}" || status=1
"$CARGO_DENY" --offline --manifest-path crates/Cargo.toml --config crates/deny.toml check licenses || status=1
if [ $status != 0 ]; then
  echo "make audit: failed. A vulnerability: update the package to its FIXED VERSION above (cargo update -p <crate>"
  echo "  --precise <version> --manifest-path crates/Cargo.toml, or the version in pyproject.toml), then make audit again."
  echo "  A license: if you may ship it, add it to crates/deny.toml; else drop the crate that brings it."
  exit 1
fi
echo "make audit: no known vulnerability, and every crate's license is allowed."
