"""Whatever machine runs it: the Python make finds, Windows' paths, and CI's runners.

`make init` finds the Python that .python-version names on PATH, through the
Windows launcher (`py -3.X`) or through uv; never through a version manager's
shims alone. The Makefile's Windows branches (OS=Windows_NT, which Windows
sets) are read here with `make --dry-run`, which prints the commands they
would run. `make emulate-ci` runs CI's test job as a Linux runner has it.
"""

import json
import os
import platform
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml  # PyYAML, which pre-commit depends on

from conftest import ROOT, RUNNING_PYTHON, clean_env, copy_working_tree, find_python, run

sys.path.insert(0, str(ROOT / "checks"))
import emulate_ci  # noqa: E402

DEVELOPMENT = (ROOT / ".python-version").read_text(encoding="utf-8").strip()
posix_only = pytest.mark.skipif(os.name == "nt", reason="make's shell recipes are checked on Linux and macOS")


def dry_run(*args: str) -> str:
    """The commands make would run, without running them."""
    return run("make", "--dry-run", *args, cwd=ROOT).stdout


def python_free_path() -> str:
    """This PATH without any folder that holds a Python (nor a version manager's shims)."""

    def has_python(folder: str) -> bool:
        return ".pyenv" in Path(folder).parts or any(Path(folder).glob("python*"))

    return os.pathsep.join(p for p in clean_env()["PATH"].split(os.pathsep) if p and not has_python(p))


# --- the Python for .venv -----------------------------------------------------------


def test_a_scratch_copy_builds_with_the_python_running_the_checks(tmp_path: Path) -> None:
    # CI runs `make check PYTHON_VERSION=3.X` with a Python that .python-version
    # may not name; each scratch copy's own make must find that one.
    copy_working_tree(tmp_path)
    assert (tmp_path / ".python-version").read_text(encoding="utf-8") == f"{RUNNING_PYTHON}\n"
    found = run("make", "-s", "find-python", cwd=tmp_path).stdout.strip()
    version = run(found, "-c", "import sys; print(sys.version_info[0], sys.version_info[1], sep='.')").stdout.strip()
    assert version == RUNNING_PYTHON


@posix_only
def test_make_says_what_to_do_when_the_python_is_nowhere(tmp_path: Path) -> None:
    copy_working_tree(tmp_path)
    (tmp_path / ".python-version").write_text("3.99\n", encoding="utf-8")
    before = sorted(tmp_path.rglob("*"))
    result = run("make", "init", cwd=tmp_path, check=False)
    assert result.returncode != 0
    for advice in ("Python 3.99 not found (.python-version asks for it).", "uv python install 3.99", "python.org"):
        assert advice in result.stdout, result.stdout + result.stderr
    assert sorted(tmp_path.rglob("*")) == before  # no .venv, nothing


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uv's folder of managed Pythons is laid out for Linux")
def test_make_finds_a_python_that_only_uv_knows(tmp_path: Path) -> None:
    # `uv python install 3.X` keeps its Pythons in a folder of its own, which
    # need not be on PATH. Laid out here with a Python of this machine that the
    # PATH below (no version manager) does not reach.
    env = clean_env()
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if ".pyenv" not in Path(p).parts)
    env["UV_PYTHON_INSTALL_DIR"] = str(tmp_path / "uv-pythons")  # none but those laid out below
    project = tmp_path / "project"
    copy_working_tree(project)

    def found(version: str) -> subprocess.CompletedProcess[str]:
        (project / ".python-version").write_text(f"{version}\n", encoding="utf-8")
        return run("make", "-s", "find-python", cwd=project, env=env, check=False)

    versions = [f"3.{minor}" for minor in range(30, 10, -1)]
    unreached = [(v, python) for v in versions if (python := find_python(v)) and found(v).returncode != 0]
    if not unreached:
        pytest.skip("every CPython here is on PATH: none to lay out as uv's alone")
    version, interpreter = unreached[0]
    full = run(interpreter, "-c", "import platform; print(platform.python_version())").stdout.strip()
    managed = tmp_path / "uv-pythons" / f"cpython-{full}-linux-{platform.machine()}-gnu" / "bin"
    managed.mkdir(parents=True)
    for name in ("python", "python3", f"python{version}"):
        (managed / name).symlink_to(os.path.realpath(interpreter))
    assert found(version).stdout.strip() == str(managed / f"python{version}")


