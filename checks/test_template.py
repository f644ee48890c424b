"""The template's own machinery: `make instantiate`, the Instantiate workflow and its gate.

Each test works on a copy of this tree made as GitHub makes a repository from a
template (a fresh `git init`, one commit, no tags) and instantiates it. The
instantiation deletes this file, with .github/template/ and the flag.
"""

import html
import importlib.machinery
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml  # PyYAML, which pre-commit depends on

from conftest import ROOT, clean_env, copy_working_tree, require_python, rmtree
from test_repo_review import failures, review

PROGRAM = ".github/template/instantiate.py"
FLAG = ".github/template_flag.yml"
WORKFLOW = ROOT / ".github/workflows/instantiate.yml"
TEMPLATE_DESCRIPTION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["description"]
TRACE = re.compile(r"(?i:project[-_.]name)|your-name|Your Name")
YEAR = str(date.today().year)
LINUX = sys.platform.startswith("linux")
# The workflow runs on GitHub's Ubuntu runners, `make instantiate` under make and bash.
pytestmark = pytest.mark.skipif(os.name == "nt", reason="the template machinery is not tested on Windows")
only_linux = pytest.mark.skipif(not LINUX, reason="runs on Linux, as the workflow does")

# Everything awkward at once, for descriptions and authors.
AWKWARD = (
    "Fast \"maths\" & 'more': a/b \\ c $(rm -rf /) `id` ${HOME} %s {0} <b>bold</b> *not* _em_ [x](y) | 🦀\n"
    "# not a heading\n"
    "- not a list\n"
    "1. nor this\n"
    "    indented line"
)
AWKWARD_AUTHOR = 'Zoë O\'Brien & "Bob" \\ `whoami` $(id)'


def one_line(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", text.strip())


def markdown_unescape(text: str) -> str:
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)


# --- copies of the template ------------------------------------------------------------


def git(root: Path, *args: str, env: dict[str, str]) -> str:
    result = subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"git {args}: {result.stderr}"
    return result.stdout


def project_files(root: Path, env: dict[str, str]) -> list[str]:
    out = git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", env=env)
    return sorted(p for p in out.split("\0") if p and (root / p).is_file())


