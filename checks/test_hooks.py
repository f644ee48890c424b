"""The quality gates: git hooks, commit message rules, the CI workflow, Dependabot.

The first tests read the configuration files. The others make real commits,
with the real hooks, in a scratch copy of this repository set up with its own
`make init`; the hooks' tools install from the package registries into
pre-commit's cache (~/.cache/pre-commit) the first time, which takes a minute.
"""

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml  # PyYAML, which pre-commit depends on

from conftest import ROOT, committed_copy, git, run

PRE_COMMIT = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
HOOKS = {hook["id"]: hook for repo in PRE_COMMIT["repos"] for hook in repo["hooks"]}
CONVENTION = yaml.safe_load((ROOT / "git-conventional-commits.yaml").read_text(encoding="utf-8"))
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
CI = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))

# The release notes come from conventional-changelog's `conventionalcommits`
# preset (.github/scripts/release-notes.sh). Its default types and sections:
NOTES_SECTIONS = {"feat": "Features", "fix": "Bug Fixes", "perf": "Performance Improvements", "revert": "Reverts"}
NOTES_HIDDEN = {"docs", "style", "chore", "refactor", "test", "build", "ci"}
# Its parser reads a commit header with this pattern; a header it cannot read
# is left out of the notes.
NOTES_HEADER = re.compile(r"^(\w*)(?:\((.*)\))?!?: (.*)$")


# --- .pre-commit-config.yaml ----------------------------------------------------


def test_every_hook_is_local_and_pinned_to_a_registry_version() -> None:
    assert [repo["repo"] for repo in PRE_COMMIT["repos"]] == ["local"], "hooks must not clone repositories"
    pinned = {
        "python": r"[A-Za-z0-9_.-]+==\d+(\.\d+)*",  # PyPI
        "node": r"(@[a-z0-9-]+/)?[a-z0-9._-]+@\d+\.\d+\.\d+",  # npm
        "golang": r"[a-z0-9./-]+@v\d+\.\d+\.\d+",  # Go module proxy
    }
    for hook_id, hook in HOOKS.items():
        if hook["language"] == "system":  # the Rust toolchain's own rustfmt and clippy
            assert hook["entry"].split()[0] in {"cargo", "make"}, hook_id
            continue
        deps = hook.get("additional_dependencies", [])
        assert deps, f"{hook_id}: no pinned package to install"
        for dep in deps:
            assert re.fullmatch(pinned[hook["language"]], dep), f"{hook_id}: {dep!r} is not pinned to one version"


def test_hooks_cover_the_quality_gates() -> None:
    assert {
        *("trailing-whitespace", "end-of-file-fixer", "check-merge-conflict", "check-added-large-files"),
        *("check-toml", "check-yaml", "detect-private-key", "ruff-check", "ruff-format"),
        *("rustfmt", "clippy", "stubtest"),
        *("zizmor", "actionlint", "conventional-commit-message", "mypy", "typos", "prettier"),
    } <= HOOKS.keys()
    assert "-D warnings" in (ROOT / "Makefile").read_text(encoding="utf-8").split("\nclippy:")[1].split("\n\n")[0]
    assert HOOKS["conventional-commit-message"]["stages"] == ["commit-msg"]
    assert PRE_COMMIT["default_stages"] == ["pre-commit"], "other hooks must not run on the commit message"


def test_make_init_installs_the_commit_msg_hook_too() -> None:
    # `make init` runs a plain `pre-commit install`, which installs the hook
    # types the configuration names (the scratch repository below checks it).
    init = (ROOT / "Makefile").read_text(encoding="utf-8").split("\ninit:")[1].split("\n\n")[0]
    assert re.search(r"pre-commit install(?! -t| --hook-type)", init), "install the hook types in the config"
    assert set(PRE_COMMIT["default_install_hook_types"]) == {"pre-commit", "commit-msg"}


def test_the_stubs_tools_match_pyo3_and_the_hooks() -> None:
    # pyo3-introspection reads the description PyO3 wrote: the same version; ruff
    # formats the stubs as the git hooks then check them: the same version too.
    stubs = dict(pin.split("==") for pin in PYPROJECT["dependency-groups"]["stubs"])
    lock = tomllib.loads((ROOT / "crates" / "Cargo.lock").read_text(encoding="utf-8"))
    (pyo3,) = [package["version"] for package in lock["package"] if package["name"] == "pyo3"]
    assert stubs["pyo3-introspection"] == pyo3, "bump pyo3-introspection in [dependency-groups] with PyO3"
    hook_ruff = HOOKS["ruff-format"]["additional_dependencies"][0].removeprefix("ruff==")
    assert stubs["ruff"] == hook_ruff, "ruff in the stubs group and in .pre-commit-config.yaml must agree"