# --- Windows: the Makefile's branches -----------------------------------------------


def test_windows_paths_name_the_exe_that_make_checks_for() -> None:
    # mingw32-make's own file checks need `python.exe`: with `python` it would
    # rebuild .venv on every make; Git Bash runs either.
    database = run("make", "--print-data-base", "--question", "OS=Windows_NT", "help", cwd=ROOT, check=False).stdout
    assert re.search(r"(?m)^PY := \.venv/Scripts/python\.exe$", database)
    assert re.search(r"(?m)^\.venv/Scripts/python\.exe:", database), "the rule that creates .venv"
    assert re.search(r"(?m)^\.venv/\.installed: pyproject\.toml \| \.venv/Scripts/python\.exe\b", database)
    assert re.search(r"(?m)^UV := (.*/uv|\.venv/Scripts/uv\.exe)$", database)


def test_windows_cargo_test_finds_the_python_dll() -> None:
    # The test binary links pythonXY.dll, which Windows finds only on PATH: the
    # base Python's folder goes there (as a POSIX path: the recipe runs in bash).
    commands = dry_run("OS=Windows_NT", "test-rust").splitlines()
    (cargo,) = [line for line in commands if "cargo test" in line]
    assert cargo.startswith(
        'PATH="$(cygpath -u "$(.venv/Scripts/python.exe -c \'import sys; print(sys.base_prefix)\')"):$PATH" cargo test'
    ), cargo


def test_other_systems_leave_it_to_the_crate_s_build_script() -> None:
    # crates/build.rs points the test binary at libpython (test_editor.py runs a plain `cargo test`).
    (cargo,) = [line for line in dry_run("OS=", "test-rust").splitlines() if "cargo test" in line]
    assert cargo.startswith("cargo test"), cargo


