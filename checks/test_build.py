"""When `make test` recompiles the extension: whenever its sources changed or it is gone, and never else.

In a scratch copy set up with its own `make build`. make's question mode
(`make --question`) says whether the extension is up to date without building;
one real rebuild per kind of change proves the answer.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import clean_env, copy_working_tree, git, run

STAMP = ".venv/.extension-built"

pytestmark = pytest.mark.skipif(os.name == "nt", reason="the dev loop is checked on Linux and macOS")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("build")
    copy_working_tree(repo)
    git(repo, "init", "--quiet")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--no-verify", "--message", "chore: start from the template")
    run("make", "build", cwd=repo)
    return repo


def up_to_date(project: Path) -> bool:
    return run("make", "--question", STAMP, cwd=project, check=False).returncode == 0


@pytest.fixture
def built(project: Path) -> Iterator[Path]:
    """The copy with its extension up to date, and so again after the test."""
    if not up_to_date(project):
        run("make", "build", cwd=project)
    assert up_to_date(project)
    yield project
    run("make", "build", cwd=project)


def extension(project: Path) -> Path:
    (path,) = (project / "src").glob("*/_accelerate.*")
    return path


def test_nothing_changed_nothing_to_do(built: Path) -> None:
    before = extension(built).stat().st_mtime_ns, (built / STAMP).stat().st_mtime_ns
    output = run("make", "test", cwd=built).stdout
    assert "Compiling the Rust extension" not in output
    assert (extension(built).stat().st_mtime_ns, (built / STAMP).stat().st_mtime_ns) == before


@pytest.mark.parametrize(
    "source",
    ["crates/src/lib.rs", "crates/src/basic_functions/basic_math.rs", "crates/Cargo.toml", "crates/Cargo.lock"],
)
def test_a_changed_rust_source_is_compiled_in_place(built: Path, source: str) -> None:
    os.utime(built / source)  # as an editor's save does
    assert not up_to_date(built)
    output = run("make", "test", cwd=built).stdout
    assert "Compiling the Rust extension" in output and "make test: all Python and Rust tests passed." in output
    assert up_to_date(built)


def test_a_new_rust_file_counts_too(built: Path) -> None:
    new = built / "crates/src/basic_functions/extra.rs"
    new.write_text("//! Not yet used.\n", encoding="utf-8")
    try:
        assert not up_to_date(built)
    finally:
        new.unlink()


def test_a_changed_pyproject_reinstalls_then_compiles(built: Path) -> None:
    os.utime(built / "pyproject.toml")
    assert not up_to_date(built)
    output = run("make", "build", cwd=built).stdout
    assert "Installing the package's dependencies, the build and the development tools" in output
    assert "Compiling the Rust extension" in output
    assert up_to_date(built)


def test_a_deleted_extension_is_compiled_again(built: Path) -> None:
    extension(built).unlink()
    assert not up_to_date(built)
    run("make", "build", cwd=built)
    assert extension(built).is_file() and up_to_date(built)


def test_a_lost_stamp_leads_to_a_rebuild(built: Path) -> None:
    (built / STAMP).unlink()
    assert not up_to_date(built)
    run("make", "build", cwd=built)
    assert up_to_date(built)


def test_make_check_runs_the_check_files_it_is_given_alone(built: Path) -> None:
    # Collected only: running them would nest this whole tier in itself.
    output = run("make", "check", "PYTEST_ARGS=checks/test_build.py --collect-only -q", cwd=built).stdout
    collected = {line.split("::")[0] for line in output.splitlines() if "::" in line}
    assert collected == {"checks/test_build.py"}, output
    assert "make check: the checks PYTEST_ARGS selected passed." in output


def test_variables_given_to_make_check_do_not_reach_a_scratch_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # make exports a variable given on its command line to its recipes: with
    # `make check PYTEST_ARGS=checks/test_build.py`, each scratch copy's own
    # `make test` ran that file again, nested without end.
    (tmp_path / "Makefile").write_text('show:\n\t@printf "%s" "$$MAKEFLAGS"\n', encoding="utf-8")
    given = ["PYTEST_ARGS=checks/test_build.py -k 'a b'", "OTHER=1"]
    makeflags = run("make", "-s", "--jobs=1", "show", *given, cwd=tmp_path).stdout
    monkeypatch.setenv("MAKEFLAGS", makeflags)
    monkeypatch.setenv("PYTEST_ARGS", "checks/test_build.py -k 'a b'")
    monkeypatch.setenv("OTHER", "1")
    monkeypatch.setenv("KEPT", "a variable of the shell")
    env = clean_env()
    assert "PYTEST_ARGS" not in env and "OTHER" not in env and "MAKEFLAGS" not in env
    assert env["KEPT"] == "a variable of the shell"


def test_a_crate_added_by_hand_gets_the_command_that_records_it(built: Path) -> None:
    # Builds run with --locked: a crate named in Cargo.toml but not pinned in
    # Cargo.lock stops the build, which says how to pin it.
    manifest = built / "crates/Cargo.toml"
    original = manifest.read_text(encoding="utf-8")
    manifest.write_text(original.replace("[dependencies]\n", '[dependencies]\nitoa = "1"\n'), encoding="utf-8")
    try:
        result = run("make", "build", cwd=built, check=False)
        assert result.returncode != 0
        command = "cargo update --workspace --manifest-path crates/Cargo.toml"
        assert command in result.stdout and "Cargo.lock" in result.stdout, result.stdout
        run(*command.split(), cwd=built)  # as the message says: then the build passes
        assert 'name = "itoa"' in (built / "crates/Cargo.lock").read_text(encoding="utf-8")
        run("make", "build", cwd=built)
    finally:
        git(built, "checkout", "--quiet", "crates/Cargo.toml", "crates/Cargo.lock")