def workflow_files(root: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in (root / ".github/workflows").iterdir()}


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under root but .git/, with its bytes and mode."""
    return {
        str(path.relative_to(root)): (path.read_bytes(), path.stat().st_mode)
        for path in root.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(root).parts[:1]
    }


@pytest.fixture(scope="session")
def git_env(tmp_path_factory) -> dict[str, str]:
    """A git that knows a user (as a developer's does) and nothing else of this machine."""
    home = tmp_path_factory.mktemp("home")
    (home / "gitconfig").write_text("[user]\n\tname = Config User\n\temail = config@example.com\n", encoding="utf-8")
    return clean_env(GIT_CONFIG_GLOBAL=str(home / "gitconfig"), GIT_CONFIG_NOSYSTEM="1")


@pytest.fixture(scope="session")
def pristine(tmp_path_factory: pytest.TempPathFactory, git_env) -> Path:
    """This tree as GitHub copies a template: its files, a fresh git init, one commit, no tags."""
    root = tmp_path_factory.mktemp("pristine") / "template"
    copy_working_tree(root)
    git(root, "init", "--quiet", "--initial-branch=main", env=git_env)
    git(root, "add", "--all", env=git_env)
    git(root, "commit", "--quiet", "--message", "Initial commit", env=git_env)
    return root


@pytest.fixture
def copy(pristine: Path, tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(pristine, root, symlinks=True)
    return root


def instantiate(root: Path, env: dict[str, str], python: str = sys.executable, **values: str):
    """Run the program as make and the workflow do: values in INSTANTIATE_* variables."""
    env = {**env, **{f"INSTANTIATE_{key.upper()}": value for key, value in values.items()}}
    return subprocess.run([python, PROGRAM], cwd=root, env=env, capture_output=True, text=True)


# --- names that work -----------------------------------------------------------------

# (name, import name given, description, author, owner) -> (distribution, import package)
ACCEPTED = {
    "dots-and-case": (("My.Cool-Repo", "", AWKWARD, AWKWARD_AUTHOR, "zoe"), ("my-cool-repo", "my_cool_repo")),
    "underscore": (("rust_speed", "", 'He said "hi" & left', "Ann & Bob", "some-org"), ("rust-speed", "rust_speed")),
    "one-letter": (("x", "", "C:\\path\\to `x`", "Zoë O'Brien", "a"), ("x", "x")),
    "separator-mix": (("a-b_c.d", "", "", "", "owner1"), ("a-b-c-d", "a_b_c_d")),
    "separators-at-ends": (("__Weird..Name--", "", "line one\nline two", "", "o"), ("weird-name", "weird_name")),
    "leading-digit-explicit": (("3d-tools", "three_d_tools", "3D & more", "Ada", "o"), ("3d-tools", "three_d_tools")),
    "keyword-explicit": (("class", "klass", "", "Ada", "o"), ("class", "klass")),
    "stdlib-explicit": (("json", "json_tools", "", "Ada", "o"), ("json", "json_tools")),
    "capitalised-keyword": (("None", "", "", "Ada", "o"), ("none", "none")),  # `none` is no keyword
}


def check_instantiated(root: Path, env: dict[str, str], values: tuple[str, ...], expected: tuple[str, str]) -> None:
    name, _, description, author, owner = values
    dist, package = expected
    description = description or TEMPLATE_DESCRIPTION
    author = one_line(author) or "Config User"  # git config user.name when not given
    files = project_files(root, env)

    # The template machinery is gone, and with it every trace of the template's identity.
    for gone in (FLAG, ".github/template", "checks/test_template.py", "src/project_name"):
        assert not (root / gone).exists(), gone
    assert (root / "src" / package / "__init__.py").is_file()
    for path in files:
        assert not TRACE.search(path), path
        if path.startswith(".github/workflows/"):
            continue
        text = (root / path).read_text(encoding="utf-8")
        trace = TRACE.search(text)
        assert not trace, f"{path}: {trace.group()!r} left"
        if description != TEMPLATE_DESCRIPTION:
            assert TEMPLATE_DESCRIPTION not in text, path
        assert "template-only" not in text, path

    # Nothing under .github/workflows/ changed.
    assert workflow_files(root) == workflow_files(ROOT)

    # Every TOML and YAML file parses; Python compiles.
    for path in files:
        if path.endswith((".toml", ".lock")):
            tomllib.loads((root / path).read_text(encoding="utf-8"))
        elif path.endswith((".yml", ".yaml")):
            list(yaml.safe_load_all((root / path).read_text(encoding="utf-8")))
        elif path.endswith((".py", ".pyi")):
            compile((root / path).read_text(encoding="utf-8"), path, "exec")

    pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    project = pyproject["project"]
    assert project["name"] == dist
    assert project["description"] == one_line(description)
    assert project["authors"] == [{"name": author}]
    assert project["urls"]["Homepage"] == f"https://github.com/{owner}/{name}"
    assert project["urls"]["Documentation"] == f"https://{owner.lower()}.github.io/{name}/"  # GitHub Pages
    assert pyproject["tool"]["setuptools-rust"]["ext-modules"][0]["target"] == f"{package}._accelerate"
    cargo = tomllib.loads((root / "crates/Cargo.toml").read_text(encoding="utf-8"))
    assert cargo["package"]["name"] == cargo["lib"]["name"] == f"{package}_accelerate"

    record = tomllib.loads((root / ".github/template-origin.toml").read_text(encoding="utf-8"))
    assert record["answers"]["name"] == name and record["answers"]["import_name"] == package
    assert record["answers"]["description"] == description.strip() and record["answers"]["author"] == author

    readme = (root / "README.md").read_text(encoding="utf-8")
    assert readme.startswith(f"# {dist}\n")
    assert f"https://github.com/{owner}/{name}/" in readme
    paragraph = readme.split("\n\n")[2]  # title, badge, description
    assert markdown_unescape(paragraph) == "\n".join(line.strip() for line in description.split("\n"))
    assert f"Copyright (c) {YEAR} {author}\n" in (root / "LICENSE").read_text(encoding="utf-8")

    # The instantiated Makefile has no `instantiate` target left.
    help_text = subprocess.run(["make", "help"], cwd=root, env=env, capture_output=True, text=True).stdout
    assert "instantiate" not in help_text and "init" in help_text


@pytest.fixture(scope="session")
def cargo_target(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cargo target directory for every renamed crate: they share the compiled
    dependencies, and each still compiles from its own sources."""
    return tmp_path_factory.mktemp("cargo-target")


def build_and_import(root: Path, env: dict[str, str], target: Path, dist: str, package: str) -> None:
    """Compile the renamed crate and import the package under its new name."""
    if not LINUX:
        return  # compiling each renamed crate is checked on Linux
    cargo_env = {**env, "CARGO_TARGET_DIR": str(target), "PYO3_PYTHON": sys.executable}
    lock = (root / "crates/Cargo.lock").read_bytes()
    build = subprocess.run(
        ["cargo", "build", "--quiet", "--lib", "--manifest-path", "crates/Cargo.toml"],
        cwd=root,
        env=cargo_env,
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr
    assert (root / "crates/Cargo.lock").read_bytes() == lock, "cargo rewrote Cargo.lock: it was not in cargo's order"
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    shutil.copy(target / "debug" / f"lib{package}_accelerate.so", root / "src" / package / f"_accelerate{suffix}")
    # What an installed distribution would provide: its metadata, found by name.
    metadata = root / "metadata" / f"{dist.replace('-', '_')}-0.0.0.dist-info"
    metadata.mkdir(parents=True)
    (metadata / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.0.0\n", encoding="utf-8")
    probe = f"""
import sys
sys.path[:0] = ["src", "metadata"]
import {package} as p
from {package}._accelerate import basic_functions
assert p.add_in_rust(2, 3) == 5 and p.__version__ == "0.0.0", p.__version__
assert basic_functions.add_in_rust.__module__ == "{package}._accelerate.basic_functions"
assert p.__file__.endswith("src/{package}/__init__.py"), p.__file__
"""
    result = subprocess.run([sys.executable, "-c", probe], cwd=root, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("values, expected", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_instantiation_renames_everything(copy: Path, git_env, cargo_target: Path, values, expected) -> None:
    name, import_name, description, author, owner = values
    result = instantiate(
        copy, git_env, name=name, import_name=import_name, description=description, author=author, owner=owner
    )
    assert result.returncode == 0, result.stderr
    check_instantiated(copy, git_env, values, expected)
    build_and_import(copy, git_env, cargo_target, *expected)


def test_owner_comes_from_the_origin_remote(copy: Path, git_env) -> None:
    git(copy, "remote", "add", "origin", "git@github.com:zoe/Rusty.git", env=git_env)
    result = instantiate(copy, git_env, name="Rusty")
    assert result.returncode == 0, result.stderr
    check_instantiated(copy, git_env, ("Rusty", "", "", "", "zoe"), ("rusty", "rusty"))


def test_missing_owner_keeps_the_placeholder_and_says_so(copy: Path, git_env) -> None:
    result = instantiate(copy, git_env, name="lonely")
    assert result.returncode == 0, result.stderr
    assert "no OWNER given" in result.stderr
    assert "https://github.com/your-name/lonely/" in (copy / "README.md").read_text(encoding="utf-8")


def test_a_clone_of_the_template_is_told_to_start_a_history_of_its_own(copy: Path, git_env) -> None:
    # A clone has the template's commits, which the release notes would list, and the template as origin.
    git(copy, "remote", "add", "origin", "https://github.com/acme/the-template.git", env=git_env)
    git(copy, "commit", "--quiet", "--allow-empty", "--message", "feat: a later template commit", env=git_env)
    result = instantiate(copy, git_env, name="speedy", owner="zoe")
    assert result.returncode == 0, result.stderr
    assert "this clone holds the template's history, and its origin is the template" in result.stdout
    assert "rm -rf .git && git init && git add --all && git commit -m 'chore: instantiate speedy" in result.stdout
    assert "git remote add origin" in result.stdout


def test_floor_python_runs_it(copy: Path, git_env) -> None:
    """The oldest Python the project supports is enough: the program runs before anything is installed."""
    floor = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"]
    python = require_python(floor.removeprefix(">="))
    values = ("My.Cool-Repo", "", AWKWARD, AWKWARD_AUTHOR, "zoe")
    result = instantiate(
        copy,
        git_env,
        python,
        **dict(zip(("name", "import_name", "description", "author", "owner"), values, strict=True)),
    )
    assert result.returncode == 0, result.stderr
    check_instantiated(copy, git_env, values, ("my-cool-repo", "my_cool_repo"))


def test_downloaded_copy_without_git(copy: Path, git_env) -> None:
    """A ZIP download has no .git: .gitignore still decides what belongs to the project."""
    rmtree(copy / ".git")
    ignored = copy / "crates/target/debug/project_name.txt"
    ignored.parent.mkdir(parents=True)
    ignored.write_text("project_name", encoding="utf-8")
    result = instantiate(copy, git_env, name="unzipped", owner="o")
    assert result.returncode == 0, result.stderr
    assert "Next: git init && git add --all && git commit -m 'chore: instantiate unzipped" in result.stdout
    assert ignored.read_text(encoding="utf-8") == "project_name"  # ignored: left alone
    git(copy, "init", "--quiet", env=git_env)
    check_instantiated(copy, git_env, ("unzipped", "", "", "", "o"), ("unzipped", "unzipped"))


# --- free text in every format --------------------------------------------------------

EXTRA_FILES = {  # untracked files, which instantiation must handle like tracked ones
    "src/project_name/_about.py": (
        '"""About project_name."""\n'
        'AUTHOR = "Your Name"\n'
        "SUMMARY = 'A Python package with a Rust core, built with PyO3 and setuptools-rust.'\n"
        'LONG = """A Python package with a Rust core, built with PyO3 and setuptools-rust."""\n'
        "# Maintained by Your Name\n"
    ),
    "docs/about.md": (
        "Written by Your Name.\n\nA Python package with a Rust core, built with PyO3 and setuptools-rust.\n"
    ),
    "docs/extra.toml": '# Your Name\n[about]\nby = "Your Name"\nin_list = ["Your Name"]\n',
}


def test_description_and_author_are_escaped_for_each_format(copy: Path, git_env) -> None:
    for path, text in EXTRA_FILES.items():
        (copy / path).parent.mkdir(parents=True, exist_ok=True)
        (copy / path).write_text(text, encoding="utf-8")
    values = ("My.Cool-Repo", "", AWKWARD, AWKWARD_AUTHOR, "zoe")
    result = instantiate(copy, git_env, name="My.Cool-Repo", description=AWKWARD, author=AWKWARD_AUTHOR, owner="zoe")
    assert result.returncode == 0, result.stderr
    check_instantiated(copy, git_env, values, ("my-cool-repo", "my_cool_repo"))

    about: dict[str, object] = {}
    exec((copy / "src/my_cool_repo/_about.py").read_text(encoding="utf-8"), about)
    assert about["AUTHOR"] == one_line(AWKWARD_AUTHOR)
    assert about["SUMMARY"] == about["LONG"] == AWKWARD  # Python strings keep every line
    assert f"# Maintained by {one_line(AWKWARD_AUTHOR)}\n" in (copy / "src/my_cool_repo/_about.py").read_text("utf-8")

    markdown = (copy / "docs/about.md").read_text(encoding="utf-8").split("\n\n")
    assert markdown_unescape(markdown[0]) == f"Written by {one_line(AWKWARD_AUTHOR)}."
    assert markdown_unescape(markdown[1].rstrip("\n")) == "\n".join(line.strip() for line in AWKWARD.split("\n"))

    extra = tomllib.loads((copy / "docs/extra.toml").read_text(encoding="utf-8"))
    assert extra["about"] == {"by": one_line(AWKWARD_AUTHOR), "in_list": [one_line(AWKWARD_AUTHOR)]}
    assert (copy / "docs/extra.toml").read_text(encoding="utf-8").startswith(f"# {one_line(AWKWARD_AUTHOR)}\n")


# --- refusals and failures leave the tree as it was -----------------------------------

# (values given, words the message must hold)
REFUSED = {
    "empty": ({"name": ""}, ["NAME is missing"]),
    "leading-digit": ({"name": "3d-tools"}, ["'3d_tools'", "starts with a digit", "IMPORT_NAME=", "Run workflow"]),
    "keyword": ({"name": "class"}, ["keyword", "IMPORT_NAME="]),
    "stdlib-json": ({"name": "json"}, ["standard-library", "IMPORT_NAME="]),
    "stdlib-test": ({"name": "test"}, ["standard-library"]),
    "stdlib-typing": ({"name": "Typing"}, ["standard-library"]),
    "stdlib-removed-in-3.13": ({"name": "telnetlib"}, ["standard-library"]),
    "build-tool": ({"name": "build"}, ["tool"]),
    "ignored-directory": ({"name": "dist"}, [".gitignore ignores", "IMPORT_NAME="]),
    "non-ascii": ({"name": "Zoë-tools"}, ["'ë'", "ASCII"]),
    "space": ({"name": "my repo"}, ["' '", "ASCII"]),
    "slash": ({"name": "a/b"}, ["'/'"]),
    "separators-only": ({"name": "-._"}, ["no letter or digit"]),
    "too-long": ({"name": "x" * 101}, ["100 characters"]),
    "template-own-name": ({"name": "project-name"}, ["template's own name"]),
    "template-own-name-variant": ({"name": "Project_Name"}, ["template's own name"]),
    "template-own-import-name": ({"name": "ok", "import_name": "project_name"}, ["template's own"]),
    "import-name-keyword": ({"name": "ok", "import_name": "None"}, ["not a valid import name"]),
    "import-name-hyphen": ({"name": "ok", "import_name": "my-pkg"}, ["not a valid import name"]),
    "import-name-digit": ({"name": "ok", "import_name": "3d"}, ["starts with a digit"]),
    "import-name-stdlib": ({"name": "ok", "import_name": "typing"}, ["standard-library"]),
    "owner": ({"name": "ok", "owner": "not an owner!"}, ["owner"]),
    "control-character": ({"name": "ok", "description": "bell \a"}, ["control characters", "U+0007"]),
}


@pytest.mark.parametrize("values, words", REFUSED.values(), ids=REFUSED.keys())
def test_refused_names_change_nothing(copy: Path, git_env, values: dict[str, str], words: list[str]) -> None:
    before = snapshot(copy)
    result = instantiate(copy, git_env, **values)
    assert result.returncode == 2, result.stdout + result.stderr
    for word in [*words, "Nothing was changed."]:
        assert word in result.stderr, result.stderr
    assert snapshot(copy) == before
    assert git(copy, "status", "--porcelain", env=git_env) == ""


# An untracked file that the program cannot handle safely: it stops before writing.
FAILING_FILES = {
    "yaml-value": ("notes.yaml", "author: Your Name\n", "cannot write the author there safely"),
    "python-f-string": ("src/project_name/_about.py", 'A = f"Your Name"\n', "cannot write the author"),
    "toml-literal-string": ("extra.toml", "a = 'Your Name'\n", "cannot write the author"),
    "unknown-form-of-the-name": ("docs/x.md", "Set PROJECT_NAME first.\n", "'PROJECT_NAME' is a form"),
    "unbalanced-marker": ("docs/y.md", "<!-- >>> template-only -->\n", "no matching"),
}


@pytest.mark.parametrize("path, text, words", FAILING_FILES.values(), ids=FAILING_FILES.keys())
def test_failure_before_any_write_changes_nothing(copy: Path, git_env, path: str, text: str, words: str) -> None:
    (copy / path).parent.mkdir(parents=True, exist_ok=True)
    (copy / path).write_text(text, encoding="utf-8")
    before = snapshot(copy)
    result = instantiate(copy, git_env, name="ok-name", author="O'Brien")
    assert result.returncode == 1, result.stdout + result.stderr
    assert words in result.stderr and "Nothing was changed." in result.stderr, result.stderr
    assert snapshot(copy) == before


def test_already_instantiated_tree_is_left_alone(copy: Path, git_env) -> None:
    assert instantiate(copy, git_env, name="first", owner="o").returncode == 0
    # The program is gone with the rest of the machinery; bring it back to run it again.
    (copy / PROGRAM).parent.mkdir(parents=True)
    shutil.copy(ROOT / PROGRAM, copy / PROGRAM)
    before = snapshot(copy)
    result = instantiate(copy, git_env, name="second", owner="o")
    assert result.returncode == 0 and "already instantiated" in result.stdout, result.stdout + result.stderr
    assert snapshot(copy) == before


def test_dry_run_changes_nothing(copy: Path, git_env) -> None:
    before = snapshot(copy)
    result = subprocess.run(
        [sys.executable, PROGRAM, "--name=My.Cool-Repo", "--owner=zoe", "--dry-run"],
        cwd=copy,
        env=git_env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and "renamed src/project_name -> src/my_cool_repo" in result.stdout, result.stderr
    assert snapshot(copy) == before


# --- make instantiate -------------------------------------------------------------------


def test_make_passes_values_unaltered(copy: Path, git_env, tmp_path: Path) -> None:
    canary = tmp_path / "make-expanded-it"
    description = f"$(shell touch {canary}) $$(echo no) $(NAME) {AWKWARD}"
    # NAME in the environment (WSL sets it) must not count: only command-line values do.
    refused = subprocess.run(
        ["make", "instantiate"], cwd=copy, env={**git_env, "NAME": "from-env"}, capture_output=True, text=True
    )
    assert refused.returncode != 0 and "NAME is missing" in refused.stderr
    result = subprocess.run(
        [
            "make",
            "instantiate",
            "NAME=My.Cool-Repo",
            f"DESCRIPTION={description}",
            f"AUTHOR={AWKWARD_AUTHOR}",
            "OWNER=zoe",
        ],
        cwd=copy,
        env=git_env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert not canary.exists()
    check_instantiated(
        copy, git_env, ("My.Cool-Repo", "", description, AWKWARD_AUTHOR, "zoe"), ("my-cool-repo", "my_cool_repo")
    )


# --- the workflow -----------------------------------------------------------------------


def workflow() -> dict[Any, Any]:  # YAML reads the key `on` as True
    flow: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return flow


def test_no_workflow_names_the_template() -> None:
    """Instantiation may not change workflows, so none may hold the template's names."""
    for path in sorted((ROOT / ".github/workflows").glob("*.y*ml")):
        found = TRACE.search(path.read_text(encoding="utf-8"))
        assert not found, f"{path.name} holds {found.group()!r}"


def test_workflow_is_locked_down() -> None:
    flow = workflow()
    assert flow["permissions"] == {}
    assert {name: job["permissions"] for name, job in flow["jobs"].items()} == {
        "gate": {"contents": "read"},
        "instantiate": {"contents": "write"},
        "start-ci": {"actions": "write"},
    }
    assert "github.event.repository.is_template" in flow["jobs"]["gate"]["if"]
    assert set(flow[True]) == {"push", "workflow_dispatch"}  # YAML reads the key `on` as True
    # Pins, credentials and expressions in scripts: test_hooks.py checks them in every workflow.


def evaluate(expression: str, context: dict[str, str]) -> str:
    """The `${{ a || b }}` expressions of the workflow's env: blocks."""
    match = re.fullmatch(r"\$\{\{\s*(.*?)\s*\}\}", expression)
    assert match, expression
    inner = match.group(1)
    return next((context[atom.strip()] for atom in inner.split("||") if context[atom.strip()]), "")


def run_job(job: str, root: Path, env: dict[str, str], context: dict[str, str], tmp_path: Path) -> str:
    """Run a job's `run:` steps as the runner does (bash -eo pipefail), each with its env:."""
    log = []
    for step in workflow()["jobs"][job]["steps"]:
        if "run" not in step:
            continue
        output = tmp_path / "github_output"
        output.write_text("", encoding="utf-8")
        step_env = {key: evaluate(value, context) for key, value in step.get("env", {}).items()}
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=root,
            env={
                **env,
                **step_env,
                "GITHUB_OUTPUT": str(output),
                "GITHUB_STEP_SUMMARY": str(tmp_path / "github_step_summary"),
                "GITHUB_REF": "refs/heads/main",
                "GITHUB_ACTIONS": "true",
            },
            capture_output=True,
            text=True,
        )
        log.append(result.stdout + result.stderr)
        if result.returncode != 0:
            raise AssertionError("\n".join(log))
        for line in output.read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition("=")
            context[f"steps.{step.get('id')}.outputs.{key}"] = value
    return "\n".join(log)


@pytest.fixture
def github_context() -> dict[str, str]:
    return {
        "github.event.repository.is_template": "false",
        "github.event.repository.name": "My.Cool-Repo",
        "github.event.repository.description": AWKWARD,
        "github.event.repository.default_branch": "main",
        "github.repository": "zoe/My.Cool-Repo",
        "github.repository_owner": "zoe",
        "github.event.head_commit.author.name": "Zoë O'Brien",
        "github.actor": "zoe",
        "github.token": "not-a-real-token",
        "inputs.import_name": "",
        "inputs.description": "",
        "inputs.author": "",
    }


@only_linux
def test_gate_script_tells_each_state(copy: Path, git_env, github_context, tmp_path: Path) -> None:
    def state(is_template: str) -> str:
        run_job("gate", copy, git_env, {**github_context, "github.event.repository.is_template": is_template}, tmp_path)
        output = (tmp_path / "github_output").read_text(encoding="utf-8")
        match = re.fullmatch(r"state=(\w+)\n", output)
        assert match, output
        return match.group(1)

    assert state("true") == "template"
    assert state("false") == "uninstantiated"
    assert instantiate(copy, git_env, name="done", owner="o").returncode == 0
    assert state("false") == "instantiated"


def push_target(tmp_path: Path, copy: Path, env: dict[str, str], hook: str | None = None) -> Path:
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "--quiet", "--bare", str(copy), str(origin), env=env)
    if hook:
        (origin / "hooks" / "pre-receive").write_text(f"#!/bin/sh\n{hook}\n", encoding="utf-8")
        (origin / "hooks" / "pre-receive").chmod(0o755)
    git(copy, "remote", "add", "origin", str(origin), env=env)
    return origin


@only_linux
def test_workflow_pushes_one_conventional_commit(copy: Path, git_env, github_context, tmp_path: Path) -> None:
    origin = push_target(tmp_path, copy, git_env)
    before = git(copy, "rev-parse", "HEAD", env=git_env).strip()
    run_job("instantiate", copy, git_env, github_context, tmp_path)
    log = git(origin, "log", "--format=%s", f"{before}..main", env=git_env).splitlines()
    assert log == ["chore: instantiate my-cool-repo from the template"]
    changed = git(origin, "diff", "--name-only", before, "main", env=git_env).split()
    assert FLAG in changed and not [path for path in changed if path.startswith(".github/workflows/")]
    check_instantiated(
        copy, git_env, ("My.Cool-Repo", "", AWKWARD, "Zoë O'Brien", "zoe"), ("my-cool-repo", "my_cool_repo")
    )


# What GitHub answers when a rule refuses the push (its error codes GH013 and
# GH006), or anything else refuses it: a remote hook here says the same.
REFUSED_PUSHES = {
    "ruleset": ("remote: error: GH013: Repository rule violations found for refs/heads/main.", "A ruleset rejected"),
    "protection": ("remote: error: GH006: Protected branch update failed for refs/heads/main.", "branch protection"),
    "other": ("remote: Permission to zoe/My.Cool-Repo.git denied to github-actions[bot].", "Most likely a ruleset"),
}


@only_linux
@pytest.mark.parametrize("answer, explanation", REFUSED_PUSHES.values(), ids=REFUSED_PUSHES.keys())
def test_workflow_explains_a_refused_push(copy: Path, git_env, github_context, tmp_path: Path, answer, explanation):
    origin = push_target(tmp_path, copy, git_env, hook=f"echo '{answer.removeprefix('remote: ')}' >&2; exit 1")
    with pytest.raises(AssertionError) as failure:
        run_job("instantiate", copy, git_env, github_context, tmp_path)
    message = str(failure.value)
    assert "::error title=Cannot push the instantiation::" in message and explanation in message, message
    assert "make instantiate NAME=" in message  # the way that needs no workflow token
    assert "Workflow permissions" not in message  # the job's own `permissions:` already grants contents: write
    assert "steps.push.outputs.pushed" not in github_context
    assert git(origin, "log", "-1", "--format=%s", "main", env=git_env) == "Initial commit\n"


def test_default_branch_run_is_never_cancelled_by_another_branch() -> None:
    # "Include all branches" pushes every branch at once; GitHub keeps one pending
    # run per concurrency group, cancelling older pending ones.
    concurrency = workflow()["concurrency"]
    assert concurrency["cancel-in-progress"] is False

    def group(ref: str) -> str:
        return re.sub(
            r"\$\{\{\s*(github\.\w+)\s*\}\}",
            lambda m: {"github.workflow": "Instantiate", "github.ref": ref}[m[1]],
            concurrency["group"],
        )

    assert group("refs/heads/main") != group("refs/heads/feature")
    assert group("refs/heads/main") == group("refs/heads/main")


FAKE_GH_API = """#!/bin/sh
# Stands in for the GitHub CLI, which cannot reach GitHub here: `gh api repos/...`
# answers the repository's template_repository.clone_url (the --jq query's result).
case "$1 $2" in "api repos/$GH_REPO") printf '%s' "$TEMPLATE_CLONE_URL" ;; *) exit 1 ;; esac
"""


def with_fake_gh(env: dict[str, str], tmp_path: Path, script: str, **extra: str) -> dict[str, str]:
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    (bindir / "gh").write_text(script, encoding="utf-8")
    (bindir / "gh").chmod(0o755)
    return {**env, "PATH": f"{bindir}{os.pathsep}{env['PATH']}", **extra}


@only_linux
def test_workflow_records_the_template_commit_it_was_made_from(copy: Path, git_env, github_context, tmp_path) -> None:
    # The template's own repository: the commit "Use this template" copied, then a later one.
    template = tmp_path / "the-template"
    copy_working_tree(template)
    git(template, "init", "--quiet", env=git_env)
    git(template, "add", "--all", env=git_env)
    git(template, "commit", "--quiet", "--message", "feat: the template", env=git_env)
    made_from = git(template, "rev-parse", "HEAD", env=git_env).strip()
    (template / "LATER.md").write_text("later\n", encoding="utf-8")
    git(template, "add", "--all", env=git_env)
    git(template, "commit", "--quiet", "--message", "feat: later", env=git_env)
    push_target(tmp_path, copy, git_env)
    env = with_fake_gh(git_env, tmp_path, FAKE_GH_API, TEMPLATE_CLONE_URL=str(template))
    run_job("instantiate", copy, env, github_context, tmp_path)
    record = tomllib.loads((copy / ".github/template-origin.toml").read_text(encoding="utf-8"))
    assert record["template"] == {"url": str(template), "commit": made_from}
    assert record["answers"]["name"] == "My.Cool-Repo" and record["answers"]["description"] == AWKWARD
    assert not (tmp_path / "github_step_summary").exists()


@only_linux
def test_workflow_records_what_it_knows_and_says_so(copy: Path, git_env, github_context, tmp_path) -> None:
    first = git(copy, "rev-parse", "HEAD", env=git_env).strip()
    push_target(tmp_path, copy, git_env)
    # A template this job cannot read: the API names it, the clone fails.
    env = with_fake_gh(git_env, tmp_path, FAKE_GH_API, TEMPLATE_CLONE_URL=str(tmp_path / "unreadable.git"))
    log = run_job("instantiate", copy, env, github_context, tmp_path)
    record = tomllib.loads((copy / ".github/template-origin.toml").read_text(encoding="utf-8"))
    assert record["template"] == {"url": str(tmp_path / "unreadable.git"), "commit": first}
    summary = (tmp_path / "github_step_summary").read_text(encoding="utf-8")
    assert f"The record names this repository's first commit, {first}" in summary
    assert "::warning title=Record of origin incomplete::" in log


FAKE_GH = """#!/bin/sh
# Stands in for the GitHub CLI, which cannot reach GitHub here: records its arguments.
echo "$GH_REPO $*" >> "$GH_LOG"
"""


@only_linux
def test_workflow_starts_ci_on_the_instantiated_commit(copy: Path, git_env, github_context, tmp_path: Path) -> None:
    push_target(tmp_path, copy, git_env)
    run_job("instantiate", copy, git_env, github_context, tmp_path)
    jobs = workflow()["jobs"]
    # The job runs only if the push happened: its condition reads the output the push step set.
    assert jobs["start-ci"]["needs"] == "instantiate"
    assert jobs["start-ci"]["if"] == "needs.instantiate.outputs.pushed == 'true'"
    assert evaluate(jobs["instantiate"]["outputs"]["pushed"], github_context) == "true"
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "gh").write_text(FAKE_GH, encoding="utf-8")
    (bindir / "gh").chmod(0o755)
    log = tmp_path / "gh.log"
    env = {**git_env, "PATH": f"{bindir}{os.pathsep}{git_env['PATH']}", "GH_LOG": str(log)}
    run_job("start-ci", copy, env, github_context, tmp_path)
    assert log.read_text(encoding="utf-8") == "zoe/My.Cool-Repo workflow run ci.yml --ref main\n"
    ci = yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text(encoding="utf-8"))
    assert "workflow_dispatch" in ci[True]  # what `gh workflow run` sends