# --- git-conventional-commits.yaml and the release notes -------------------------


def test_commit_types_agree_with_the_release_notes() -> None:
    types = CONVENTION["convention"]["commitTypes"]
    # `merge` is git's own "Merge branch ..." message: the notes list the merged commits.
    unknown = set(types) - NOTES_SECTIONS.keys() - NOTES_HIDDEN - {"merge"}
    assert not unknown, f"commit types the release notes would drop silently: {unknown}"
    changelog = CONVENTION["changelog"]
    assert changelog["commitTypes"] == [t for t in types if t in NOTES_SECTIONS]
    for commit_type in changelog["commitTypes"]:
        assert changelog["headlines"][commit_type] == NOTES_SECTIONS[commit_type]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("feat: add thing", True),
        ("fix(core)!: drop thing", True),
        ("feat:add thing", False),
        ("feat : add", False),
        ("feat(): x", False),
        ("fix(a b): c", False),
        ("feat: ", False),
    ],
)
def test_a_header_the_hook_accepts_is_one_the_notes_can_read(message: str, expected: bool) -> None:
    # The hook's pattern is a JavaScript regular expression; (?<name>) is (?P<name>) in Python.
    pattern = CONVENTION["convention"]["commitMessageRegexPattern"].replace("(?<", "(?P<")
    accepted = re.match(pattern, message)
    assert bool(accepted) == expected
    if accepted:
        notes = NOTES_HEADER.match(message)
        assert notes and notes[1] == accepted["type"] and notes[3] == accepted["description"]


# --- workflows and Dependabot --------------------------------------------------------


def test_workflows_do_not_name_the_template() -> None:
    # The instantiation renames the template's names everywhere but in workflows.
    for workflow in WORKFLOWS:
        text = workflow.read_text(encoding="utf-8")
        assert not re.search(r"project[_-]name", text), f"{workflow.name} names the template"


@pytest.mark.parametrize("hook_id", ["zizmor", "actionlint"])
def test_workflows_pass(hook_id: str) -> None:
    # The same hook as `make lint`, on every workflow (tracked by git or not).
    files = [str(path.relative_to(ROOT)) for path in [*WORKFLOWS, ROOT / ".github" / "dependabot.yml"]]
    result = run(sys.executable, "-m", "pre_commit", "run", hook_id, "--files", *files, cwd=ROOT, check=False)
    assert result.returncode == 0, f"{hook_id} failed:\n{result.stdout}\n{result.stderr}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_every_workflow_follows_the_supply_chain_rules(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    flow = yaml.safe_load(text)
    assert flow["permissions"] == {}, "no permission by default: each job asks for what it needs"
    pinned = re.findall(r"(?m)^\s*(?:- )?uses: (\S+)(.*)", text)
    assert len(pinned) == sum("uses" in step for job in flow["jobs"].values() for step in job["steps"])
    for action, comment in pinned:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action), f"{action} is not pinned by commit SHA"
        assert re.fullmatch(r" # v\d+\.\d+\.\d+", comment), f"{action} lacks its version comment"
    for name, job in flow["jobs"].items():
        assert "permissions" in job, f"{name} must say which permissions it needs"
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, name
            assert "${{" not in step.get("run", ""), f"{name}: values reach a script through env:, not inline"
            if path.name != "ci.yml":  # the others publish: a poisoned cache must not reach what they ship
                assert "cache" not in step.get("with", {}), f"{name}: a job that publishes must not use a cache"
                assert not step.get("uses", "").startswith("actions/cache"), name


def test_ci_jobs_read_and_call_make_targets() -> None:
    for name, job in CI["jobs"].items():
        assert job["permissions"] == {"contents": "read"}, name
        for step in job["steps"]:
            if "run" in step:
                # The one exception: Homebrew's GNU make on macOS, whose own make is too old.
                brew_make = step.get("if") == "runner.os == 'macOS'" and step["run"].startswith("brew install make\n")
                assert step["run"].startswith("make ") or brew_make, f"{name}: steps call Make targets, not scripts"


