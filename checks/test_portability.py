"""What lets the Makefile and the scripts run on every developer's machine.

Windows checks files out with CRLF line endings when core.autocrlf is set,
which bash cannot run; macOS ships GNU make 3.81 and bash 3.2.
"""

import re
from pathlib import Path

import pytest

from conftest import ROOT, copy_working_tree, git, run


def tracked_files() -> list[str]:
    return git(ROOT, "ls-files").splitlines()


def is_script(path: str) -> bool:
    file = ROOT / path
    return file.is_file() and (path.endswith(".sh") or file.read_bytes().startswith(b"#!"))


SHELL_FILES = sorted({path for path in tracked_files() if is_script(path)} | {"Makefile", ".python-version", ".ci/run"})


def test_there_are_scripts_to_check() -> None:
    assert {"Makefile", ".ci/run", ".github/scripts/release-notes.sh"} <= set(SHELL_FILES)


def test_scripts_and_the_makefile_are_checked_out_with_lf(tmp_path: Path) -> None:
    # A Windows clone with core.autocrlf=true, as Git for Windows sets it by default.
    source = tmp_path / "source"
    copy_working_tree(source)
    git(source, "init", "--quiet")
    git(source, "add", "--all")
    git(source, "commit", "--quiet", "--no-verify", "--message", "snapshot")
    clone = tmp_path / "clone"
    git(
        tmp_path, "-c", "core.autocrlf=true", "clone", "--quiet", "--config", "core.autocrlf=true", str(source), "clone"
    )
    crlf = [path for path in SHELL_FILES if b"\r\n" in (clone / path).read_bytes()]
    assert not crlf, f"checked out with CRLF, which bash cannot run: {crlf}"
    for path in SHELL_FILES:
        assert git(clone, "check-attr", "eol", "--", path).endswith(": eol: lf"), path


@pytest.mark.parametrize("version", ["3.81", "3.80"])
def test_older_make_stops_at_once_with_the_commands_to_run(version: str) -> None:
    # GNU make 3.81 ignores .SHELLFLAGS, so a failing command would not stop its
    # recipe; MAKE_VERSION given on the command line stands in for an old make.
    result = run("make", f"MAKE_VERSION={version}", "init", cwd=ROOT, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert f"This is GNU make {version}; this Makefile needs GNU make 3.82 or newer." in output
    for command in ("brew install make", 'export PATH="$(brew --prefix)/opt/make/libexec/gnubin:$PATH"', "gmake init"):
        assert command in output, output
    assert "Creating .venv" not in output  # nothing ran


@pytest.mark.parametrize("version", ["3.82", "4.0", "4.4.1"])
def test_newer_make_runs(version: str) -> None:
    result = run("make", f"MAKE_VERSION={version}", "help", cwd=ROOT)
    assert "Usage: make <target>" in result.stdout


# Constructs that bash 3.2 (macOS's /bin/bash) lacks, and GNU-only options of
# the tools that macOS has in their BSD versions.
NOT_ON_MACOS = {
    r"\bdeclare -[aA]*A|\blocal -A": "associative arrays (bash 4)",
    r"\b(mapfile|readarray|coproc)\b": "bash 4 builtins",
    r"\$\{[A-Za-z_][A-Za-z0-9_]*(,,?|\^\^?)\}": "case conversion (bash 4)",
    r"\|&|;;&|&>>": "bash 4 operators",
    r"\b(declare|local) -n\b|\bwait -n\b": "bash 4.3 options",
    r"\bshopt -s globstar\b": "globstar (bash 4)",
    r"\bsed -(i\s|u\b)|\bsed --": "GNU sed options",
    r"\bgrep -[a-zA-Z]*P|\bsort -[a-zA-Z]*V|\bdate -d\b|\bxargs -r\b|\breadlink -f\b": "GNU-only options",
}


@pytest.mark.parametrize("path", [path for path in SHELL_FILES if path != ".python-version"])
def test_scripts_use_nothing_that_macos_lacks(path: str) -> None:
    text = (ROOT / path).read_text(encoding="utf-8")
    if path.startswith(".github/workflows/"):
        return
    found = [
        f"line {text.count(chr(10), 0, match.start()) + 1}: {match.group()!r} ({why})"
        for pattern, why in NOT_ON_MACOS.items()
        for match in re.finditer(pattern, text)
    ]
    assert not found, found
