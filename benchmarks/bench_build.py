"""Dev-loop benchmark: how long `make init`, `make test` and a rebuild take.

`make bench-build` runs this script. It copies the repository (tracked and
untracked files; not .venv nor crates/target) to a temporary directory, times
each step there, prints a table and deletes the copy: your checkout, its .venv
and its crates/target are left alone. Downloads come from pip's and cargo's
caches, as they would for you.

1. `make init` on a cold cargo cache: nothing compiled yet.
2. `make test` with nothing changed: the time spent outside pytest's own run.
3. `make build` after editing a .rs file, against cargo's own incremental build
   (the command setuptools-rust runs, timed alone after the same kind of edit).
4. `make test` after editing a .rs file: the whole loop.
5. `make init` again after deleting .venv: a warm package cache (pip's cache,
   crates/target).
"""

import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from conftest import copy_working_tree  # noqa: E402  (the tests' scratch copies, the same way)

REPEAT = 3  # runs of each repeated step; the table shows the median
EDITED = Path("crates/src/lib.rs")  # the .rs file the edit steps change
BUILD_LOG = Path(".venv/build.log")  # where the Makefile logs each build
STAMP = Path(".venv/.extension-built")  # touched by the Makefile after each build
# The targets: seconds outside pytest's own run, seconds over cargo's own build.
TEST_LIMIT = 1.0
REBUILD_LIMIT = 1.5
# Left out of the copy's environment, so it runs as from a fresh shell.
CALLER_VARIABLES = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "VIRTUAL_ENV", "PYO3_PYTHON", "CARGO_TARGET_DIR", "PYTHONPATH"}


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, str]:
    """Run `cmd`; return its wall time and output, or stop on failure."""
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    output = result.stdout + result.stderr
    if result.returncode != 0:
        sys.exit(f"{shlex.join(cmd)} failed:\n{output[-3000:]}")
    return seconds, output


def pytest_seconds(output: str) -> float:
    """pytest's own run time, from its summary line ("=== 66 passed in 1.23s ===")."""
    return float(re.findall(r"^=+ .+ in ([\d.]+)s\b.*=+$", output, re.MULTILINE)[-1])


def cargo_seconds(output: str) -> float:
    """The build times cargo reports ("Finished ... in 1m 02s"), added up."""
    found = re.findall(r"Finished .* in (?:(\d+)m )?([\d.]+)s", output)
    return sum(60 * int(minutes or 0) + float(seconds) for minutes, seconds in found)


def edit(scratch: Path, original: str, n: int) -> None:
    """A real code change: a function with a different body each time."""
    (scratch / EDITED).write_text(
        original + f"\n#[allow(dead_code)]\nfn bench_build_edit() -> u32 {{\n    {n}\n}}\n", encoding="utf-8"
    )


def cargo_command(scratch: Path) -> list[str]:
    """The cargo command that setuptools-rust ran for the last build (from the build log)."""
    log = (scratch / BUILD_LOG).read_text(encoding="utf-8")
    args = shlex.split(next(line for line in log.splitlines() if line.strip().startswith("cargo rustc ")))
    if "--features" in args:  # logged as `--features a b`: cargo wants one argument
        start = end = args.index("--features") + 1
        while end < len(args) and not args[end].startswith("-"):
            end += 1
        args[start:end] = [",".join(args[start:end])]
    return args


def measure(scratch: Path) -> None:
    env = {name: value for name, value in os.environ.items() if name not in CALLER_VARIABLES}
    copy_working_tree(scratch)
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost", "-c", "commit.gpgsign=false"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "--no-verify", "-m", "snapshot"]):
        run(git + args, scratch, env)
    rows: list[tuple[str, float, str]] = []
    checks: list[tuple[str, bool]] = []

    print("  make init, cold cargo cache...", file=sys.stderr, flush=True)
    seconds, output = run(["make", "init"], scratch, env)
    rows.append(("make init, cold cargo cache", seconds, f"extension's cargo build {cargo_seconds(output):.1f} s"))

    print("  make test, nothing changed...", file=sys.stderr, flush=True)
    built_at = (scratch / STAMP).stat().st_mtime
    runs = []
    for _ in range(REPEAT):
        seconds, output = run(["make", "test"], scratch, env)
        runs.append((seconds, seconds - pytest_seconds(output)))
    seconds, overhead = sorted(runs)[REPEAT // 2]
    rows.append(("make test, nothing changed", seconds, f"{overhead:.2f} s outside pytest's own run"))
    checks.append(("make test, nothing changed: no rebuild", (scratch / STAMP).stat().st_mtime == built_at))
    checks.append((f"make test, nothing changed: <= {TEST_LIMIT} s outside pytest", overhead <= TEST_LIMIT))

    print("  make build after editing a .rs file, and cargo alone...", file=sys.stderr, flush=True)
    original = (scratch / EDITED).read_text(encoding="utf-8")
    cargo = cargo_command(scratch)
    # The variables setuptools-rust gives cargo, which PyO3's build scripts read.
    cargo_env = {**env, "PYO3_PYTHON": str(scratch / ".venv/bin/python"), "PYO3_BUILD_EXTENSION_MODULE": "1"}
    make_times, cargo_times = [], []
    for n in range(REPEAT):
        edit(scratch, original, 2 * n)
        make_times.append(run(["make", "build"], scratch, env)[0])
        edit(scratch, original, 2 * n + 1)
        cargo_times.append(run(cargo, scratch, cargo_env)[0])
    rebuild, own = statistics.median(make_times), statistics.median(cargo_times)
    rows.append(("cargo alone, after editing a .rs file", own, "cargo's own incremental build"))
    rows.append(("make build, after editing a .rs file", rebuild, f"{rebuild - own:+.2f} s over cargo alone"))
    checks.append((f"rebuild after an edit: <= cargo + {REBUILD_LIMIT} s", rebuild - own <= REBUILD_LIMIT))

    print("  make test after editing a .rs file...", file=sys.stderr, flush=True)
    edit(scratch, original, 2 * REPEAT)
    seconds, output = run(["make", "test"], scratch, env)
    rows.append(("make test, after editing a .rs file", seconds, f"pytest's own run {pytest_seconds(output):.2f} s"))
    (scratch / EDITED).write_text(original, encoding="utf-8")

    print("  make init, warm (.venv deleted; pip's cache and crates/target kept)...", file=sys.stderr, flush=True)
    shutil.rmtree(scratch / ".venv")
    seconds, output = run(["make", "init"], scratch, env)
    rows.append(("make init, warm package cache", seconds, f"extension's cargo build {cargo_seconds(output):.1f} s"))

    cargo_version = run(["cargo", "--version"], scratch, env)[1].split()[1]
    print(f"\nDev loop on {os.cpu_count()} cores, {platform.system()}, Python {platform.python_version()}, ", end="")
    print(f"cargo {cargo_version} (median of {REPEAT} runs where repeated):\n")
    for label, seconds, note in rows:
        print(f"  {label:<38} {seconds:6.2f} s   {note}")
    print()
    for label, ok in checks:
        print(f"  {'met    ' if ok else 'NOT MET'}  {label}")


def main() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="bench-build-"))
    try:
        measure(scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
