"""The sdist and the release (optimised, abi3) wheel: built for real, installed in fresh venvs."""

import os
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, find_python, require_python

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
FLOOR = PYPROJECT["tool"]["distutils"]["bdist_wheel"]["py_limited_api"]  # e.g. "cp310"
FLOOR_VERSION = f"{FLOOR[2]}.{FLOOR[3:]}"  # e.g. "3.10"

# Run inside each fresh venv: every function, including the overflow that a
# release build would wrap silently without checked arithmetic.
SMOKE_TEST = """
import project_name as p
assert p.add_in_rust(2, 3) == 5 and p.subtract_in_rust(2, 3) == -1
assert p.concat_in_rust("Zoë ", "🦀") == "Zoë 🦀"
try:
    p.add_in_rust(2**31 - 1, 1)
except OverflowError:
    pass
else:
    raise SystemExit("add_in_rust(2**31 - 1, 1) did not raise OverflowError")
print(p.__version__)
"""


def test_floor_python_is_consistent() -> None:
    assert PYPROJECT["project"]["requires-python"] == f">={FLOOR_VERSION}", (
        "requires-python and [tool.distutils.bdist_wheel] py_limited_api must name the same floor"
    )


def run(*args: str | Path, **kwargs) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="session")
def sdist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sdist")
    run(sys.executable, "-m", "build", "--sdist", "--outdir", out, ROOT)
    (path,) = out.glob("*.tar.gz")
    return path


@pytest.fixture(scope="session")
def release_wheel(sdist: Path, tmp_path_factory) -> Path:
    """A wheel built from the sdist alone, as pip would on a machine without the repo."""
    out = tmp_path_factory.mktemp("wheel")
    # Reuse the repository's cargo target directory so dependencies compiled in
    # release mode by an earlier run are not compiled again.
    env = {**os.environ, "CARGO_TARGET_DIR": str(ROOT / "crates" / "target")}
    run(sys.executable, "-m", "build", "--wheel", "--outdir", out, sdist, env=env)
    (path,) = out.glob("*.whl")
    return path


@pytest.mark.release
def test_sdist_holds_everything_to_build_and_nothing_stray(sdist: Path) -> None:
    with tarfile.open(sdist) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    tracked = run("git", "ls-files", cwd=ROOT).stdout.split()
    for path in tracked:
        if path.startswith(("crates/", "src/", "tests/")) or path in {"pyproject.toml", "LICENSE"}:
            assert path in names, f"{path} is missing from the sdist"
    stray = [n for n in names if n.startswith((".github", ".ci", "crates/target")) or n.endswith((".so", ".pyd"))]
    assert not stray, f"the sdist carries files it does not need: {stray}"


@pytest.mark.release
def test_release_wheel_is_one_abi3_wheel_for_the_floor(release_wheel: Path) -> None:
    assert re.search(rf"-{FLOOR}-abi3-[^-]+\.whl$", release_wheel.name), release_wheel.name
    with zipfile.ZipFile(release_wheel) as whl:
        names = whl.namelist()
    assert any(re.fullmatch(r"project_name/_accelerate\.abi3\.(so|pyd)", n) for n in names), names
    assert {"project_name/py.typed", "project_name/_accelerate/basic_functions.pyi"} <= set(names)


@pytest.mark.release
@pytest.mark.parametrize("python", ["floor", "current"])
def test_release_wheel_works_without_rust(python: str, release_wheel: Path, tmp_path: Path) -> None:
    interpreter = require_python(FLOOR_VERSION) if python == "floor" else sys.executable
    venv = tmp_path / "venv"
    run(interpreter, "-m", "venv", venv)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    run(bindir / "python", "-m", "pip", "install", "--quiet", "--no-index", release_wheel)
    # No cargo or rustc on PATH: the wheel must not need them.
    env = {**os.environ, "PATH": str(bindir)}
    result = run(bindir / "python", "-c", SMOKE_TEST, env=env, cwd=tmp_path)
    assert result.stdout.strip() == release_wheel.name.split("-")[1]


def test_find_python_reports_absent_versions() -> None:
    assert find_python("2.99") is None
    assert find_python(f"{sys.version_info[0]}.{sys.version_info[1]}") is not None
