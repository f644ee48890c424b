"""The release machinery: workflow, gate, cibuildwheel selection, release notes, GitHub Release.

The wheel and sdist themselves are tested in test_packaging.py. Some tests
need the package registries: npm for the release notes generator, PyPI for
cibuildwheel.
"""

import json
import os
import re
import subprocess
import tomllib
import venv
from pathlib import Path
from typing import Any

import pytest
import yaml  # PyYAML, which pre-commit depends on

from conftest import ROOT, clean_env, git, run

SCRIPTS = ROOT / ".github" / "scripts"
WORKFLOW_TEXT = (ROOT / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8")
WORKFLOW = yaml.safe_load(WORKFLOW_TEXT)
JOBS = WORKFLOW["jobs"]
BUILD_JOBS = {"notes", "sdist", "wheels"}

# The release workflow's runners: what cibuildwheel builds on each.
RUNNERS = {
    "ubuntu-latest": ("linux", "x86_64", ["manylinux_x86_64", "musllinux_x86_64"]),
    "ubuntu-24.04-arm": ("linux", "aarch64", ["manylinux_aarch64", "musllinux_aarch64"]),
    "windows-latest": ("windows", "AMD64", ["win_amd64"]),
    "windows-11-arm": ("windows", "ARM64", ["win_arm64"]),
    "macos-15-intel": ("macos", "x86_64", ["macosx_x86_64"]),
    "macos-latest": ("macos", "arm64", ["macosx_arm64"]),
}

needs_bash = pytest.mark.skipif(os.name == "nt", reason="the release scripts run on the Linux runners")


def uses(job: dict[str, Any]) -> list[str]:
    return [step["uses"] for step in job["steps"] if "uses" in step]


# --- the workflow --------------------------------------------------------------------


def test_workflow_runs_on_version_tags_only() -> None:
    # PyYAML reads the key `on` as True.
    assert WORKFLOW[True] == {"push": {"tags": ["v*"]}}


def test_nothing_runs_in_the_template() -> None:
    (state_step,) = [step for step in JOBS["gate"]["steps"] if step.get("id") == "state"]
    assert state_step["run"].startswith('echo "state=$(.github/scripts/template-state.sh)"')
    assert state_step["env"] == {"IS_TEMPLATE": "${{ github.event.repository.is_template }}"}
    for name in BUILD_JOBS:
        assert JOBS[name]["needs"] == "gate", name
        assert JOBS[name]["if"] == "needs.gate.outputs.state == 'instantiated'", name
    # The publishing jobs need the builds, so they are skipped with them.
    assert set(JOBS["release"]["needs"]) == BUILD_JOBS
    assert JOBS["pypi"]["needs"] == "release"
    assert JOBS.keys() == {"gate", *BUILD_JOBS, "release", "pypi"}


@needs_bash
@pytest.mark.parametrize(
    ("is_template", "flag", "state"),
    [
        ("true", True, "template"),
        ("true", False, "template"),
        ("false", True, "uninstantiated"),
        ("", False, "instantiated"),
    ],
)
def test_gate_script(tmp_path: Path, is_template: str, flag: bool, state: str) -> None:
    scripts = tmp_path / ".github" / "scripts"
    scripts.mkdir(parents=True)
    (scripts / "template-state.sh").write_bytes((SCRIPTS / "template-state.sh").read_bytes())
    if flag:
        (tmp_path / ".github" / "template_flag.yml").write_text("template: x\n", encoding="utf-8")
    result = run("bash", scripts / "template-state.sh", env=clean_env(IS_TEMPLATE=is_template))
    assert result.stdout.strip() == state


def test_every_build_has_the_whole_history() -> None:
    # setuptools-scm reads the version from the tag and the notes read the
    # commits since the previous tag: a shallow clone gives neither.
    for name in BUILD_JOBS:
        (checkout,) = [step for step in JOBS[name]["steps"] if step.get("uses", "").startswith("actions/checkout@")]
        assert checkout["with"]["fetch-depth"] == 0, name


def test_wheels_are_built_by_the_pinned_cibuildwheel_on_the_chosen_runners() -> None:
    wheels = JOBS["wheels"]
    assert wheels["strategy"]["matrix"]["os"] == "${{ fromJSON(needs.gate.outputs.runners) }}"
    assert JOBS["gate"]["outputs"]["runners"] == "${{ steps.runners.outputs.runners }}"
    (step,) = [step for step in JOBS["gate"]["steps"] if step.get("id") == "runners"]
    assert step["run"] == 'echo "runners=$(.github/scripts/release-runners.sh)" >> "$GITHUB_OUTPUT"'
    assert step["env"] == {
        "PRIVATE": "${{ github.event.repository.private }}",
        "ARM_RUNNERS": "${{ vars.RELEASE_ARM_RUNNERS }}",
    }
    assert wheels["runs-on"] == "${{ matrix.os }}"
    (build,) = [step for step in wheels["steps"] if "run" in step]
    assert build["run"].split("\n")[:2] == [
        "python -m pip install --group wheels",
        "python -m cibuildwheel --output-dir wheelhouse",
    ]
    assert [step["run"] for step in JOBS["sdist"]["steps"] if "run" in step] == ["make sdist"]


ARM = {"ubuntu-24.04-arm", "windows-11-arm"}


@needs_bash
@pytest.mark.parametrize(
    ("private", "arm_runners", "expected"),
    [
        ("false", "", set(RUNNERS)),  # public: all six, the ARM ones are free
        ("true", "", set(RUNNERS) - ARM),  # private: no runner the plan may not offer
        ("true", "true", set(RUNNERS)),  # private, ARM runners asked for
        ("false", "false", set(RUNNERS) - ARM),  # public, ARM runners turned off
        ("", "", set(RUNNERS)),  # no payload value: as public
    ],
)
def test_release_runners_are_chosen_for_public_and_private_repositories(private, arm_runners, expected) -> None:
    env = clean_env(PRIVATE=private, ARM_RUNNERS=arm_runners)
    result = run("bash", SCRIPTS / "release-runners.sh", env=env)
    runners = json.loads(result.stdout)
    assert set(runners) == expected and len(runners) == len(expected)


@needs_bash
def test_release_runners_refuse_a_misspelt_variable() -> None:
    result = run("bash", SCRIPTS / "release-runners.sh", env=clean_env(ARM_RUNNERS="yes"), check=False)
    assert result.returncode != 0 and "set it to true or false" in result.stderr


def test_release_publishes_only_after_every_build() -> None:
    release = JOBS["release"]
    assert set(release["needs"]) == BUILD_JOBS
    (publish,) = [step for step in release["steps"] if "run" in step]
    assert publish["run"].startswith('.github/scripts/github-release.sh "$GITHUB_REF_NAME" release-notes.md dist/')


def test_pypi_is_optional_and_uses_trusted_publishing() -> None:
    pypi = JOBS["pypi"]
    assert pypi["if"] == "vars.PUBLISH_TO_PYPI == 'true'"
    assert pypi["environment"] == "pypi"
    assert pypi["permissions"] == {"id-token": "write"}
    (publish,) = [step for step in pypi["steps"] if step["uses"].startswith("pypa/gh-action-pypi-publish@")]
    assert publish["with"]["attestations"] is True
    assert "password" not in publish["with"], "trusted publishing needs no token"


def test_least_privilege() -> None:
    # Pins, credentials and caches: test_hooks.py checks them in every workflow.
    granted = {name: job["permissions"] for name, job in JOBS.items()}
    assert granted == {
        **{name: {"contents": "read"} for name in ("gate", *BUILD_JOBS)},
        "release": {"contents": "write"},
        "pypi": {"id-token": "write"},
    }


# --- cibuildwheel: which wheels -------------------------------------------------------


def cibuildwheel_version() -> str:
    """The cibuildwheel that the release workflow runs: the one pinned in the `wheels` group."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (requirement,) = pyproject["dependency-groups"]["wheels"]
    match = re.fullmatch(r"cibuildwheel==(\d+\.\d+\.\d+)", requirement)
    assert match, requirement
    return match[1]


@pytest.fixture(scope="session")
def cibuildwheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """That same cibuildwheel, from PyPI, in a venv of its own."""
    env_dir = tmp_path_factory.mktemp("cibuildwheel")
    venv.create(env_dir, with_pip=True)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    run(bindir / "python", "-m", "pip", "install", "--quiet", f"cibuildwheel=={cibuildwheel_version()}")
    return bindir / "cibuildwheel"


@pytest.mark.parametrize("runner", RUNNERS)
def test_cibuildwheel_builds_every_supported_cpython(cibuildwheel: Path, runner: str) -> None:
    platform, arch, platform_tags = RUNNERS[runner]
    result = run(
        cibuildwheel, "--print-build-identifiers", "--platform", platform, "--archs", arch, ROOT, env=clean_env()
    )
    identifiers = result.stdout.split()
    floor_match = re.fullmatch(r">=3\.(\d+)", requires_python())
    assert floor_match, requires_python()
    floor = int(floor_match[1])
    newest = max(int(match[1]) for i in identifiers if (match := re.match(r"cp3(\d+)", i)))
    assert newest >= 15, "the pinned cibuildwheel builds CPython 3.15"
    # The abi3 wheel is built for the floor and tested on each later CPython;
    # each free-threaded CPython (3.14t on) gets a wheel of its own.
    pythons = [f"cp3{minor}" for minor in range(floor, newest + 1)] + [f"cp3{m}t" for m in range(14, newest + 1)]
    assert sorted(identifiers) == sorted(f"{py}-{tag}" for py in pythons for tag in platform_tags)


def test_cibuildwheel_builds_against_final_cpython_releases(cibuildwheel: Path) -> None:
    # The CPythons cibuildwheel installs on macOS and Windows, as its own table
    # lists them: a pre-release (3.15.0rc1 in cibuildwheel 4.2.0) would build
    # wheels that the final CPython may not load.
    python = cibuildwheel.with_name("python")
    code = "import cibuildwheel, pathlib; print(pathlib.Path(cibuildwheel.__file__).parent / 'resources')"
    table = Path(run(python, "-c", code).stdout.strip()) / "build-platforms.toml"
    platforms = tomllib.loads(table.read_text(encoding="utf-8"))
    entries = [entry for name in ("macos", "windows") for entry in platforms[name]["python_configurations"]]
    cpython = [entry for entry in entries if entry["identifier"].startswith("cp3")]
    assert cpython
    for entry in cpython:
        assert not re.search(r"\d(a|b|rc)\d", f"{entry['version']} {entry.get('url', '')}"), entry


def requires_python() -> str:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    match = re.search(r'^requires-python = "(.*)"', text, re.MULTILINE)
    assert match, "pyproject.toml has no requires-python line"
    return match[1]


# --- release notes ------------------------------------------------------------------

REPO_URL = "https://github.com/acme/widget"


def notes(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return run("bash", SCRIPTS / "release-notes.sh", *args, cwd=repo, env=clean_env(), check=check)


def commit(repo: Path, message: str) -> str:
    git(repo, "commit", "--quiet", "--allow-empty", "--message", message)
    return git(repo, "rev-parse", "HEAD")


def link(sha: str) -> str:
    return f"([{sha[:7]}]({REPO_URL}/commit/{sha}))"


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A history of two releases and one commit since, conventional and not: (repository, message -> SHA)."""
    repo = tmp_path_factory.mktemp("history")
    git(repo, "init", "--quiet")
    git(repo, "remote", "add", "origin", f"{REPO_URL}.git")
    messages = [
        "feat: first feature",
        "fix(core): first fix",
        "Update the README",  # not a Conventional Commit
        "docs: document the first feature",
        "v0.1.0",
        "feat(api)!: rename the entry point",
        "fix: tabs are errors now\n\nBREAKING CHANGE: input with tabs is rejected",
        "perf: faster parsing",
        "wip",  # not a Conventional Commit
        "v0.2.0",
        "feat: after the second release",
    ]
    shas = {}
    for message in messages:
        if message.startswith("v0."):
            git(repo, "tag", "--annotate", message, "--message", f"Release {message}")
        else:
            shas[message] = commit(repo, message)
    return repo, shas


@needs_bash
def test_notes_of_the_first_release_list_every_commit_before_it(history) -> None:
    repo, shas = history
    text = notes(repo, "v0.1.0").stdout  # the tag is not on HEAD: two releases came after it
    assert re.match(r"## 0\.1\.0 \(\d{4}-\d\d-\d\d\)\n", text), text  # no previous tag to compare with
    assert f"### Features\n\n* first feature {link(shas['feat: first feature'])}\n" in text
    assert f"### Bug Fixes\n\n* **core:** first fix {link(shas['fix(core): first fix'])}\n" in text
    for left_out in ("README", "document the first feature", "rename", "after the second"):
        assert left_out not in text


@needs_bash
def test_notes_of_a_later_release_list_the_commits_since_the_previous_tag(history) -> None:
    repo, shas = history
    text = notes(repo, "v0.2.0").stdout
    assert re.match(rf"## \[0\.2\.0\]\({REPO_URL}/compare/v0\.1\.0\.\.\.v0\.2\.0\) \(\d{{4}}-\d\d-\d\d\)\n", text), text
    # Newest first, like the entries of every section.
    assert "### ⚠ BREAKING CHANGES\n\n* input with tabs is rejected\n* **api:** rename the entry point\n" in text
    assert f"* **api:** rename the entry point {link(shas['feat(api)!: rename the entry point'])}" in text
    assert f"* faster parsing {link(shas['perf: faster parsing'])}" in text
    sections = re.findall(r"^### (.*)$", text, re.MULTILINE)
    assert sections == ["⚠ BREAKING CHANGES", "Features", "Bug Fixes", "Performance Improvements"]
    for left_out in ("first feature", "first fix", "wip", "after the second"):
        assert left_out not in text


@needs_bash
def test_notes_without_a_tag_preview_the_next_release(history) -> None:
    repo, shas = history
    text = notes(repo).stdout  # HEAD has no tag: what the next release would say
    assert text.startswith(f"## [Unreleased]({REPO_URL}/compare/v0.2.0...")
    assert f"### Features\n\n* after the second release {link(shas['feat: after the second release'])}" in text
    assert "rename" not in text


@needs_bash
@pytest.mark.parametrize(
    ("origin", "links_to"),
    [
        ("git@github.com:acme/widget.git", REPO_URL),  # how most clone over SSH
        ("ssh://git@github.com/acme/widget.git", REPO_URL),
        ("https://gitlab.com/acme/widget.git", "https://gitlab.com/acme/widget"),
        ("/srv/git/widget.git", None),  # a path has no web page: no links at all
        ("file:///srv/git/widget.git", None),
        (None, None),
    ],
)
def test_notes_link_to_the_origin_s_web_page_or_to_nothing(
    tmp_path: Path, origin: str | None, links_to: str | None
) -> None:
    git(tmp_path, "init", "--quiet")
    if origin:
        git(tmp_path, "remote", "add", "origin", origin)
    commit(tmp_path, "feat: one")
    git(tmp_path, "tag", "v0.1.0")
    sha = commit(tmp_path, "fix: two")
    text = notes(tmp_path, "--next", "v0.1.1").stdout
    if links_to:
        assert text.startswith(f"## [0.1.1]({links_to}/compare/v0.1.0...v0.1.1) ("), text
        assert f"* two ([{sha[:7]}]({links_to}/commit/{sha}))\n" in text
    else:
        assert text.startswith("## 0.1.1 ("), text
        assert f"* two {sha[:7]}\n" in text
        assert "](" not in text, text


@needs_bash
def test_notes_of_the_tag_on_head_and_of_a_release_without_user_facing_changes(tmp_path: Path) -> None:
    # As in the release workflow: the checkout's HEAD is the tag, given by name.
    git(tmp_path, "init", "--quiet")
    commit(tmp_path, "docs: only documentation")
    commit(tmp_path, "ci: only the workflow")
    git(tmp_path, "tag", "v1.0.0")
    text = notes(tmp_path).stdout
    assert text == notes(tmp_path, "v1.0.0").stdout
    assert re.fullmatch(r"## 1\.0\.0 \(\d{4}-\d\d-\d\d\)\n\nNo new features, fixes or breaking changes.*\n", text), text


@needs_bash
def test_notes_refuse_a_shallow_clone_and_a_tag_that_is_no_version(history, tmp_path: Path) -> None:
    repo, _ = history
    result = notes(repo, "v0.3.0", check=False)
    assert result.returncode != 0 and "no tag 'v0.3.0'" in result.stderr
    result = notes(repo, "latest", check=False)
    assert result.returncode != 0 and "not a version tag" in result.stderr
    shallow = tmp_path / "shallow"
    run("git", "clone", "--quiet", "--depth=1", f"file://{repo}", shallow, env=clean_env())
    result = notes(shallow, check=False)
    assert result.returncode != 0 and "fetch-depth: 0" in result.stderr


def test_make_changelog_runs_the_same_script() -> None:
    result = run("make", "--dry-run", "changelog", "TAG=v9.9.9", cwd=ROOT, env=clean_env())
    assert ".github/scripts/release-notes.sh v9.9.9" in result.stdout
    assert ".github/scripts/release-notes.sh" in JOBS["notes"]["steps"][1]["run"]


# --- the GitHub Release ---------------------------------------------------------------

FAKE_GH = """#!/usr/bin/env bash
# Records each call; `gh release view` succeeds once `gh release create` ran.
echo "$*" >> "$GH_LOG"
case "$1 $2" in
  "release view") [ -f "$GH_LOG.created" ] ;;
  "release create") touch "$GH_LOG.created" ;;
esac
"""


@pytest.fixture
def github(tmp_path: Path):
    """Runs github-release.sh against a fake `gh`; returns (run it, the calls so far)."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "gh").write_text(FAKE_GH, encoding="utf-8")
    (bindir / "gh").chmod(0o755)
    log = tmp_path / "gh.log"
    (tmp_path / "notes.md").write_text("## notes\n", encoding="utf-8")

    def release(tag: str, *files: str) -> subprocess.CompletedProcess[str]:
        for name in files:
            (tmp_path / name).touch()
        env = clean_env(PATH=f"{bindir}{os.pathsep}{os.environ['PATH']}", GH_LOG=str(log))
        script = SCRIPTS / "github-release.sh"
        return run("bash", script, tag, "notes.md", *files, cwd=tmp_path, env=env, check=False)

    def calls() -> list[str]:
        return log.read_text(encoding="utf-8").splitlines() if log.exists() else []

    return release, calls


@needs_bash
def test_github_release_is_created_then_replaced_on_a_rerun(github) -> None:
    release, calls = github
    files = (
        "pkg-1.2.3-cp310-abi3-manylinux_2_28_x86_64.whl",
        "pkg-1.2.3-cp314-cp314t-win_arm64.whl",
        "pkg-1.2.3.tar.gz",
    )
    assert release("v1.2.3", *files).returncode == 0
    assert calls() == [
        "release view v1.2.3",
        f"release create v1.2.3 {' '.join(files)} --verify-tag --title v1.2.3 --notes-file notes.md --prerelease=false",
    ]
    assert release("v1.2.3", *files).returncode == 0  # the workflow run again
    assert calls()[2:] == [
        "release view v1.2.3",
        "release edit v1.2.3 --notes-file notes.md --prerelease=false",
        f"release upload v1.2.3 {' '.join(files)} --clobber",
    ]


@needs_bash
def test_github_release_of_a_pre_release(github) -> None:
    release, calls = github
    assert release("v2.0.0rc1", "pkg-2.0.0rc1.tar.gz").returncode == 0
    assert calls()[-1].endswith("--prerelease=true")


@needs_bash
def test_github_release_refuses_files_of_another_version(github) -> None:
    # The 2024 design shipped wheels named 0.1.0 under the tag v0.2.0.
    release, calls = github
    result = release("v0.2.0", "pkg-0.2.0.tar.gz", "pkg-0.1.0-cp310-abi3-win_amd64.whl")
    assert result.returncode != 0 and "is not version 0.2.0" in result.stderr
    assert calls() == []


def test_readme_documents_the_release_and_pypi_switch() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for needed in ("git push origin v", "PUBLISH_TO_PYPI", "trusted publish", "make changelog", "make wheel"):
        assert needed in readme, needed
