"""Shared helpers for the tests of the machinery (checks/, run by `make check`).

They work in scratch copies of the repository, never in it: the session
fixture `checkout_is_left_alone` fails the run if anything in this checkout
(sources, .venv and its stamps, the compiled extension, crates/target)
changed while they ran, or if the next `make test` would recompile.
"""

import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / ("Scripts" if os.name == "nt" else "bin")
RUNNING_PYTHON = f"{sys.version_info[0]}.{sys.version_info[1]}"  # the Python running the checks: 3.13
# Variables of the make, git hook, CI run or venv that runs the tests: a
# scratch copy must not inherit them (MAKEFLAGS would pass our make's options
# on, GIT_DIR would point git at this checkout, PYO3_PYTHON at our .venv...).
CALLER_VARIABLES = (
    "MAKE",
    "MFLAGS",
    "GIT_",
    "PRE_COMMIT",
    "VIRTUAL_ENV",
    "PYTHONPATH",
    "PYO3_",
    "CARGO_TARGET_DIR",
    "CIBW_",
    "INSTANTIATE_",
    "GITHUB_",
)
_TOOLS: list[Path] = []  # a directory with uv in it, set up once per session


def command_line_variables(makeflags: str) -> set[str]:
    """The variables given on the command line of the make that runs the checks
    (`make check PYTEST_ARGS=...`). make exports them to its recipes, so a
    scratch copy's `make test` would see them too: they follow ` -- ` in
    MAKEFLAGS, separated by spaces that are not escaped."""
    _, dashes, definitions = makeflags.partition(" -- ")
    words = re.split(r"(?<!\\) ", definitions) if dashes else []
    return {match[1] for word in words if (match := re.match(r"([^\s=:+?!]+)\s*[:+?!]*=", word))}


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a user's fresh shell: nothing of the calling make, git hook,
    CI or venv, the venv's bin off PATH, and uv on PATH (where this machine has
    none, a copy of the one in .venv), so that a scratch copy's `make` sets up
    its own .venv in seconds."""
    given = command_line_variables(os.environ.get("MAKEFLAGS", ""))
    env = {key: value for key, value in os.environ.items() if not key.startswith(CALLER_VARIABLES) and key not in given}
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and Path(p).resolve() != VENV_BIN.resolve()]
    return {**env, "PATH": os.pathsep.join([*map(str, _TOOLS), *path]), **extra}


def run(*args: str | Path, check: bool = True, **kwargs) -> subprocess.CompletedProcess[str]:
    """Run a program, found on the PATH of the environment it gets (Windows would look on ours)."""
    kwargs.setdefault("env", clean_env())
    kwargs.setdefault("timeout", 1800)
    program = str(args[0])
    if os.sep not in program and "/" not in program:
        program = shutil.which(program, path=kwargs["env"].get("PATH")) or program
    kwargs.setdefault("text", True)
    result = subprocess.run([program, *map(str, args[1:])], capture_output=True, **kwargs)
    if check:
        assert result.returncode == 0, f"{args} failed:\n{result.stdout[-5000:]}\n{result.stderr[-5000:]}"
    return result


def git(repo: Path, *args: str, check: bool = True, **kwargs) -> str:
    """Run git in `repo` as a user with an identity and no signing; return its output."""
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"]
    return run("git", *identity, *args, cwd=repo, check=check, **kwargs).stdout.strip()


def copy_working_tree(dest: Path) -> None:
    """Copy into dest the files of this checkout that git tracks or would track, as they are now.

    The copy's .python-version names the Python running the checks, so that its
    own `make` builds with the same Python: the one CI's job installs
    (`make check PYTHON_VERSION=3.X`), which may not be the one the file names.
    """
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():  # not a tracked file deleted from the working tree
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    version_file = dest / ".python-version"
    if version_file.is_file() and version_file.read_text(encoding="utf-8").strip() != RUNNING_PYTHON:
        version_file.write_text(f"{RUNNING_PYTHON}\n", encoding="utf-8")


def committed_copy(dest: Path, message: str = "chore: start from the template") -> Path:
    """A copy of this working tree in a new git repository at dest, all of it in one commit."""
    copy_working_tree(dest)
    git(dest, "init", "--quiet")
    git(dest, "add", "--all")
    git(dest, "commit", "--quiet", "--no-verify", "--message", message)
    return dest


def rmtree(path: Path) -> None:
    """shutil.rmtree, also of a .git folder on Windows, where git makes its object files read-only."""

    def make_writable_and_retry(function: Callable[[str], object], name: str, _: object) -> None:
        os.chmod(name, stat.S_IWRITE)
        function(name)

    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=make_writable_and_retry)
    else:
        shutil.rmtree(path, onerror=make_writable_and_retry)


def find_python(version: str) -> str | None:
    """Return the path of a working CPython `version` (e.g. "3.11"), or None.

    Looks where `make init` looks (python3.11 on PATH, the Windows launcher's
    py -3.11, one that uv knows), and in pyenv's versions.
    """
    candidates: list[str | Path | None] = [shutil.which(f"python{version}")]
    finders = (
        ["py", f"-{version}", "-c", "import sys; print(sys.executable)"],  # the Windows launcher
        ["uv", "python", "find", "--system", "--no-project", version],
    )
    for finder in finders:
        program = shutil.which(finder[0], path=clean_env()["PATH"])
        if program:
            found = subprocess.run([program, *finder[1:]], capture_output=True, text=True)
            candidates.append(found.stdout.strip() if found.returncode == 0 else None)
    pyenv_root = Path(
        subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip()
        if shutil.which("pyenv")
        else "/nonexistent"
    )
    candidates += sorted(pyenv_root.glob(f"versions/{version}.*/bin/python{version}"), reverse=True)
    for candidate in filter(None, candidates):
        probe = subprocess.run(
            [str(candidate), "-c", "import sys; print('%d.%d' % sys.version_info[:2], sys.executable)"],
            capture_output=True,
            text=True,
        )
        if probe.returncode == 0 and probe.stdout.split()[0] == version:
            return probe.stdout.split()[1]
    return None


def require_python(version: str) -> str:
    """Like find_python, but skip the test with a clear reason when it is absent."""
    path = find_python(version)
    if path is None:
        pytest.skip(f"CPython {version} is not installed (looked on PATH and in pyenv)")
    return path


@pytest.fixture(scope="session", autouse=True)
def tools_on_path(tmp_path_factory) -> None:
    """Put uv on the PATH of clean_env(): the machine's, or a copy of .venv's."""
    uv = shutil.which("uv", path=clean_env()["PATH"]) or shutil.which("uv", path=str(VENV_BIN))
    if uv and Path(uv).parent.resolve() == VENV_BIN.resolve():
        tools = tmp_path_factory.mktemp("tools")
        shutil.copy2(uv, tools / Path(uv).name)
        _TOOLS.append(tools)


# --- the checkout is left alone ---------------------------------------------------

# Caches that tools write wherever they run (Python's bytecode among them).
CACHES = {".pytest_cache", ".mypy_cache", ".ruff_cache", "__pycache__"}
GIT_STATE = ("HEAD", "config", "packed-refs", "refs", "hooks", "worktrees")  # not the index, which git refreshes


def checkout_state() -> dict[str, tuple[int, int]]:
    """(mtime, size) of every file of the checkout, .venv and crates/target included."""
    roots = [ROOT, *(ROOT / ".git" / name for name in GIT_STATE)]
    state = {}
    for root in roots:
        for directory, subdirectories, files in os.walk(root):
            subdirectories[:] = [d for d in subdirectories if d not in CACHES and Path(directory, d) != ROOT / ".git"]
            for name in files:
                stat = os.lstat(os.path.join(directory, name))
                state[os.path.relpath(os.path.join(directory, name), ROOT)] = (stat.st_mtime_ns, stat.st_size)
    return state


def extension_is_up_to_date() -> bool:
    """What `make test` would decide: nothing to recompile (make's question mode runs nothing)."""
    built = ROOT / ".venv" / ".extension-built"
    return run("make", "--question", built.relative_to(ROOT).as_posix(), cwd=ROOT, check=False).returncode == 0


@pytest.fixture(scope="session", autouse=True)
def checkout_is_left_alone() -> Iterator[None]:
    before, up_to_date = checkout_state(), extension_is_up_to_date()
    yield
    after = checkout_state()
    changed = sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))
    assert not changed, f"the tests changed files of the checkout: {changed[:20]}"
    if up_to_date:
        assert extension_is_up_to_date(), "after the tests, `make test` would recompile the extension"