def test_ci_runs_on_every_push_pull_request_and_when_started() -> None:
    # workflow_dispatch: the Instantiate workflow starts CI on the renamed project's first commit.
    assert CI[True].keys() == {"push", "pull_request", "workflow_dispatch"}  # YAML reads the key `on` as True
    assert CI[True]["push"] == {"branches": ["**"]}


def test_ci_tests_the_floor_and_a_newer_python() -> None:
    floor = PYPROJECT["project"]["requires-python"].removeprefix(">=")
    assert CI["env"]["FLOOR_PYTHON"] == floor

    def version(text: str) -> tuple[int, ...]:
        return tuple(map(int, text.split(".")))

    # .python-version may name any CPython from the floor on, the floor itself included.
    development = (ROOT / ".python-version").read_text(encoding="utf-8").strip()
    assert version(CI["env"]["NEWEST_PYTHON"]) >= version(development) >= version(floor)
    assert version(CI["env"]["NEWEST_PYTHON"]) > version(floor), "CI tests the floor and a newer Python"
    assert {entry["os"] for entry in CI["jobs"]["test"]["strategy"]["matrix"]["include"]} == {
        "ubuntu-latest",
        "macos-latest",
        "windows-latest",
    }


def test_dependabot_updates_every_ecosystem_grouped_after_a_cooldown() -> None:
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text(encoding="utf-8"))
    updates = {update["package-ecosystem"]: update for update in config["updates"]}
    assert updates.keys() == {"github-actions", "cargo", "pip"}
    assert (ROOT / updates["cargo"]["directory"].lstrip("/") / "Cargo.toml").is_file()
    for update in updates.values():
        assert update["groups"] and update["cooldown"]["default-days"] >= 1


# --- real commits in a scratch repository ----------------------------------------


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of this repository's files in a new git repository, set up with `make init`
    (its own .venv, extension and git hooks), as a user's clone."""
    if os.name == "nt":
        pytest.skip("the git hook tests run on Linux and macOS")
    repo = tmp_path_factory.mktemp("scratch")
    committed_copy(repo)
    run("make", "init", cwd=repo)
    return repo


def head(repo: Path) -> str:
    return git(repo, "log", "-1", "--format=%H %s")


