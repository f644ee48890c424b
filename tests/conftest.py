"""Shared helpers for the tests: the repository root and other installed Pythons."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def copy_working_tree(dest: Path) -> None:
    """Copy into dest the files of this checkout that git tracks or would track, as they are now."""
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


def find_python(version: str) -> str | None:
    """Return the path of a working CPython `version` (e.g. "3.10"), or None.

    Looks on PATH (python3.10, py -3.10) and in pyenv's versions.
    """
    candidates: list[str | Path | None] = [shutil.which(f"python{version}")]
    launcher = shutil.which("py")  # the Windows launcher: py -3.10
    if launcher:
        found = subprocess.run(
            [launcher, f"-{version}", "-c", "import sys; print(sys.executable)"], capture_output=True, text=True
        )
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
