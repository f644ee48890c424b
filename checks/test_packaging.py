"""The sdist and the release (optimised, abi3) wheel: built as a release builds them, installed in fresh venvs.

They build once, with `make sdist wheel`, in a copy of this working tree
committed to a scratch git repository and tagged RELEASE_TAG, as the release
workflow checks out a tag; that copy sets up a .venv of its own.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement  # pytest depends on packaging

from conftest import ROOT, clean_env, copy_working_tree, find_python, git, require_python, rmtree, run

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
FLOOR = PYPROJECT["tool"]["distutils"]["bdist_wheel"]["py_limited_api"]  # e.g. "cp311"
FLOOR_VERSION = f"{FLOOR[2]}.{FLOOR[3:]}"  # e.g. "3.11"
DIST_NAME = re.sub(r"[-_.]+", "_", PYPROJECT["project"]["name"]).lower()  # as in file names
RELEASE_TAG = "v1.2.3"

PACKAGE = PYPROJECT["tool"]["setuptools-rust"]["ext-modules"][0]["target"].partition(".")[0]  # "project_name"
DEPENDENCIES = PYPROJECT["project"].get("dependencies", [])

# Run inside each fresh venv: the package and every submodule of its extension
# import, and every name their __all__ promises is there. The project's tests
# (tests/) then run against the same wheel, as cibuildwheel runs them.
SMOKE_TEST = f"""
import importlib, types
package = importlib.import_module("{PACKAGE}")
extension = importlib.import_module("{PACKAGE}._accelerate")
modules = [package, *(m for m in vars(extension).values() if isinstance(m, types.ModuleType))]
missing = [f"{{m.__name__}}.{{name}}" for m in modules for name in getattr(m, "__all__", []) if not hasattr(m, name)]
assert not missing, f"__all__ names what is not there: {{missing}}"
print(package.__version__)
"""


def test_floor_python_is_consistent() -> None:
    assert PYPROJECT["project"]["requires-python"] == f">={FLOOR_VERSION}", (
        "requires-python and [tool.distutils.bdist_wheel] py_limited_api must name the same floor"
    )


@pytest.mark.skipif(os.name == "nt", reason="make's shell recipes are checked on Linux and macOS")
@pytest.mark.parametrize("target", ["init", "test"])
def test_a_development_python_below_the_floor_is_refused_before_anything_is_made(tmp_path: Path, target: str) -> None:
    copy_working_tree(tmp_path)
    major, minor = map(int, FLOOR_VERSION.split("."))
    (tmp_path / ".python-version").write_text(f"{major}.{minor - 1}\n", encoding="utf-8")
    before = sorted(path.relative_to(tmp_path) for path in tmp_path.rglob("*"))
    result = run("make", target, cwd=tmp_path, env=clean_env(), check=False)
    assert result.returncode != 0
    assert f"put {FLOOR_VERSION} or newer in .python-version" in result.stdout, result.stdout + result.stderr
    assert sorted(path.relative_to(tmp_path) for path in tmp_path.rglob("*")) == before  # no .venv, nothing


@pytest.fixture(scope="session")
def tagged_checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
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
    run("make", "sdist", "wheel", cwd=tagged_checkout)
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


def test_sdist_holds_everything_to_build_and_nothing_stray(sdist: Path) -> None:
    with tarfile.open(sdist) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    tracked = run("git", "ls-files", cwd=ROOT).stdout.split()
    for path in tracked:
        if path.startswith(("crates/", "src/", "tests/")) or path in {"pyproject.toml", "setup.py", "LICENSE"}:
            assert path in names, f"{path} is missing from the sdist"
    stray = [
        n
        for n in names
        if n.startswith((".github", ".ci", "checks", "benchmarks", "docs", "crates/target"))
        or n.endswith((".so", ".pyd"))
    ]
    assert not stray, f"the sdist carries files it does not need: {stray}"


def test_release_wheel_is_one_abi3_wheel_for_the_floor(release_wheel: Path) -> None:
    assert re.search(rf"-{FLOOR}-abi3-[^-]+\.whl$", release_wheel.name), release_wheel.name
    if sys.platform == "linux":  # repaired by auditwheel: runs on any Linux with that glibc or newer
        assert re.search(r"-manylinux_\d+_\d+_[a-z0-9_]+\.whl$", release_wheel.name), release_wheel.name
    with zipfile.ZipFile(release_wheel) as whl:
        names = whl.namelist()
    # The stable ABI's file names: _accelerate.abi3.so on Linux and macOS, _accelerate.pyd on Windows.
    assert any(re.fullmatch(rf"{PACKAGE}/_accelerate(\.abi3\.so|\.pyd)", n) for n in names), names
    stubs = {path.relative_to(ROOT / "src").as_posix() for path in (ROOT / "src" / PACKAGE).rglob("*.pyi")}
    assert {f"{PACKAGE}/py.typed", *stubs} <= set(names), "the wheel must carry the type information"


def test_only_the_development_build_carries_the_description_of_the_module(release_wheel: Path) -> None:
    # PyO3's description of the module (the crate's `stubs` feature, from which
    # `make build` writes the stubs) is in the in-place build and never in a wheel.
    marker = b"PYO3_INTROSPECTION"
    (development,) = (ROOT / "src" / PACKAGE).glob("_accelerate.*")
    assert marker in development.read_bytes(), f"{development.name}: the development build lacks it"
    with zipfile.ZipFile(release_wheel) as whl:
        (library,) = [name for name in whl.namelist() if re.fullmatch(rf"{PACKAGE}/_accelerate[^/]*\.(so|pyd)", name)]
        assert marker not in whl.read(library), f"{library} carries PyO3's description of the module"


def test_the_wheel_carries_the_bill_of_materials_of_what_it_compiled_in(
    tagged_checkout: Path, release_wheel: Path
) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    with zipfile.ZipFile(release_wheel) as whl:
        (name,) = [n for n in whl.namelist() if re.fullmatch(r"[^/]+\.dist-info/sboms/[^/]+\.cdx\.json", n)]
        text = whl.read(name).decode()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None, "not valid CycloneDX 1.6"
    sbom = json.loads(text)
    # What cargo itself says is compiled in for this platform: the normal dependencies, followed
    # (procedural macros included), not the build-dependencies nor the dev-dependencies.
    tree = run(
        *("cargo", "tree", "--locked", "--edges", "normal", "--prefix", "none", "--format", "{p}"),
        *("--manifest-path", "crates/Cargo.toml", "--target", host_target()),
        cwd=tagged_checkout,
    ).stdout
    compiled = {tuple(line.split()[:2]) for line in tree.splitlines() if line.strip()}
    listed = {(c["name"], "v" + c["version"]) for c in sbom["components"]}
    assert listed == compiled, (
        f"listed but not compiled: {listed - compiled}; compiled but not listed: {compiled - listed}"
    )
    lock = tomllib.loads((tagged_checkout / "crates" / "Cargo.lock").read_text(encoding="utf-8"))
    checksums = {(p["name"], p["version"]): p["checksum"] for p in lock["package"] if "checksum" in p}
    for component in sbom["components"]:
        assert component["licenses"], f"{component['name']} has no license"
        if (component["name"], component["version"]) in checksums:  # from crates.io
            assert component["purl"] == f"pkg:cargo/{component['name']}@{component['version']}"
            assert component["hashes"] == [
                {"alg": "SHA-256", "content": checksums[(component["name"], component["version"])]}
            ]
    package = sbom["metadata"]["component"]
    version = RELEASE_TAG.removeprefix("v")
    assert (package["name"], package["version"]) == (PYPROJECT["project"]["name"], version)
    assert package["purl"] == f"pkg:pypi/{PYPROJECT['project']['name']}@{version}"
    commit_time = int(git(tagged_checkout, "log", "-1", "--format=%ct"))
    assert sbom["metadata"]["timestamp"] == time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(commit_time))


def host_target() -> str:
    output = run("rustc", "-vV").stdout
    return next(line.removeprefix("host: ") for line in output.splitlines() if line.startswith("host: "))


@pytest.mark.skipif(os.name == "nt", reason="make's release recipes are checked on Linux and macOS")
def test_the_same_commit_builds_the_same_files_elsewhere_and_later(
    tagged_checkout: Path, dist: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # A second clone, in another folder, built a while after the first one.
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "clone"
    git(tagged_checkout.parent, "clone", "--quiet", str(tagged_checkout), str(elsewhere))
    run("make", "sdist", "wheel", cwd=elsewhere)

    def digests(folder: Path) -> dict[str, str]:
        return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(folder.iterdir())}

    first, second = digests(dist), digests(elsewhere / "dist")
    assert len(first) == 2 and first == second, (first, second)
    print("".join(f"\n{digest}  {name}" for name, digest in first.items()))  # shown with pytest -s
    # Nothing of the machine that built it: no build folder, no cargo home.
    with zipfile.ZipFile(next(dist.glob("*.whl"))) as whl:
        (library,) = [name for name in whl.namelist() if re.fullmatch(rf"{PACKAGE}/_accelerate[^/]*\.(so|pyd)", name)]
        data = whl.read(library)
    cargo_home = os.environ.get("CARGO_HOME", str(Path.home() / ".cargo"))
    for path in (str(tagged_checkout), str(elsewhere), cargo_home, str(Path.home())):
        assert path.encode() not in data, f"{library} holds the path {path}"


def test_version_comes_from_the_tag(sdist: Path, release_wheel: Path) -> None:
    version = RELEASE_TAG.removeprefix("v")
    assert sdist.name == f"{DIST_NAME}-{version}.tar.gz"
    assert release_wheel.name.startswith(f"{DIST_NAME}-{version}-")
    with tarfile.open(sdist) as tar:
        member = tar.extractfile(f"{DIST_NAME}-{version}/PKG-INFO")
        assert member is not None
        pkg_info = member.read().decode()
    with zipfile.ZipFile(release_wheel) as whl:
        metadata = whl.read(f"{DIST_NAME}-{version}.dist-info/METADATA").decode()
    assert f"\nVersion: {version}\n" in pkg_info and f"\nVersion: {version}\n" in metadata


def test_the_wheel_declares_exactly_the_project_s_dependencies(release_wheel: Path) -> None:
    # [project] dependencies, as written; nothing of the dependency groups (the
    # development tools), which the wheel's metadata does not carry.
    with zipfile.ZipFile(release_wheel) as whl:
        name = next(n for n in whl.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = whl.read(name).decode()
    declared = [
        line.removeprefix("Requires-Dist: ") for line in metadata.splitlines() if line.startswith("Requires-Dist:")
    ]
    assert sorted(map(str, map(Requirement, declared))) == sorted(map(str, map(Requirement, DEPENDENCIES)))
    assert not [line for line in metadata.splitlines() if line.startswith("Provides-Extra:")]
    assert PYPROJECT["dependency-groups"]["test"], "the test group still exists for cibuildwheel"


# --- the long description: README.md, the package's page on PyPI ----------------------

FRONT_PAGES = [path for path in (ROOT / "README.md", ROOT / ".github/template/README.md") if path.is_file()]


def test_the_long_description_renders_on_pypi(sdist: Path, release_wheel: Path) -> None:
    result = run(
        ROOT / ".venv" / ("Scripts" if os.name == "nt" else "bin") / "twine", "check", "--strict", sdist, release_wheel
    )
    assert result.stdout.count("PASSED") == 2, result.stdout + result.stderr


@pytest.mark.parametrize("page", FRONT_PAGES, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_the_front_page_links_only_to_full_addresses(page: Path) -> None:
    # PyPI shows README.md as the package's page: a relative link (LICENSE, CONTRIBUTING.md) leads nowhere there.
    text = re.sub(r"(?ms)^```.*?^```", "", page.read_text(encoding="utf-8"))
    targets = re.findall(r"\]\(([^)\s]+)\)", text) + re.findall(r"<(?:a|img)\b[^>]*(?:href|src)=\"([^\"]+)\"", text)
    relative = [target for target in targets if not re.match(r"(https?|mailto):", target)]
    assert not relative, f"{page.name} links to {relative}: write the full https://... address"


def test_the_front_page_examples_run() -> None:
    # Its `pycon` examples, run as doctests against the package that make build installed.
    examples = [
        block for page in FRONT_PAGES for block in re.findall(r"(?ms)^```pycon\n(.*?)^```", page.read_text("utf-8"))
    ]
    assert examples, "the front page shows how to use the package, as a pycon example"
    probe = "import doctest, sys\nfailed = 0\nfor text in sys.argv[1:]:\n"
    probe += "    test = doctest.DocTestParser().get_doctest(text, {}, 'README', None, 0)\n"
    probe += "    failed += doctest.DocTestRunner(optionflags=doctest.ELLIPSIS).run(test).failed\n"
    probe += "sys.exit(failed)\n"
    result = run(sys.executable, "-c", probe, *examples, cwd=ROOT, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


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
    rmtree(tmp_path / ".git")  # sources without their history
    assert version() == "0.0.0"


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


@pytest.mark.parametrize("python", ["floor", "newest"])
def test_release_wheel_works_without_rust(python: str, release_wheel: Path, tmp_path: Path) -> None:
    interpreter = require_python(FLOOR_VERSION) if python == "floor" else newest_python()
    venv = tmp_path / "venv"
    run(interpreter, "-m", "venv", venv)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    # The wheel and the dependencies it declares, from the package index (uv's cache first).
    run("uv", "pip", "install", "--quiet", "--python", bindir / "python", release_wheel)
    # No cargo or rustc on PATH: the wheel must not need them.
    env = clean_env(PATH=str(bindir))
    result = run(bindir / "python", "-c", SMOKE_TEST, env=env, cwd=tmp_path)
    assert result.stdout.strip() == RELEASE_TAG.removeprefix("v")


@pytest.mark.parametrize("python", ["floor", "newest"])
def test_cibuildwheel_test_command_passes(python: str, release_wheel: Path, tmp_path: Path) -> None:
    # What cibuildwheel does after each build, on each CPython: a fresh venv
    # with the wheel and its test dependency groups, the test sources in a directory of
    # their own, then the test command. The suite calls every function.
    config = PYPROJECT["tool"]["cibuildwheel"]
    env_dir = tmp_path / "venv"
    run(require_python(FLOOR_VERSION) if python == "floor" else newest_python(), "-m", "venv", env_dir)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    groups = [f"--group={ROOT / 'pyproject.toml'}:{group}" for group in config["test-groups"]]
    run("uv", "pip", "install", "--quiet", "--python", bindir / "python", release_wheel, *groups)
    workdir = tmp_path / "test"
    workdir.mkdir()
    for source in config["test-sources"]:
        copy = shutil.copytree if (ROOT / source).is_dir() else shutil.copy2
        copy(ROOT / source, workdir / source)
    env = clean_env()
    env["PATH"] = f"{bindir}{os.pathsep}{env['PATH']}"
    result = subprocess.run(config["test-command"], shell=True, cwd=workdir, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_find_python_reports_absent_versions() -> None:
    assert find_python("2.99") is None
    assert find_python(f"{sys.version_info[0]}.{sys.version_info[1]}") is not None