def commit(repo: Path, message: str, changes: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Commit `changes` (path -> text appended) with the real hooks; undo whatever a rejected commit left."""
    for name, text in (changes or {}).items():
        with (repo / name).open("a", encoding="utf-8") as file:
            file.write(text)
    git(repo, "add", "--all")
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"]
    result = run("git", *identity, "commit", "--allow-empty", "--message", message, cwd=repo, check=False)
    git(repo, "reset", "--quiet", "--hard")
    git(repo, "clean", "--quiet", "-d", "--force")
    return result


def test_make_init_installs_both_hooks(scratch: Path) -> None:
    assert (scratch / ".git" / "hooks" / "pre-commit").is_file()
    assert (scratch / ".git" / "hooks" / "commit-msg").is_file()


@pytest.mark.parametrize(
    ("message", "accepted"),
    [
        ("bad message", False),
        ("feat: add thing", True),
        ("fix(core)!: drop thing", True),
    ],
)
def test_commit_message_with_a_change(scratch: Path, message: str, accepted: bool) -> None:
    before = head(scratch)
    result = commit(scratch, message, {"README.md": f"\n{message}\n"})
    output = result.stdout + result.stderr
    if accepted:
        assert result.returncode == 0, output
        assert head(scratch).endswith(f" {message}")
    else:
        assert result.returncode != 0 and "Invalid commit message" in output, output
        assert head(scratch) == before


@pytest.mark.parametrize(
    ("message", "accepted"),
    [
        ("docs(readme): fix a typo", True),
        ("Merge branch 'topic'", True),  # git merge's own message
        ('Revert "feat: add thing"', True),  # git revert's own message
        ("revert: feat: add thing", True),
        ("feat:add thing", False),  # the release notes need the space
        ("Feat: add thing", False),
        ("wip: add thing", False),
        ("feat(): add thing", False),
        ("fix(core) drop thing", False),
    ],
)
def test_commit_message(scratch: Path, message: str, accepted: bool) -> None:
    before = head(scratch)
    result = commit(scratch, message)
    assert (result.returncode == 0) == accepted, result.stdout + result.stderr
    assert (head(scratch) != before) == accepted


def test_python_lint_error_is_rejected(scratch: Path) -> None:
    (package,) = (scratch / "src").glob("*/__init__.py")
    before = head(scratch)
    broken = package.with_name("broken.py").relative_to(scratch).as_posix()
    result = commit(scratch, "feat: add a broken module", {broken: "print(undefined_name)\n"})
    assert result.returncode != 0 and "F821" in result.stdout + result.stderr, result.stdout + result.stderr
    assert head(scratch) == before


def test_rust_clippy_warning_is_rejected(scratch: Path) -> None:
    change = "\n/// Return one.\npub fn one() -> i32 {\n    return 1;\n}\n"
    before = head(scratch)
    result = commit(scratch, "feat: add one", {"crates/src/lib.rs": change})
    assert result.returncode != 0 and "needless_return" in result.stdout + result.stderr, result.stdout + result.stderr
    assert head(scratch) == before


def test_conflict_markers_stop_the_commit_before_any_formatter(scratch: Path) -> None:
    # Left by `make update-template`, which leaves no merge state that would mark them.
    markers = "\n<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> 3f2a9c1 (the template)\n"
    before = head(scratch)
    result = commit(scratch, "docs: a conflicted file", {"README.md": markers})
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "Merge conflict string" in output, output
    assert "prettier" not in output, "a formatter ran on the conflicted file"
    assert head(scratch) == before


def stub_of_the_extension(repo: Path) -> str:
    """The root module's stub, which the build writes."""
    return next((repo / "src").glob("*/_accelerate/__init__.pyi")).relative_to(repo).as_posix()


def test_a_stub_edited_by_hand_is_rejected(scratch: Path) -> None:
    stub = stub_of_the_extension(scratch)
    run("make", "build", cwd=scratch)  # else the hook's build writes the stub anew, which also stops the commit
    before = head(scratch)
    result = commit(scratch, "feat: promise a function", {stub: "def not_in_rust(a: int, /) -> int: ...\n"})
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert f"stubs: {stub} does not describe the compiled extension: run 'make build'" in output, output
    assert head(scratch) == before


# A function of the root module, which changes its stub.
NEW_FUNCTION = "\n#[pyo3::pyfunction]\nfn answer() -> u32 {\n    42\n}\n"


def add_a_function_to_the_root_module(repo: Path) -> str:
    lib = repo / "crates/src/lib.rs"
    text = lib.read_text(encoding="utf-8")
    assert text.endswith("\n}\n"), "the root module ends the file"
    lib.write_text(text[:-2] + NEW_FUNCTION.replace("\n", "\n    ").rstrip(" ") + "}\n", encoding="utf-8")
    return lib.relative_to(repo).as_posix()


def test_rust_committed_with_old_stubs_is_rejected_with_the_fix(scratch: Path) -> None:
    before = head(scratch)
    stub = stub_of_the_extension(scratch)
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"]
    try:
        # Built already: the stub in the working tree is new, the staged one old.
        lib = add_a_function_to_the_root_module(scratch)
        run("make", "build", cwd=scratch)
        assert "def answer() -> int" in (scratch / stub).read_text(encoding="utf-8")
        git(scratch, "add", lib)
        result = run("git", *identity, "commit", "--message", "feat: the answer", cwd=scratch, check=False)
        output = result.stdout + result.stderr
        assert result.returncode != 0 and head(scratch) == before, output
        assert f"stubs: {stub} does not describe the compiled extension: run 'make build'" in output, output
        assert "and commit them" in output
        # Not built yet: the hook builds, writes the stub and stops the commit, saying so.
        git(scratch, "checkout", "--quiet", "--", stub)
        (scratch / "crates/src/lib.rs").touch()
        result = run("git", *identity, "commit", "--message", "feat: the answer", cwd=scratch, check=False)
        output = result.stdout + result.stderr
        assert result.returncode != 0 and head(scratch) == before, output
        assert f"Stubs written from the Rust code: {stub} (commit them with it)" in output, output
        # With the stub the build wrote, the commit goes through.
        git(scratch, "add", stub)
        result = run("git", *identity, "commit", "--message", "feat: the answer", cwd=scratch, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
    finally:
        git(scratch, "reset", "--quiet", "--hard", before.split()[0])
        run("make", "build", cwd=scratch)


def test_make_lint_fails_on_stubs_committed_stale(scratch: Path) -> None:
    # What CI's lint job meets when a commit skipped the hooks.
    before = head(scratch)
    try:
        add_a_function_to_the_root_module(scratch)
        git(scratch, "add", "--all")
        git(scratch, "commit", "--quiet", "--no-verify", "--message", "feat: the answer, without its stub")
        result = run("make", "lint", cwd=scratch, check=False)
        output = result.stdout + result.stderr
        assert result.returncode != 0, output
        assert "make lint: the hooks changed these files" in output and stub_of_the_extension(scratch) in output
        assert "+def answer() -> int" in output, output
    finally:
        git(scratch, "reset", "--quiet", "--hard", before.split()[0])
        run("make", "build", cwd=scratch)


def test_a_long_line_the_formatter_rewraps_fails_only_the_formatter(scratch: Path) -> None:
    # ruff's lint leaves line length to the formatter: a long __all__ costs one
    # reformatting, not also a lint error in the same run.
    names = ", ".join(f'"name_number_{n}"' for n in range(12))
    module = f"__all__ = [{names}]\n" + "".join(f"name_number_{n} = {n}\n" for n in range(12))
    result = commit(scratch, "feat: many names", {"src/long_all.py": module})
    output = result.stdout + result.stderr
    assert result.returncode != 0 and re.search(r"ruff \(format\)\.+Failed", output), output
    assert re.search(r"ruff \(lint\)\.+Passed", output), output


def lint(
    repo: Path, untracked: dict[str, str], unstaged: dict[str, tuple[str, str]]
) -> subprocess.CompletedProcess[str]:
    """`make lint` with new files that git does not track yet, and changes (old -> new) not staged."""
    for name, text in untracked.items():
        (repo / name).write_text(text, encoding="utf-8")
    for name, (old, new) in unstaged.items():
        text = (repo / name).read_text(encoding="utf-8")
        assert old in text, (name, old)
        (repo / name).write_text(text.replace(old, new, 1), encoding="utf-8")
    try:
        return run("make", "lint", cwd=repo, check=False)
    finally:
        git(repo, "reset", "--quiet", "--hard")
        git(repo, "clean", "--quiet", "-d", "--force")


def test_make_lint_checks_new_files_too(scratch: Path) -> None:
    # pre-commit's own --all-files sees the files git tracks only.
    misspelt = "rec" + "ieve"  # written whole, this file would fail the spell checker itself
    new_file = f"def test_{misspelt}() -> None:\n    print(undefined_name)\n"
    result = lint(scratch, {"tests/test_new.py": new_file}, {})
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "F821" in output and "tests/test_new.py:2:11" in output and f"`{misspelt}` should be" in output, output
    assert "make lint: the checks above failed (they changed no file)" in output


def test_make_lint_shows_what_the_hooks_changed_not_your_own_changes(scratch: Path) -> None:
    stub = stub_of_the_extension(scratch)
    # An unstaged change of one's own, a stub edited by hand (the stubtest hook refuses it), a formatter's fix.
    own = ("MIT License\n", "MIT License\n\nA change of my own, not staged.\n")
    promise = ("\n__all__", "\n# An edit by hand.\n__all__")
    result = lint(scratch, {"src/spaced.py": "x = 1   \n"}, {"LICENSE": own, stub: promise})
    output = result.stdout + result.stderr
    assert result.returncode != 0 and f"stubs: {stub} does not describe the compiled extension" in output, output
    assert "make lint: the hooks changed these files" in output and "src/spaced.py" in output, output
    assert "A change of my own" not in output and "An edit by hand" not in output.split("hooks changed")[1]
    assert "pre-commit hook(s) made changes" not in output
    # The stub failure alone: no "changed" report at all.
    result = lint(scratch, {}, {stub: promise, "LICENSE": own})
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "make lint: the checks above failed (they changed no file)" in output, output
    assert "changed these files" not in output and "A change of my own" not in output


def test_accepted_messages_reach_the_release_notes(scratch: Path) -> None:
    script = scratch / ".github" / "scripts" / "release-notes.sh"
    if not script.is_file():
        pytest.skip("no release notes script")
    for message in ("feat: add the notes thing", "fix(core)!: drop the notes thing", "docs: document the notes thing"):
        assert commit(scratch, message).returncode == 0
    notes = run("bash", script, cwd=scratch)
    assert "add the notes thing" in notes.stdout and "drop the notes thing" in notes.stdout, notes.stdout
    assert "BREAKING CHANGES" in notes.stdout
    assert "document the notes thing" not in notes.stdout  # docs: hidden on purpose
