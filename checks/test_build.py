"""When `make test` recompiles the extension: whenever its sources changed or it is gone, and never else.

In a scratch copy set up with its own `make build`. make's question mode
(`make --question`) says whether the extension is up to date without building;
one real rebuild per kind of change proves the answer.
"""

import os
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import ROOT, clean_env, committed_copy, git, run

STAMP = ".venv/.extension-built"

pytestmark = pytest.mark.skipif(os.name == "nt", reason="the dev loop is checked on Linux and macOS")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("build")
    committed_copy(repo)
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


# --- the stubs the build writes ----------------------------------------------------

PACKAGE = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools-rust"][
    "ext-modules"
][0]["target"].partition(".")[0]
HEADER = "# Generated by `make build`"
GADGETS = """\
//! A submodule of the test's own: a function, a class and an exception.

use pyo3::prelude::*;

pyo3::create_exception!(
    {package}._accelerate.gadgets,
    GadgetJammed,
    pyo3::exceptions::PyRuntimeError,
    "Raised by a jammed gadget."
);

#[pymodule(submodule, module = "{package}._accelerate")]
pub mod gadgets {{
    use pyo3::prelude::*;

    #[pymodule_export]
    use super::GadgetJammed;

    /// A gadget with a size.
    #[pyclass(module = "{package}._accelerate.gadgets")]
    pub struct Gadget {{
        /// How big it is.
        #[pyo3(get, set)]
        size: u32,
    }}

    #[pymethods]
    impl Gadget {{
        #[new]
        #[pyo3(signature = (size = 1))]
        fn new(size: u32) -> Self {{
            Self {{ size }}
        }}
    }}

    /// Jam a gadget: raises GadgetJammed.
    #[pyfunction]
    fn jam(gadget: &Gadget) -> PyResult<u32> {{
        Err(super::GadgetJammed::new_err(format!("size {{}}", gadget.size)))
    }}
}}
"""


def add_gadgets(project: Path) -> None:
    """A new submodule, registered in crates/src/lib.rs as the guide (CONTRIBUTING.md) says."""
    (project / "crates/src/gadgets.rs").write_text(GADGETS.format(package=PACKAGE), encoding="utf-8")
    lib = project / "crates/src/lib.rs"
    text = lib.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^(mod _accelerate \{\n)", r"\1    #[pymodule_export]\n    use crate::gadgets::gadgets;\n", text)
    lib.write_text(text + "\npub mod gadgets;\n", encoding="utf-8")


@pytest.fixture
def restored(built: Path) -> Iterator[Path]:
    """The copy, as committed again after the test (and rebuilt by `built`)."""
    yield built
    git(built, "checkout", "--quiet", "--", "crates", "src")
    git(built, "clean", "--quiet", "--force", "--", "crates/src", "src")  # new files, not what git ignores


def test_make_test_writes_the_stubs_of_new_rust_code(restored: Path) -> None:
    add_gadgets(restored)
    output = run("make", "test", cwd=restored).stdout
    assert f"Stubs written from the Rust code: src/{PACKAGE}/_accelerate/__init__.pyi" in output, output
    stub = (restored / f"src/{PACKAGE}/_accelerate/gadgets.pyi").read_text(encoding="utf-8")
    assert stub.startswith(HEADER), stub
    for expected in (
        '__all__ = ["Gadget", "GadgetJammed", "jam"]',
        "class Gadget:",
        '"""\n    A gadget with a size.\n    """',  # the `///` docstrings, for editors and mypy's users
        "def __new__(cls, /, size: SupportsIndex = 1) -> Gadget: ...",
        "@size.setter",
        "def jam(gadget: Gadget) -> int:",
        "Jam a gadget: raises GadgetJammed.",
        'class GadgetJammed(RuntimeError):\n    """Raised by a jammed gadget."""',
    ):
        assert expected in stub, f"{expected!r} not in\n{stub}"
    assert "gadgets as gadgets" in (restored / f"src/{PACKAGE}/_accelerate/__init__.pyi").read_text("utf-8")
    assert "make stubtest: the stubs describe the compiled extension." in run("make", "stubtest", cwd=restored).stdout
    run("make", "typecheck", cwd=restored)
    # Nothing changed: nothing written again.
    assert "Stubs written" not in run("make", "test", cwd=restored).stdout


def test_a_stub_written_by_hand_is_left_alone_with_a_word(restored: Path) -> None:
    stub = restored / f"src/{PACKAGE}/_accelerate/__init__.pyi"
    mine = "# My own stub.\n" + stub.read_text(encoding="utf-8").split("\n", 1)[1]
    stub.write_text(mine, encoding="utf-8")
    result = run(restored / ".venv/bin/python", "crates/stubs.py", cwd=restored)
    assert f"src/{PACKAGE}/_accelerate/__init__.pyi was written by hand: left as it is" in result.stderr
    assert stub.read_text(encoding="utf-8") == mine


def test_lines_written_by_hand_at_the_end_are_kept(restored: Path) -> None:
    stub = restored / f"src/{PACKAGE}/_accelerate/__init__.pyi"
    hand = "\n# Written by hand\nfrom typing import Final\n\nEXTRA: Final = 1\n"
    stub.write_text(stub.read_text(encoding="utf-8") + hand, encoding="utf-8")
    run(restored / ".venv/bin/python", "crates/stubs.py", cwd=restored)
    text = stub.read_text(encoding="utf-8")
    assert text.startswith(HEADER) and text.endswith("from typing import Final\n\nEXTRA: Final = 1\n"), text
    assert '"EXTRA"' in text.split("__all__", 1)[1].split("]", 1)[0]
    run(restored / ".venv/bin/python", "crates/stubs.py", "--check", cwd=restored)  # written once for all
