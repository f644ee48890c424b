"""The sdist and the release (optimised, abi3) wheel: built as a release builds them, installed in fresh venvs.

The release tests build once, with `make sdist wheel`, in a copy of this
working tree committed to a scratch git repository and tagged RELEASE_TAG, as
the release workflow checks out a tag. The other tests also run in
cibuildwheel, against each installed wheel (see [tool.cibuildwheel]).
"""

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, copy_working_tree, find_python, require_python

tomllib = pytest.importorskip("tomllib", reason="reads pyproject.toml with Python 3.11+")

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
FLOOR = PYPROJECT["tool"]["distutils"]["bdist_wheel"]["py_limited_api"]  # e.g. "cp310"
FLOOR_VERSION = f"{FLOOR[2]}.{FLOOR[3:]}"  # e.g. "3.10"
DIST_NAME = re.sub(r"[-_.]+", "_", PYPROJECT["project"]["name"]).lower()  # as in file names
RELEASE_TAG = "v1.2.3"

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
assert all(callable(getattr(p, name)) for name in p.__all__ if name != "__version__")
print(p.__version__)
"""


def test_floor_python_is_consistent() -> None:
    assert PYPROJECT["project"]["requires-python"] == f">={FLOOR_VERSION}", (
        "requires-python and [tool.distutils.bdist_wheel] py_limited_api must name the same floor"
    )


@pytest.mark.skipif(not sysconfig.get_config_var("Py_GIL_DISABLED"), reason="needs a free-threaded CPython")
def test_extension_keeps_the_gil_disabled(tmp_path: Path) -> None:
    # cibuildwheel runs this on each free-threaded CPython (3.14t, ...). An
    # extension that does not declare free-threading support turns the GIL
    # back on when imported, with a RuntimeWarning.
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_GIL"}
    code = "import sys, project_name; assert not sys._is_gil_enabled(), 'importing project_name enabled the GIL'"
    run(sys.executable, "-W", "error::RuntimeWarning", "-c", code, cwd=tmp_path, env=env)


def run(*args: str | Path, **kwargs) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without the variables of an enclosing git hook or make run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "MAKE", "MFLAGS"))}
    return {**env, **extra}


def git(repo: Path, *args: str) -> str:
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"]
    return run("git", *identity, *args, cwd=repo, env=clean_env()).stdout.strip()


@pytest.fixture(scope="session")
def tagged_checkout(tmp_path_factory) -> Path:
    """This working tree (uncommitted changes too) committed in a new repository, tagged RELEASE_TAG."""
    repo = tmp_path_factory.mktemp("checkout")
    copy_working_tree(repo)
    git(repo, "init", "--quiet")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--no-verify", "--message", "feat: the release")
    git(repo, "tag", RELEASE_TAG)
    return repo


@pytest.fixture(scope="session")
def dist(tagged_checkout: Path) -> Path:
    """`make sdist wheel` in the tagged checkout: its dist/ holds the sdist and the checked wheel."""
    # With this repository's .venv (the build tools) and cargo cache (only the
    # crate itself is compiled again).
    env = clean_env(CARGO_TARGET_DIR=str(ROOT / "crates" / "target"))
    run("make", "sdist", "wheel", f"PY={Path(sys.executable).as_posix()}", cwd=tagged_checkout, env=env)
    return tagged_checkout / "dist"


@pytest.fixture(scope="session")
def sdist(dist: Path) -> Path:
    (path,) = dist.glob("*.tar.gz")
    return path


@pytest.fixture(scope="session")
def release_wheel(dist: Path) -> Path:
    """The wheel built from the sdist alone, as pip builds it on a machine without the repository."""
    (path,) = dist.glob("*.whl")
    return path


@pytest.mark.release
def test_sdist_holds_everything_to_build_and_nothing_stray(sdist: Path) -> None:
    with tarfile.open(sdist) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    tracked = run("git", "ls-files", cwd=ROOT).stdout.split()
    for path in tracked:
        if path.startswith(("crates/", "src/", "tests/")) or path in {"pyproject.toml", "setup.py", "LICENSE"}:
            assert path in names, f"{path} is missing from the sdist"
    stray = [n for n in names if n.startswith((".github", ".ci", "crates/target")) or n.endswith((".so", ".pyd"))]
    assert not stray, f"the sdist carries files it does not need: {stray}"


@pytest.mark.release
def test_release_wheel_is_one_abi3_wheel_for_the_floor(release_wheel: Path) -> None:
    assert re.search(rf"-{FLOOR}-abi3-[^-]+\.whl$", release_wheel.name), release_wheel.name
    if sys.platform == "linux":  # repaired by auditwheel: runs on any Linux with that glibc or newer
        assert re.search(r"-manylinux_\d+_\d+_[a-z0-9_]+\.whl$", release_wheel.name), release_wheel.name
    with zipfile.ZipFile(release_wheel) as whl:
        names = whl.namelist()
    assert any(re.fullmatch(r"project_name/_accelerate\.abi3\.(so|pyd)", n) for n in names), names
    assert {"project_name/py.typed", "project_name/_accelerate/basic_functions.pyi"} <= set(names)


@pytest.mark.release
def test_version_comes_from_the_tag(sdist: Path, release_wheel: Path) -> None:
    version = RELEASE_TAG.removeprefix("v")
    assert sdist.name == f"{DIST_NAME}-{version}.tar.gz"
    assert release_wheel.name.startswith(f"{DIST_NAME}-{version}-")
    with tarfile.open(sdist) as tar:
        pkg_info = tar.extractfile(f"{DIST_NAME}-{version}/PKG-INFO").read().decode()
    with zipfile.ZipFile(release_wheel) as whl:
        metadata = whl.read(f"{DIST_NAME}-{version}.dist-info/METADATA").decode()
    assert f"\nVersion: {version}\n" in pkg_info and f"\nVersion: {version}\n" in metadata


@pytest.mark.release
def test_version_between_tags_and_without_git(tmp_path: Path) -> None:
    shutil.copy2(ROOT / "pyproject.toml", tmp_path)

    def version() -> str:
        return run(sys.executable, "-m", "setuptools_scm", cwd=tmp_path, env=clean_env()).stdout.strip()

    git(tmp_path, "init", "--quiet")
    git(tmp_path, "add", "--all")
    git(tmp_path, "commit", "--quiet", "--message", "feat: start")
    assert re.fullmatch(r"0\.0\.1\.dev1\+g[0-9a-f]+", version())  # no tag yet: a dev version
    git(tmp_path, "tag", "v1.2.3")
    git(tmp_path, "commit", "--quiet", "--allow-empty", "--message", "fix: after the release")
    assert re.fullmatch(r"1\.2\.4\.dev1\+g[0-9a-f]+", version())  # after the tag: the next patch, dev
    shutil.rmtree(tmp_path / ".git")  # sources without their history
    assert version() == "0.0.0"


@pytest.mark.release
def test_free_threaded_build_is_version_specific() -> None:
    # setuptools refuses py_limited_api on a free-threaded CPython, so setup.py
    # drops it there. Checked on this CPython, told that it is free-threaded:
    # the build configuration, without compiling.
    probe = """
