"""Dev-loop benchmark: what `make init`, `make test` and an edit cost, as you live them.

`make bench-build` runs this script. It works in scratch copies of this
repository (your checkout, its .venv and crates/target are left alone) and
times, in each copy, the steps in the order a user meets them:

1. `make init` on a cold cargo cache (a new CARGO_HOME: the crates are
   downloaded and everything compiles), then the whole suite once (`make lint`,
   `make check`): the state you are in after a day's work;
2. `make test` with nothing changed, and whether it recompiled anything; the
   same after a raw `cargo test` and `cargo clippy`, as a shell or an editor
   runs them;
3. an edit of one .rs file, then `make test`, against cargo's own incremental
   build of the same edit (the extension and the test binary, timed alone);
4. the guide's "Add a Rust function" steps, by the letter (its Rust code is
   read from CONTRIBUTING.md), then `make test`, against cargo's own build of it;
5. `make init`'s set-up (new .venv, dependencies, first build; not the hooks nor
   the tests) with the crates compiled, outside cargo: with uv on PATH and
   without it;
6. `make init` in all, with .venv deleted and crates/target kept (warm).

The copies: a new project, made from this template with `make instantiate`
and committed (as "Use this template" gives it), and this repository as it is.
pip's and uv's download caches are yours, as they would be for you.
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
sys.path.insert(0, str(ROOT / "checks"))
from conftest import clean_env, copy_working_tree  # noqa: E402  (the checks' scratch copies)

REPEAT = 3  # runs of each repeated step; the table shows the median
EDITED = Path("crates/src/lib.rs")  # the .rs file the edit steps change
BUILD_LOG = Path(".venv/build.log")  # where the Makefile logs each build
STAMP = Path(".venv/.extension-built")  # touched by the Makefile after each build
# The targets, in seconds.
TEST_LIMIT = 3.0  # `make test` with nothing changed, in all
EDIT_LIMIT = 2.0  # `make test` after an edit, over cargo's own build of it
SETUP_LIMIT = 3.0  # `make init`'s set-up, outside cargo, with uv on PATH
GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost", "-c", "commit.gpgsign=false"]


def say(text: str) -> None:
    print(f"  {text}...", file=sys.stderr, flush=True)


class Copy:
    """A scratch copy with its own environment; runs commands in it and times them."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root, self.env = root, env

    def run(self, *cmd: str, env: dict[str, str] | None = None) -> tuple[float, str]:
        """Run `cmd`; return its wall time and output, or stop on failure."""
        start = time.perf_counter()
        result = subprocess.run(cmd, cwd=self.root, env=env or self.env, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        output = result.stdout + result.stderr
        if result.returncode != 0:
            sys.exit(f"{shlex.join(cmd)} failed in {self.root}:\n{output[-3000:]}")
        return seconds, output

    def timed_lines(self, *cmd: str) -> tuple[float, list[tuple[float, str]]]:
        """Run `cmd`, noting when each line of its output came: (total, [(seconds, line)])."""
        start = time.perf_counter()
        process = subprocess.Popen(
            cmd, cwd=self.root, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        lines = [(time.perf_counter() - start, line) for line in process.stdout]
        if process.wait() != 0:
            sys.exit(f"{shlex.join(cmd)} failed in {self.root}:\n{''.join(line for _, line in lines[-60:])}")
        return time.perf_counter() - start, lines

    def mtimes(self) -> tuple[float, ...]:
        extension = sorted((self.root / "src").glob("*/_accelerate.*"))
        return tuple(path.stat().st_mtime_ns for path in [self.root / STAMP, *extension])


def cargo_seconds(output: str) -> float:
    """The build times cargo reports ("Finished ... in 1m 02s"), added up."""
    found = re.findall(r"Finished .* in (?:(\d+)m )?([\d.]+)s", output)
    return sum(60 * int(minutes or 0) + float(seconds) for minutes, seconds in found)


def cargo_alone(copy: Copy) -> float:
    """Cargo's own incremental build of the current sources, as `make test` runs it:
    the extension (the command setuptools-rust ran last, from the build log) and
    the test binary (`cargo test --no-run`)."""
    log = (copy.root / BUILD_LOG).read_text(encoding="utf-8")
    line = next(line for line in log.splitlines() if re.match(r"^(DEBUG )?\s*cargo rustc ", line))
    args = shlex.split(line.removeprefix("DEBUG "))
    if "--features" in args:  # logged as `--features a b`: cargo wants one argument
        start = end = args.index("--features") + 1
        while end < len(args) and not args[end].startswith("-"):
            end += 1
        args[start:end] = [",".join(args[start:end])]
    # The variables each build gets from make (and setuptools-rust), which PyO3's build scripts read.
    env = {**copy.env, "PYO3_PYTHON": str(copy.root / ".venv" / "bin" / "python")}
    extension, _ = copy.run(*args, env={**env, "PYO3_BUILD_EXTENSION_MODULE": "1"})
    tests, _ = copy.run("cargo", "test", "--quiet", "--no-run", "--manifest-path", "crates/Cargo.toml", env=env)
    return extension + tests


def edit_body(copy: Copy, original: str, n: int) -> None:
    """A real code change: a function with a different body each time."""
    (copy.root / EDITED).write_text(
        original + f"\n#[allow(dead_code)]\nfn bench_build_edit() -> u32 {{\n    {n}\n}}\n", encoding="utf-8"
    )


def readme_example_is_gone(copy: Copy) -> str | None:
    """Why the guide's "Add a Rust function" steps cannot be followed in this copy, if they cannot:
    they name the template's example files, which a project may have replaced with its own."""
    needed = ["crates/src/basic_functions/basic_math.rs", "crates/src/basic_functions/mod.rs"]
    missing = [path for path in needed if not (copy.root / path).is_file()]
    if missing:
        return f"the template's example files are gone ({', '.join(missing)})"
    if "{add_in_rust, subtract_in_rust}" not in (copy.root / needed[1]).read_text(encoding="utf-8"):
        return "the template's example module has changed"
    if "## Add a Rust function" not in (copy.root / "CONTRIBUTING.md").read_text(encoding="utf-8"):
        return "CONTRIBUTING.md has no 'Add a Rust function' section"
    return None


def add_a_function(copy: Copy) -> None:
    """The guide's "Add a Rust function" steps, by the letter: multiply_in_rust."""
    readme = (copy.root / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = readme.split("## Add a Rust function", 1)[1]
    rust = re.search(r"```rust\n(.*?)```", section, re.S)[1]
    rust = "\n".join(line.removeprefix("   ") for line in rust.splitlines()) + "\n"
    functions = copy.root / "crates/src/basic_functions"
    math = (functions / "basic_math.rs").read_text(encoding="utf-8")
    head, tests = math.split("#[cfg(test)]", 1)
    (functions / "basic_math.rs").write_text(f"{head}{rust}\n#[cfg(test)]{tests}", encoding="utf-8")
    module = (functions / "mod.rs").read_text(encoding="utf-8")
    module = module.replace("{add_in_rust, subtract_in_rust}", "{add_in_rust, multiply_in_rust, subtract_in_rust}")
    (functions / "mod.rs").write_text(module, encoding="utf-8")
    (package,) = (copy.root / "src").glob("*/__init__.py")
    init = package.read_text(encoding="utf-8").replace(
        "    add_in_rust,\n", "    add_in_rust,\n    multiply_in_rust,\n"
    )
    package.write_text(
        init.replace('    "add_in_rust",\n', '    "add_in_rust",\n    "multiply_in_rust",\n'), encoding="utf-8"
    )
    tests_file = copy.root / "tests/test_basic_functions.py"
    tests_file.write_text(
        tests_file.read_text(encoding="utf-8")
        + "\n\n@pytest.mark.parametrize(('a', 'b'), [(6, 7), (-3, 4), (I32_MAX, 1)])\n"
        + "def test_multiply_matches_python(a: int, b: int) -> None:\n"
        + "    assert basic_functions.multiply_in_rust(a, b) == a * b\n\n\n"
        + "def test_multiply_overflow_raises_overflow_error() -> None:\n"
        + "    with pytest.raises(OverflowError):\n"
        + "        basic_functions.multiply_in_rust(I32_MAX, 2)\n",
        encoding="utf-8",
    )


def add_a_function_and_test(copy: Copy, label: str) -> tuple[list[tuple[str, str]], list[tuple[str, bool]]]:
    """The guide's "Add a Rust function" steps, then `make test`; and cargo's own build of it."""
    rows: list[tuple[str, str]] = []
    checks: list[tuple[str, bool]] = []
    say(f"{label}: the guide's 'Add a Rust function' steps, then make test; and cargo alone")
    copy.run("make", "build")
    add_a_function(copy)
    total, output = copy.run("make", "test")
    assert "multiply" in (copy.root / "tests/test_basic_functions.py").read_text(encoding="utf-8")
    before = copy.mtimes()
    again, output = copy.run("make", "test")  # and the next one, with nothing changed
    recompiled = copy.mtimes() != before or "Compiling" in output
    copy.run(*GIT, "stash", "--quiet")
    copy.run("make", "build")
    copy.run(*GIT, "stash", "pop", "--quiet")
    cargo = cargo_alone(copy)
    copy.run(*GIT, "checkout", "--quiet", ".")
    copy.run("make", "test")
    rows.append(
        (
            "the guide's 'Add a Rust function', make test",
            f"{total:6.2f} s  (cargo alone {cargo:.2f} s: {total - cargo:+.2f} s)",
        )
    )
    rows.append(
        ("  then make test again", f"{again:6.2f} s  ({'recompiled!' if recompiled else 'nothing recompiled'})")
    )
    checks.append((f"add a function, make test: <= cargo + {EDIT_LIMIT:.0f} s", total - cargo <= EDIT_LIMIT))
    checks.append(
        (f"the next make test: <= {TEST_LIMIT:.0f} s, no recompilation", again <= TEST_LIMIT and not recompiled)
    )
    return rows, checks


def measure(copy: Copy, label: str) -> tuple[list[tuple[str, str]], list[tuple[str, bool]]]:
    rows: list[tuple[str, str]] = []
    checks: list[tuple[str, bool]] = []

    say(f"{label}: make init, cold cargo cache (a new CARGO_HOME)")
    seconds, output = copy.run("make", "init")
    rows.append(("make init, cold cargo cache", f"{seconds:6.1f} s  (cargo builds {cargo_seconds(output):.1f} s)"))

    say(f"{label}: the whole suite once (make lint, make check)")
    lint, _ = copy.run("make", "lint")
    check, _ = copy.run("make", "check")
    rows.append(("the suite: make lint, make check", f"{lint:6.1f} s, {check:.1f} s"))

    say(f"{label}: make test, nothing changed")
    before = copy.mtimes()
    runs = [copy.run("make", "test") for _ in range(REPEAT)]
    seconds = statistics.median(seconds for seconds, _ in runs)
    recompiled = copy.mtimes() != before or any("Compiling" in output for _, output in runs)
    rows.append(
        ("make test, nothing changed", f"{seconds:6.2f} s  ({'recompiled!' if recompiled else 'nothing recompiled'})")
    )
    checks.append(
        (
            f"make test, nothing changed: <= {TEST_LIMIT:.0f} s, no recompilation",
            seconds <= TEST_LIMIT and not recompiled,
        )
    )

    say(f"{label}: cargo test and cargo clippy as a shell or an editor runs them, then make test")
    for command in (["cargo", "test"], ["cargo", "clippy", "--all-targets"]):
        pyo3 = {path: path.stat().st_mtime_ns for path in (copy.root / "crates/target/debug/deps").glob("*pyo3*")}
        _, output = copy.run(*command, "--manifest-path", "crates/Cargo.toml")  # no PYO3_PYTHON: a shell's
        seconds, after = copy.run("make", "test")
        rebuilt = "Compiling pyo3" in output or "Checking pyo3" in output or "Compiling the Rust" in after
        rebuilt |= any(path.stat().st_mtime_ns != mtime for path, mtime in pyo3.items())
        name = f"raw `{' '.join(command[:2])}`, then make test"
        rows.append((name, f"{seconds:6.2f} s  ({'PyO3 recompiled!' if rebuilt else 'nothing recompiled'})"))
        checks.append((f"{name}: <= {TEST_LIMIT:.0f} s, no recompilation", seconds <= TEST_LIMIT and not rebuilt))

    say(f"{label}: an edit of one .rs file, then make test; and cargo alone")
    original = (copy.root / EDITED).read_text(encoding="utf-8")
    totals, own = [], []
    for n in range(REPEAT):
        edit_body(copy, original, 2 * n)
        totals.append(copy.run("make", "test")[0])
        edit_body(copy, original, 2 * n + 1)
        own.append(cargo_alone(copy))
    (copy.root / EDITED).write_text(original, encoding="utf-8")
    total, cargo = statistics.median(totals), statistics.median(own)
    rows.append(
        ("edit one .rs file, make test", f"{total:6.2f} s  (cargo alone {cargo:.2f} s: {total - cargo:+.2f} s)")
    )
    checks.append((f"edit, make test: <= cargo + {EDIT_LIMIT:.0f} s", total - cargo <= EDIT_LIMIT))

    gone = readme_example_is_gone(copy)
    if gone:
        rows.append(("the guide's 'Add a Rust function', make test", f"not measured: {gone}"))
    else:
        rows_and_checks = add_a_function_and_test(copy, label)
        rows += rows_and_checks[0]
        checks += rows_and_checks[1]

    users_uv = shutil.which("uv", path=copy.env["PATH"])
    for uv_on_path in (True, False):
        uv = "uv on PATH" if uv_on_path else "no uv"
        if not uv_on_path and users_uv:
            rows.append((f"make init's set-up, {uv}", "not measured: uv is on your PATH"))
            continue
        say(f"{label}: make init's set-up with the crates compiled, {uv}")
        tools = copy.root.parent / "tools"
        if uv_on_path and not users_uv and not tools.exists():
            tools.mkdir()
            shutil.copy2(copy.root / ".venv" / "bin" / "uv", tools / "uv")  # the one make init installed
        path = [str(tools)] if uv_on_path and not users_uv else []
        env = {**copy.env, "PATH": os.pathsep.join([*path, copy.env["PATH"]])}
        runs = []
        for _ in range(REPEAT):
            shutil.rmtree(copy.root / ".venv")
            total, lines = Copy(copy.root, env).timed_lines("make", "init")
            # The set-up: new .venv, dependencies, first build; then the git hooks, then the tests.
            setup = next(at for at, line in lines if line.startswith("Extension built:"))
            hooks = max(at for at, line in lines if line.startswith("pre-commit installed at")) - setup
            cargo = cargo_seconds("".join(line for at, line in lines if at <= setup))
            runs.append((setup - cargo, setup, cargo, hooks, total))
        outside, setup, cargo, hooks, total = sorted(runs)[REPEAT // 2]
        rows.append((f"make init's set-up, {uv}", f"{setup:6.2f} s  (cargo {cargo:.2f} s: {outside:.2f} s outside)"))
        rows.append(("  then installing the git hooks", f"{hooks:6.2f} s"))
        rows.append((f"make init in all, warm (.venv deleted), {uv}", f"{total:6.1f} s"))
        if uv_on_path:
            checks.append((f"make init's set-up: <= {SETUP_LIMIT:.0f} s outside cargo", outside <= SETUP_LIMIT))
    return rows, checks


def make_copies(scratch: Path, env: dict[str, str]) -> dict[str, Copy]:
    copies = {}
    for label in ("new project", "this repository"):
        root = scratch / label.replace(" ", "-") / "repo"
        root.mkdir(parents=True)
        # A cargo home of its own: the first build downloads and compiles every crate.
        copy = Copy(root, {**env, "CARGO_HOME": str(root.parent / "cargo-home")})
        copy_working_tree(root)
        copy.run(*GIT, "init", "--quiet")
        copy.run(*GIT, "add", "--all")
        copy.run(*GIT, "commit", "--quiet", "--no-verify", "--message", "Initial commit")
        if label == "new project":
            if not (root / ".github/template_flag.yml").exists():
                continue  # already a project: this repository is the one to time
            copy.run("make", "instantiate", "NAME=speedy-stats", "OWNER=bench", "AUTHOR=Bench")
            copy.run(*GIT, "add", "--all")
            copy.run(*GIT, "commit", "--quiet", "--no-verify", "--message", "chore: instantiate speedy-stats")
        copies[label] = copy
    return copies


def main() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="bench-build-"))
    try:
        results = {label: measure(copy, label) for label, copy in make_copies(scratch, clean_env()).items()}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    cargo_version = subprocess.run(["cargo", "--version"], capture_output=True, text=True).stdout.split()[1]
    print(f"\nDev loop on {os.cpu_count()} cores, {platform.system()}, Python {platform.python_version()}, ", end="")
    print(f"cargo {cargo_version} (median of {REPEAT} runs where repeated):")
    width = max(len(name) for rows, _ in results.values() for name, _ in rows)
    for label, (rows, checks) in results.items():
        print(f"\n{label}:")
        for name, figure in rows:
            print(f"  {name:<{width}} {figure}")
        for name, ok in checks:
            print(f"  {'met    ' if ok else 'NOT MET'}  {name}")


if __name__ == "__main__":
    main()