def test_a_windows_path_given_to_make_docs_reaches_sphinx_whole() -> None:
    # bash eats the backslashes of an unquoted C:\Users\... path.
    build = r"C:\Users\runneradmin\AppData\Local\Temp\docs"
    commands = dry_run("OS=Windows_NT", f"DOCS_BUILD={build}", "docs")
    (sphinx,) = [line for line in commands.splitlines() if "-m sphinx build" in line]
    words = subprocess.run(
        ["bash", "-c", 'printf "%s\\n" ' + sphinx.split(" -m sphinx build ", 1)[1].split(" || ")[0]],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert f"{build}/doctrees" in words and f"{build}/html" in words, words


# --- CI's test job, as a runner has it ------------------------------------------------


@posix_only
def test_the_emulated_runner_path_has_only_the_jobs_pythons(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shims = tmp_path / ".pyenv" / "shims"
    other = tmp_path / "other-python"
    tools = tmp_path / "tools"
    for folder, names in ((shims, ["python3.13"]), (other, ["python3.9"]), (tools, ["cargo"])):
        folder.mkdir(parents=True)
        for name in names:
            (folder / name).touch()
    monkeypatch.setenv("PATH", os.pathsep.join(map(str, (shims, other, tools, "/usr/bin"))))
    path = emulate_ci.runner_path({"3.11": sys.executable, "3.12": sys.executable}, tmp_path / "cache")
    assert path.split(os.pathsep) == [
        str(tmp_path / "cache" / "3.12" / "bin"),  # the last one setup-python installs comes first
        str(tmp_path / "cache" / "3.11" / "bin"),
        str(tools),
        "/usr/bin",  # the system's Python stays, as on a runner
    ]
    assert sorted(p.name for p in (tmp_path / "cache" / "3.12" / "bin").iterdir()) == [
        "python",
        "python3",
        "python3.12",
    ]


# --- the runners the workflows ask for ------------------------------------------------

# GitHub's hosted runners, late 2026 (actions/runner-images), and the platform
# each one builds for. ubuntu-latest is Ubuntu 26.04 since November 2026,
# windows-latest Windows Server 2025, macos-latest macOS 26 on Apple silicon.
RUNNERS = {
    "ubuntu-latest": ("Linux", "x86_64"),
    "ubuntu-24.04": ("Linux", "x86_64"),
    "ubuntu-24.04-arm": ("Linux", "ARM64"),
    "windows-latest": ("Windows", "x86_64"),
    "windows-11-arm": ("Windows", "ARM64"),
    "macos-15-intel": ("macOS", "Intel"),
    "macos-latest": ("macOS", "Apple silicon"),
}
# The CPython versions setup-python has final builds of for every one of them
# (actions/python-versions, versions-manifest.json, read in August 2026: 3.11.16
# on Linux, 3.11.9 on Windows and macOS, ...). 3.15 had release candidates only:
# a workflow that may ask for it allows pre-releases.
FINAL_BUILDS = {"3.11", "3.12", "3.13", "3.14"}
WORKFLOWS = {
    path.name: yaml.safe_load(path.read_text(encoding="utf-8")) for path in (ROOT / ".github/workflows").glob("*.yml")
}
GUIDE = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")  # the development guide


def labels(flow: dict[str, Any], job: dict[str, Any]) -> list[str]:
    """The runner labels a job may run on: its own, its matrix's, or release-plan.sh's list."""
    runs_on = job["runs-on"]
    if runs_on == "${{ matrix.os }}":
        matrix = job["strategy"]["matrix"]
        if "include" in matrix:
            return [entry["os"] for entry in matrix["include"]]
        if isinstance(matrix["os"], list):
            return matrix["os"]
        # The release's wheels: the script's list, ARM runners included.
        script = run("bash", ROOT / ".github/scripts/release-plan.sh", env=clean_env(ARM_RUNNERS="true"))
        (runners,) = [
            line.removeprefix("runners=") for line in script.stdout.splitlines() if line.startswith("runners=")
        ]
        return [str(label) for label in json.loads(runners)]
    return [runs_on]


def test_every_job_runs_on_a_runner_github_has() -> None:
    for name, flow in WORKFLOWS.items():
        for job_name, job in flow["jobs"].items():
            unknown = set(labels(flow, job)) - RUNNERS.keys()
            assert not unknown, f"{name}: {job_name} runs on {unknown}, which GitHub does not offer (or a test lacks)"


def test_ci_and_the_release_cover_what_the_guide_promises() -> None:
    ci = WORKFLOWS["ci.yml"]["jobs"]["test"]
    assert {RUNNERS[label][0] for label in labels(WORKFLOWS["ci.yml"], ci)} == {"Linux", "macOS", "Windows"}
    assert "`make test` and `make check`\non Linux, macOS and Windows" in GUIDE
    wheels = WORKFLOWS["release.yml"]["jobs"]["wheels"]
    platforms = {("Linux", "x86_64"), ("Linux", "ARM64"), ("Windows", "x86_64"), ("Windows", "ARM64")}
    platforms |= {("macOS", "Intel"), ("macOS", "Apple silicon")}
    assert {RUNNERS[label] for label in labels(WORKFLOWS["release.yml"], wheels)} == platforms
    for promise in ("Windows on x86_64 and ARM64", "macOS on Intel and Apple silicon", "(manylinux and musllinux)"):
        assert promise in re.sub(r"\s+", " ", GUIDE), promise


def test_every_python_a_workflow_asks_for_exists_on_its_runners() -> None:
    floor = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"]
    for name, flow in WORKFLOWS.items():
        env = {key: str(value) for key, value in flow.get("env", {}).items()}
        for job_name, job in flow["jobs"].items():
            for step in job["steps"]:
                if not step.get("uses", "").startswith("actions/setup-python@"):
                    continue
                inputs = step["with"]
                if "python-version-file" in inputs:
                    versions = [DEVELOPMENT]  # .python-version: any from the floor on
                else:
                    versions = emulate_ci.expand(inputs["python-version"], env).split()
                for version in versions:
                    assert tuple(map(int, version.split("."))) >= tuple(map(int, floor.removeprefix(">=").split(".")))
                    prerelease = version not in FINAL_BUILDS
                    assert inputs.get("allow-prereleases") is True or not prerelease, (
                        f"{name}: {job_name} asks for CPython {version}, which setup-python may have as a"
                        " release candidate only: set allow-prereleases: true"
                    )
                # .python-version may name a CPython newer than the final builds, as NEWEST_PYTHON does.
                assert inputs.get("allow-prereleases") is True, f"{name}: {job_name}: set allow-prereleases: true"


def test_each_ci_test_job_has_its_own_time_limit() -> None:
    matrix = WORKFLOWS["ci.yml"]["jobs"]["test"]
    assert matrix["timeout-minutes"] == "${{ matrix.timeout }}"
    for entry in matrix["strategy"]["matrix"]["include"]:
        assert 15 <= entry["timeout"] <= 60, entry