import runpy, sys, sysconfig
import setuptools
from setuptools.dist import Distribution
if sys.argv[1] == "free-threaded":
    sysconfig.get_config_vars()["Py_GIL_DISABLED"] = 1
def configure(**attrs):
    dist = Distribution(attrs)
    dist.parse_config_files()
    bdist_wheel = dist.get_command_obj("bdist_wheel")
    bdist_wheel.ensure_finalized()
    print(bdist_wheel.py_limited_api, bdist_wheel.get_tag()[1])
setuptools.setup = configure
runpy.run_path("setup.py")
"""
    tag = f"cp{sys.version_info[0]}{sys.version_info[1]}"
    for build, expected in [("free-threaded", f"False {tag}"), ("default", f"{FLOOR} abi3")]:
        result = run(sys.executable, "-c", probe, build, cwd=ROOT)
        assert result.stdout.split("\n")[-2] == expected, (build, result.stdout, result.stderr)


def newest_python() -> str:
    """The newest CPython on this machine (at least the one running the tests)."""
    for minor in range(30, sys.version_info[1], -1):
        if path := find_python(f"3.{minor}"):
            return path
    return sys.executable


@pytest.mark.release
@pytest.mark.parametrize("python", ["floor", "newest"])
def test_release_wheel_works_without_rust(python: str, release_wheel: Path, tmp_path: Path) -> None:
    interpreter = require_python(FLOOR_VERSION) if python == "floor" else newest_python()
    venv = tmp_path / "venv"
    run(interpreter, "-m", "venv", venv)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    run(bindir / "python", "-m", "pip", "install", "--quiet", "--no-index", release_wheel)
    # No cargo or rustc on PATH: the wheel must not need them.
    env = {**os.environ, "PATH": str(bindir)}
    result = run(bindir / "python", "-c", SMOKE_TEST, env=env, cwd=tmp_path)
    assert result.stdout.strip() == RELEASE_TAG.removeprefix("v")


@pytest.mark.release
@pytest.mark.parametrize("python", ["floor", "newest"])
def test_cibuildwheel_test_command_passes(python: str, release_wheel: Path, tmp_path: Path) -> None:
    # What cibuildwheel does after each build, on each CPython: a fresh venv
    # with the wheel and its test extras, the test sources in a directory of
    # their own, then the test command. The suite calls every function.
    config = PYPROJECT["tool"]["cibuildwheel"]
    env_dir = tmp_path / "venv"
    run(require_python(FLOOR_VERSION) if python == "floor" else newest_python(), "-m", "venv", env_dir)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    extras = ",".join(config["test-extras"])
    run(bindir / "python", "-m", "pip", "install", "--quiet", f"{release_wheel}[{extras}]")
    workdir = tmp_path / "test"
    workdir.mkdir()
    for source in config["test-sources"]:
        copy = shutil.copytree if (ROOT / source).is_dir() else shutil.copy2
        copy(ROOT / source, workdir / source)
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(config["test-command"], shell=True, cwd=workdir, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_find_python_reports_absent_versions() -> None:
    assert find_python("2.99") is None
    assert find_python(f"{sys.version_info[0]}.{sys.version_info[1]}") is not None
