"""A first week of real code in a new project, through every tier but `make check` itself.

One scratch project, made from the template with `make instantiate` and
committed as "Use this template" gives it, takes:

- both recipes of docs/recipes.md, applied as written (a `sh` block is run, a
  `diff` block applied with `git apply`, any other block written to the "new
  file" its step names): NumPy arrays with the `numpy` crate and NumPy as a
  runtime dependency, and a parallel loop with `rayon`;
- a submodule of its own, not the template's examples: a class and an
  exception raised from Rust.

Then, as its user would: `make init`, `make test`, `make lint`, `make docs`, a
commit through the git hooks, and the machinery's own docs and packaging
checks run in it (the sdist and the release wheel, installed with NumPy from
the index in fresh venvs, its tests run against them without Rust), with no
edit to checks/. Template-only: the instantiation deletes it, with the
template's other self-tests.
"""

import re
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import copy_working_tree, git, run

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the first week is tried on Linux")

NAME, PACKAGE = "speedy-arrays", "speedy_arrays"
FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>\w*)\n(?P<body>.*?)^(?P=indent)```$", re.MULTILINE | re.DOTALL)

# A submodule of the project's own: a class with a constructor, a property with
# a setter, a method and __repr__, and an exception raised from Rust.
GEOMETRY_RS = """\
//! Rectangles that refuse negative sides.

use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

create_exception!(
    speedy_arrays._accelerate.geometry,
    NegativeSideError,
    PyValueError,
    "Raised for a side shorter than zero."
);

fn checked(side: f64) -> PyResult<f64> {
    if side < 0.0 {
        return Err(NegativeSideError::new_err(format!(
            "a side of {side} is shorter than zero"
        )));
    }
    Ok(side)
}

/// A rectangle with sides `width` and `height`.
#[pyclass(module = "speedy_arrays._accelerate.geometry")]
pub struct Rectangle {
    width: f64,
    height: f64,
}

#[pymethods]
impl Rectangle {
    #[new]
    fn new(width: f64, height: f64) -> PyResult<Self> {
        Ok(Self {
            width: checked(width)?,
            height: checked(height)?,
        })
    }

    /// The width; a negative one raises NegativeSideError.
    #[getter]
    fn width(&self) -> f64 {
        self.width
    }

    #[setter]
    fn set_width(&mut self, width: f64) -> PyResult<()> {
        self.width = checked(width)?;
        Ok(())
    }

    /// Return the area.
    fn area(&self) -> f64 {
        self.width * self.height
    }

    fn __repr__(&self) -> String {
        format!("Rectangle({}, {})", self.width, self.height)
    }
}

#[pymodule(submodule, module = "speedy_arrays._accelerate")]
pub mod geometry {
    #[pymodule_export]
    use super::{NegativeSideError, Rectangle};
}
"""
GEOMETRY_TESTS = """\
import pytest

from speedy_arrays._accelerate.geometry import NegativeSideError, Rectangle


def test_a_rectangle_has_an_area() -> None:
    rectangle = Rectangle(2.0, 3.0)
    assert rectangle.area() == 6.0 and repr(rectangle) == "Rectangle(2, 3)"
    rectangle.width = 4.0
    assert rectangle.area() == 12.0


def test_a_negative_side_is_refused() -> None:
    with pytest.raises(NegativeSideError, match="shorter than zero"):
        Rectangle(-1.0, 1.0)
    rectangle = Rectangle(1.0, 1.0)
    with pytest.raises(ValueError):
        rectangle.width = -2.0
    assert rectangle.width == 1.0
"""


def recipe_steps(markdown: str) -> list[tuple[str, str, str]]:
    """(kind, target, text) for each code block: ("run", "", commands), ("apply", "", diff) or
    ("write", path, content), the path being the "new file `...`" of the text before the block."""
    steps, previous_end = [], 0
    for block in FENCE.finditer(markdown):
        before, previous_end = markdown[previous_end : block.start()], block.end()
        body = textwrap.dedent(block["body"])
        if block["lang"] == "sh":
            steps.append(("run", "", body))
        elif block["lang"] == "diff":
            # A blank context line may have lost its one space in the Markdown.
            steps.append(("apply", "", "\n".join(line or " " for line in body.split("\n"))))
        else:
            (path,) = re.findall(r"a new file `([^`]+)`", before.strip().rsplit("\n\n", 1)[-1])
            steps.append(("write", path, body))
    return steps


def apply_recipes(project: Path) -> list[str]:
    """Follow every step of docs/recipes.md in the project; return the files it wrote."""
    written = []
    for kind, target, text in recipe_steps((project / "docs" / "recipes.md").read_text(encoding="utf-8")):
        if kind == "run":
            run("bash", "-euo", "pipefail", "-c", text, cwd=project)
        elif kind == "apply":
            run("git", "apply", "-", cwd=project, input=text)
        else:
            assert not (project / target).exists(), f"{target} is not a new file"
            (project / target).write_text(text, encoding="utf-8")
            written.append(target)
    return written


def add_geometry(project: Path) -> None:
    (project / "crates/src/geometry.rs").write_text(GEOMETRY_RS, encoding="utf-8")
    (project / "tests/test_geometry.py").write_text(GEOMETRY_TESTS, encoding="utf-8")
    lib = project / "crates/src/lib.rs"
    text = lib.read_text(encoding="utf-8").replace(
        "pub mod basic_functions;\n", "pub mod basic_functions;\npub mod geometry;\n"
    )
    export = "    use crate::basic_functions::basic_functions;\n"
    assert export in text
    text = text.replace(export, f"{export}    #[pymodule_export]\n    use crate::geometry::geometry;\n")
    lib.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The new project, instantiated and committed, then with the first week's code."""
    repo = tmp_path_factory.mktemp("first-week") / NAME
    copy_working_tree(repo)
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--no-verify", "--message", "Initial commit")
    run("make", "instantiate", f"NAME={NAME}", "OWNER=zoe", "AUTHOR=Zoe", cwd=repo)
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--no-verify", "--message", f"chore: instantiate {NAME} from the template")
    written = apply_recipes(repo)
    assert {"crates/src/arrays.rs", "crates/src/parallel.rs", "tests/test_arrays.py"} <= set(written)
    add_geometry(repo)
    return repo


@pytest.fixture(scope="module")
def initialised(project: Path) -> Path:
    result = run("make", "init", cwd=project)
    assert "make init: done." in result.stdout, result.stdout
    return project


def test_make_init_installs_the_runtime_dependency_and_passes_the_tests(initialised: Path) -> None:
    python = initialised / ".venv" / "bin" / "python"
    assert run(python, "-c", "import numpy; print(numpy.__version__)").stdout.strip()
    result = run("make", "test", cwd=initialised)
    passed = re.search(r"(\d+) passed", result.stdout)
    assert passed and "make test: all Python and Rust tests passed." in result.stdout, result.stdout
    for test in ("test_arrays.py", "test_parallel.py", "test_geometry.py"):
        assert f"tests/{test}" in run(python, "-m", "pytest", "--collect-only", "-q", cwd=initialised).stdout


def test_the_crates_are_pinned_and_the_build_stays_locked(initialised: Path) -> None:
    lock = (initialised / "crates/Cargo.lock").read_text(encoding="utf-8")
    assert 'name = "numpy"' in lock and 'name = "rayon"' in lock


def test_the_build_wrote_the_stubs_of_every_new_item(initialised: Path) -> None:
    # No .pyi was written by hand: make init's build wrote them from the Rust code.
    stubs = initialised / "src" / PACKAGE / "_accelerate"
    arrays = (stubs / "arrays.pyi").read_text(encoding="utf-8")
    assert re.search(r"def scaled\(\s*values: numpy\.typing\.NDArray\[numpy\.float64\], factor:", arrays), arrays
    assert ") -> numpy.typing.NDArray[numpy.float64]:" in arrays, arrays
    assert "import numpy.typing" in arrays and "Return the sum of a float64 array" in arrays
    geometry = (stubs / "geometry.pyi").read_text(encoding="utf-8")
    for expected in ("class NegativeSideError(ValueError):", "class Rectangle:", "def __new__(", "@width.setter"):
        assert expected in geometry, geometry
    assert "def pi_on_all_cores(steps: SupportsIndex, /) -> float:" in (stubs / "parallel.pyi").read_text("utf-8")
    assert run("make", "stubtest", cwd=initialised).returncode == 0


def test_make_lint_and_a_commit_through_the_hooks_pass(initialised: Path) -> None:
    result = run("make", "lint", cwd=initialised, check=False)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    git(initialised, "add", "--all")
    identity = ["-c", "user.name=Zoe", "-c", "user.email=zoe@example.com", "-c", "commit.gpgsign=false"]
    message = "feat: NumPy arrays, a parallel loop and rectangles"
    result = run("git", *identity, "commit", "--message", message, cwd=initialised, check=False)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert git(initialised, "status", "--porcelain") == ""


@pytest.mark.parametrize("checks", ["checks/test_docs.py", "checks/test_packaging.py"])
def test_the_machinerys_checks_pass_on_it_unedited(initialised: Path, checks: str) -> None:
    # As `make check PYTEST_ARGS=<file>` runs them there, without nesting the whole tier.
    result = run(initialised / ".venv/bin/python", "-m", "pytest", checks, cwd=initialised, check=False)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-3000:]
    skipped = [line for line in result.stdout.splitlines() if line.startswith("SKIPPED")]
    assert all("Chromium" in line for line in skipped), skipped  # a browser is the one thing it may lack