@only_linux
def test_workflow_input_gives_the_import_name(copy: Path, git_env, github_context, tmp_path: Path) -> None:
    push_target(tmp_path, copy, git_env)
    context = {**github_context, "github.event.repository.name": "3d-tools", "inputs.import_name": "three_d_tools"}
    refused = {**github_context, "github.event.repository.name": "3d-tools"}
    with pytest.raises(AssertionError) as failure:
        run_job("instantiate", copy, git_env, refused, tmp_path)
    assert "::error title=Instantiation refused::" in str(failure.value)
    run_job("instantiate", copy, git_env, context, tmp_path)
    assert (copy / "src/three_d_tools/__init__.py").is_file()


# --- the community's checklist ------------------------------------------------------------


def test_a_new_project_passes_the_checklist(copy: Path, git_env) -> None:
    assert instantiate(copy, git_env, name="speedy-stats", owner="zoe", author="Zoë").returncode == 0
    checks = review(copy)
    assert not failures(checks), failures(checks)


# --- end to end -----------------------------------------------------------------------


@only_linux
def test_instantiated_project_passes_its_own_make_init(copy: Path, git_env) -> None:
    """The awkward name, instantiated with make, then the new project's `make init`
    (fresh .venv, Rust build, pytest, cargo test) and `make lint` (every git hook:
    its own names must pass the formatters, the spell checker and mypy), and a
    clean git status after them."""
    start = time.monotonic()
    values = ["NAME=My.Cool-Repo", f"DESCRIPTION={AWKWARD}", f"AUTHOR={AWKWARD_AUTHOR}", "OWNER=zoe"]
    result = subprocess.run(["make", "instantiate", *values], cwd=copy, env=git_env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    git(copy, "add", "--all", env=git_env)
    git(copy, "commit", "--quiet", "--message", "chore: instantiate my-cool-repo from the template", env=git_env)
    result = subprocess.run(["make", "init"], cwd=copy, env=git_env, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    assert "make test: all Python and Rust tests passed." in result.stdout
    probe = "import my_cool_repo as p; print(p.concat_in_rust('Zoë ', '🦀'), p.__version__)"
    result = subprocess.run([".venv/bin/python", "-c", probe], cwd=copy, env=git_env, capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("Zoë 🦀 "), result.stderr
    print(f"instantiate + make init (build and test): {time.monotonic() - start:.0f} s")
    result = subprocess.run(["make", "lint"], cwd=copy, env=git_env, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    assert git(copy, "status", "--porcelain", env=git_env) == "", "the build or the hooks left changes or stray files"
    check_instantiated_site(copy, git_env)
    check_instantiated_front_page(copy, git_env)


def check_instantiated_front_page(copy: Path, git_env) -> None:
    """The new project's README is its package's page, on PyPI too: the long description of its
    sdist and its wheel renders there, and speaks to the package's users, not to its developers."""
    result = subprocess.run(["make", "sdist", "wheel"], cwd=copy, env=git_env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    files = sorted((copy / "dist").iterdir())
    check = subprocess.run(
        [".venv/bin/twine", "check", "--strict", *map(str, files)], cwd=copy, capture_output=True, text=True
    )
    assert check.returncode == 0 and check.stdout.count("PASSED") == 2, check.stdout + check.stderr
    (wheel,) = [path for path in files if path.suffix == ".whl"]
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(archive.read(n) for n in archive.namelist() if n.endswith(".dist-info/METADATA")).decode()
    description = metadata.split("\n\n", 1)[1]
    assert description.startswith("# my-cool-repo\n") and "pip install my-cool-repo" in description
    for developers_only in ("make ", "this repository", "make instantiate", "Use this template", " ns ", "µs"):
        assert developers_only not in description, f"the package's page says {developers_only!r}"
    assert len(description.splitlines()) < 60, "one screen, for the user to extend"
    guide = (copy / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert "## Add a Rust function, end to end" in guide and "make init" in guide


def check_instantiated_site(copy: Path, git_env) -> None:
    """The new project's `make docs`: its site under its own name, and a new Rust function on it."""
    start = time.monotonic()
    result = subprocess.run(["make", "docs"], cwd=copy, env=git_env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    site = copy / "docs/_build/html"
    for path in site.rglob("*"):
        if path.is_file():
            found = TRACE.search(path.read_text(encoding="utf-8", errors="replace"))
            assert not found, f"{path.relative_to(site)}: {found.group()!r} left"
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "<h1>my-cool-repo<" in index and "<title>my-cool-repo " in index
    shown = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", index)))
    assert one_line(AWKWARD) in shown, "the description, as typed"
    api = (site / "api.html").read_text(encoding="utf-8")
    assert 'id="my_cool_repo.add_in_rust"' in api and "https://github.com/zoe/My.Cool-Repo/blob/" in api
    assert git(copy, "status", "--porcelain", env=git_env) == "", "make docs left changes or stray files"
    # A new Rust function: `make docs` compiles it and documents it, with no edit to docs/.
    rust = copy / "crates/src/basic_functions"
    with open(rust / "basic_math.rs", "a", encoding="utf-8") as source:
        source.write(
            "\n/// Return `a * b`.\n#[pyfunction]\npub fn multiply_in_rust(a: i32, b: i32) -> i32 {\n    a * b\n}\n"
        )
    exports = (rust / "mod.rs").read_text(encoding="utf-8")
    assert "{add_in_rust," in exports
    (rust / "mod.rs").write_text(exports.replace("{add_in_rust,", "{add_in_rust, multiply_in_rust,"), encoding="utf-8")
    result = subprocess.run(["make", "docs"], cwd=copy, env=git_env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    assert "Compiling the Rust extension" in result.stdout
    api = html.unescape(re.sub(r"<[^>]+>", "", (site / "api.html").read_text(encoding="utf-8")))
    assert "my_cool_repo._accelerate.basic_functions.multiply_in_rust(a, b)" in api and "Return a * b." in api
    print(f"make docs, then again after a new Rust function: {time.monotonic() - start:.0f} s")
