"""Open it anywhere: cargo from a shell or an editor, the debugger, VS Code, a dev container.

In a scratch copy set up with `make test` and `make clippy` (the state after
`make init` and a commit), cargo run the way a shell or rust-analyzer runs it
(no PYO3_PYTHON in its environment) must reuse make's PyO3 build, and the next
`make test` must recompile nothing. gdb stops in Rust called from a pytest
test. The editor and dev container files are read and held to the project's
own files, targets and versions; containers cannot be built here.
"""

import json
import os
import re
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import ROOT, clean_env, committed_copy, copy_working_tree, run

PACKAGE = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools-rust"][
    "ext-modules"
][0]["target"].partition(".")[0]
posix_only = pytest.mark.skipif(os.name == "nt", reason="the scratch copies' make runs on Linux and macOS")


def jsonc(path: Path) -> dict:  # type: ignore[type-arg]
    """A JSON file with // comments, as VS Code and dev containers read it."""
    text = re.sub(r"(?m)^\s*//.*$", "", path.read_text(encoding="utf-8"))  # comment lines only
    return json.loads(text)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    if os.name == "nt":
        pytest.skip("the scratch copies' make runs on Linux and macOS")
    repo = tmp_path_factory.mktemp("editor")
    committed_copy(repo)
    run("make", "test", cwd=repo)
    run("make", "clippy", cwd=repo)
    yield repo


def pyo3_artifacts(repo: Path) -> dict[str, int]:
    """mtime of each compiled PyO3 file: a rebuild of PyO3 rewrites them."""
    deps = repo / "crates" / "target" / "debug" / "deps"
    return {path.name: path.stat().st_mtime_ns for path in deps.glob("*pyo3*")}


# As a shell or an editor runs cargo: from the root or from crates/, no PYO3_PYTHON.
CARGO_RUNS = {
    "cargo test, from the root": (["cargo", "test", "--manifest-path", "crates/Cargo.toml"], "."),
    "cargo test, in crates/": (["cargo", "test"], "crates"),
    "cargo check, as rust-analyzer": (["cargo", "check", "--all-targets", "--message-format=json"], "crates"),
    "cargo clippy, from the root": (["cargo", "clippy", "--manifest-path", "crates/Cargo.toml"], "."),
}


@posix_only
@pytest.mark.parametrize("command, where", CARGO_RUNS.values(), ids=CARGO_RUNS.keys())
def test_cargo_from_a_shell_reuses_make_s_build_and_make_test_recompiles_nothing(
    project: Path, command: list[str], where: str
) -> None:
    before = pyo3_artifacts(project)
    assert before, "make test built PyO3"
    env = clean_env()
    assert not [key for key in env if key.startswith("PYO3_")]
    result = run(*command, cwd=project / where, env=env)
    assert not re.search(r"(Compiling|Checking|Fresh) pyo3", result.stderr), result.stderr
    if command[1] == "test":
        assert "test result: ok." in result.stdout, "a plain `cargo test` finds libpython by itself"
    output = run("make", "test", cwd=project).stdout
    assert "Compiling the Rust extension" not in output and "make test: all Python and Rust tests passed." in output
    assert pyo3_artifacts(project) == before, "PyO3 was compiled again"


@posix_only
def test_cargo_before_make_init_says_to_run_make_init(tmp_path: Path) -> None:
    copy_working_tree(tmp_path)
    result = run("cargo", "check", "--manifest-path", "crates/Cargo.toml", cwd=tmp_path, check=False)
    assert result.returncode != 0
    assert "There is no .venv yet, whose Python PyO3 builds for: run 'make init' first" in result.stderr, result.stderr


def test_make_and_cargo_name_the_same_python() -> None:
    # The text must be the same, not only the interpreter: cargo compares it to
    # decide whether PyO3 needs building again.
    make = run("make", "--print-data-base", "--question", "help", cwd=ROOT, check=False).stdout
    exported = re.search(r"(?m)^PYO3_PYTHON := (.*)$", make)
    assert exported
    written = tomllib.loads((ROOT / ".venv" / "cargo.toml").read_text(encoding="utf-8"))
    assert written["env"]["PYO3_PYTHON"] == {"value": exported[1]}
    config = tomllib.loads((ROOT / ".cargo" / "config.toml").read_text(encoding="utf-8"))
    assert config["include"][-1] == {"path": "../.venv/cargo.toml", "optional": True}  # the last one wins
    default = tomllib.loads((ROOT / ".cargo" / config["include"][0]["path"]).read_text(encoding="utf-8"))
    assert default["env"]["PYO3_PYTHON"]["relative"] is True and "force" not in default["env"]["PYO3_PYTHON"]


# --- the debugger -----------------------------------------------------------------------

DEBUG_ME = """
#[pyo3::pyfunction]
fn debug_me(base: i64, step: i64) -> i64 {
    base * 10 + step
}
"""
DEBUG_TEST = """
from {package}._accelerate import debug_me


def test_debug_me() -> None:
    assert debug_me(4, 2) == 42
"""


@posix_only
@pytest.mark.skipif(shutil.which("gdb") is None, reason="gdb is not installed (Debian: apt-get install gdb)")
def test_gdb_stops_in_rust_called_from_a_pytest_test(project: Path) -> None:
    # The development build keeps its debug information and its source paths:
    # a breakpoint in a .rs file stops there, with the arguments.
    lib = project / "crates" / "src" / "lib.rs"
    original = lib.read_text(encoding="utf-8")
    assert original.endswith("\n}\n"), "the root module ends crates/src/lib.rs"
    body = DEBUG_ME.replace("\n", "\n    ").rstrip(" ")
    lib.write_text(original[:-2] + body + "}\n", encoding="utf-8")
    line = original[:-2].count("\n") + 4  # `base * 10 + step`
    (project / "tests" / "test_debug_me.py").write_text(DEBUG_TEST.format(package=PACKAGE), encoding="utf-8")
    try:
        run("make", "build", cwd=project)
        gdb = [
            *("gdb", "-nx", "-batch", "-iex", "set auto-load python-scripts off"),
            *("-ex", "set breakpoint pending on", "-ex", f"break lib.rs:{line}", "-ex", "run"),
            *("-ex", "info args", "-ex", "kill"),
            *("--args", ".venv/bin/python", "-m", "pytest", "tests/test_debug_me.py", "-p", "no:cacheprovider"),
        ]
        result = subprocess.run(gdb, cwd=project, capture_output=True, text=True, timeout=300)
        output = result.stdout + result.stderr
        if "ptrace: Operation not permitted" in output:
            pytest.skip("this machine does not let gdb trace a process (ptrace)")
        assert re.search(rf"(?m)^Breakpoint 1(\.\d+)?, .*debug_me \(base=4, step=2\) at src/lib\.rs:{line}$", output)
        assert re.search(rf"(?m)^{line}\t\s+base \* 10 \+ step$", output), output[-3000:]
        assert re.search(r"(?m)^base = 4$", output) and re.search(r"(?m)^step = 2$", output), output[-3000:]
    finally:
        lib.write_text(original, encoding="utf-8")
        (project / "tests" / "test_debug_me.py").unlink()
        run("make", "build", cwd=project)


# --- VS Code ----------------------------------------------------------------------------


def test_vscode_uses_the_venv_the_tests_and_the_crate() -> None:
    settings = jsonc(ROOT / ".vscode" / "settings.json")
    assert settings["python.defaultInterpreterPath"] == "${workspaceFolder}/.venv"
    assert settings["python.testing.pytestArgs"] == ["tests"]
    for project in settings["rust-analyzer.linkedProjects"]:
        assert (ROOT / project).is_file(), project
    assert "rust-analyzer.cargo.extraEnv" not in settings, ".cargo/config.toml gives cargo the Python"
    recommended = set(jsonc(ROOT / ".vscode" / "extensions.json")["recommendations"])
    assert {"ms-python.python", "rust-lang.rust-analyzer", "vadimcn.vscode-lldb"} <= recommended


def test_vscode_debugs_rust_under_pytest_after_make_build() -> None:
    launch = jsonc(ROOT / ".vscode" / "launch.json")
    tasks = {task["label"]: task for task in jsonc(ROOT / ".vscode" / "tasks.json")["tasks"]}
    help_text = run("make", "help", cwd=ROOT).stdout
    for task in tasks.values():
        target = task["command"].removeprefix("make ")
        assert re.search(rf"(?m)^\s+\S*{target}\S*\s", help_text), f"{task['command']} is no Make target"
    (under_pytest, *others) = launch["configurations"]
    assert under_pytest["type"] == "lldb" and under_pytest["sourceLanguages"] == ["rust"]
    assert under_pytest["program"] == "${workspaceFolder}/.venv/bin/python"
    assert under_pytest["windows"]["program"] == "${workspaceFolder}/.venv/Scripts/python.exe"
    assert under_pytest["args"][:3] == ["-m", "pytest", "tests"]
    for configuration in launch["configurations"]:
        assert configuration.get("preLaunchTask") in (None, *tasks), configuration["name"]


# --- the dev container --------------------------------------------------------------------


def test_dev_container_runs_make_init_with_the_project_s_versions() -> None:
    container = jsonc(ROOT / ".devcontainer" / "devcontainer.json")
    assert container["postCreateCommand"] == "make init"
    development = (ROOT / ".python-version").read_text(encoding="utf-8").strip()
    image = re.fullmatch(r"mcr\.microsoft\.com/devcontainers/python:(?:\d+-)?(\d+\.\d+)(?:-\w+)?", container["image"])
    assert image and image[1] == development, f"the image's Python must be {development} (.python-version)"
    features = container["features"]
    assert features["ghcr.io/devcontainers/features/rust:1"]["version"] == "latest"  # edition 2024 and .cargo's include
    assert features["ghcr.io/devcontainers/features/node:2"]["version"] == "lts"
    assert container["name"] == tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["name"]
