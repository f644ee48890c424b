"""The release machinery: workflow, gate, cibuildwheel selection, release notes, GitHub Release.

The wheel and sdist themselves are tested in test_packaging.py. Some tests
need the package registries: npm for the release notes generator, PyPI for
cibuildwheel.
"""

import hashlib
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
    assert set(JOBS["release"]["needs"]) == {"gate", *BUILD_JOBS}
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
    assert JOBS["gate"]["outputs"]["runners"] == "${{ steps.plan.outputs.runners }}"
    assert JOBS["gate"]["outputs"]["attest"] == "${{ steps.plan.outputs.attest }}"
    (step,) = [step for step in JOBS["gate"]["steps"] if step.get("id") == "plan"]
    assert step["run"] == '.github/scripts/release-plan.sh >> "$GITHUB_OUTPUT"'
    assert step["env"] == {
        "PRIVATE": "${{ github.event.repository.private }}",
        "ARM_RUNNERS": "${{ vars.RELEASE_ARM_RUNNERS }}",
        "ATTESTATIONS": "${{ vars.RELEASE_ATTESTATIONS }}",
    }
    assert wheels["runs-on"] == "${{ matrix.os }}"
    (build,) = [step for step in wheels["steps"] if "run" in step]
    assert build["run"].split("\n")[1:3] == [
        "python -m pip install --group wheels",
        "SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) python -m cibuildwheel --output-dir wheelhouse",
    ]
    assert [step["run"] for step in JOBS["sdist"]["steps"] if "run" in step] == ["make sdist"]


def test_no_step_relies_on_the_pip_its_python_brought_to_install_a_group() -> None:
    # `pip install --group` needs pip 25.1; the pip bundled with an older CPython
    # (.python-version may name the floor) fails with "no such option: --group".
    for path in sorted((ROOT / ".github" / "workflows").glob("*.yml")):
        for job in yaml.safe_load(path.read_text(encoding="utf-8"))["jobs"].values():
            for step in job["steps"]:
                lines = step.get("run", "").splitlines()
                for number, line in enumerate(lines):
                    if "pip install" in line and "--group" in line:
                        upgraded = [
                            earlier for earlier in lines[:number] if re.search(r'--upgrade "pip>=25\.1"', earlier)
                        ]
                        assert upgraded, f"{path.name}: {line.strip()!r} runs with whatever pip the Python brought"


ARM = {"ubuntu-24.04-arm", "windows-11-arm"}


def plan(**env: str) -> dict[str, Any]:
    """What release-plan.sh prints: the runners, and whether to attest."""
    result = run("bash", SCRIPTS / "release-plan.sh", env=clean_env(**env))
    lines = dict(line.split("=", 1) for line in result.stdout.splitlines())
    assert lines.keys() == {"runners", "attest"}, result.stdout
    return {"runners": json.loads(lines["runners"]), "attest": lines["attest"]}


@needs_bash
@pytest.mark.parametrize(
    ("private", "variable", "on"),
    [
        ("false", "", True),  # public: the ARM runners and attestations are free
        ("true", "", False),  # private: nothing the plan may not offer
        ("true", "true", True),  # private, asked for
        ("false", "false", False),  # public, turned off
        ("", "", True),  # no payload value: as public
    ],
)
def test_release_plan_for_public_and_private_repositories(private: str, variable: str, on: bool) -> None:
    runners = plan(PRIVATE=private, ARM_RUNNERS=variable)["runners"]
    assert set(runners) == (set(RUNNERS) if on else set(RUNNERS) - ARM) and len(runners) == len(set(runners))
    assert plan(PRIVATE=private, ATTESTATIONS=variable)["attest"] == ("true" if on else "false")


@needs_bash
@pytest.mark.parametrize("variable", ["ARM_RUNNERS", "ATTESTATIONS"])
def test_release_plan_refuses_a_misspelt_variable(variable: str) -> None:
    result = run("bash", SCRIPTS / "release-plan.sh", env=clean_env(**{variable: "yes"}), check=False)
    assert result.returncode != 0 and "set it to true or false" in result.stderr
    assert f"RELEASE_{variable} is 'yes'" in result.stderr


def test_release_publishes_only_after_every_build() -> None:
    release = JOBS["release"]
    assert set(release["needs"]) == {"gate", *BUILD_JOBS}
    (publish,) = [step for step in release["steps"] if "run" in step]
    assert publish["run"].startswith('.github/scripts/github-release.sh "$GITHUB_REF_NAME" release-notes.md dist/')


def test_every_published_file_is_attested_first_where_the_plan_allows() -> None:
    steps = JOBS["release"]["steps"]
    (attest,) = [step for step in steps if step.get("uses", "").startswith("actions/attest@")]
    assert attest["with"] == {"subject-path": "dist/*"}  # every file the next step publishes
    assert attest["if"] == "needs.gate.outputs.attest == 'true'"
    (publish,) = [step for step in steps if "run" in step]
    assert steps.index(attest) < steps.index(publish), "attested before anything is published"
    downloads = [step["with"] for step in steps if step.get("uses", "").startswith("actions/download-artifact@")]
    assert {"pattern": "dist-*", "path": "dist", "merge-multiple": True} in downloads


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
        # Attestations only where they are made, with the release.
        "release": {"contents": "write", "id-token": "write", "attestations": "write"},
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

# GitHub cannot be reached from here: a fake `gh` keeps the release's state in
# files next to its log ($GH_LOG.state: draft or published; .assets: the
# SHA-256 and name of each file; .immutable: the repository's setting) and
# answers as GitHub would, including the 422 of an immutable release.
FAKE_GH = """#!/usr/bin/env bash
echo "$*" >> "$GH_LOG"
state=$GH_LOG.state assets=$GH_LOG.assets
files() { for f in "$@"; do case $f in *.whl | *.tar.gz) echo "$(sha256sum "$f" | cut -d' ' -f1)  $f" ;; esac; done; }
notes() { while [ $# -gt 0 ]; do [ "$1" = --notes-file ] && cp "$2" "$GH_LOG.notes"; shift; done; }
case "$1 $2" in
  "release view") [ -f "$state" ] || exit 1; cat "$state"; cat "$assets" 2>/dev/null; true ;;
  "release create") shift 3; files "$@" > "$assets"; echo published > "$state"; notes "$@" ;;
  "release upload")
    if [ -f "$GH_LOG.immutable" ] && grep -q published "$state"; then
      echo "HTTP 422: Cannot upload assets to an immutable release" >&2; exit 1
    fi
    shift 3; files "$@" > "$assets" ;;
  "release edit") shift 3; notes "$@"; case " $* " in *" --draft=false "*) echo published > "$state" ;; esac ;;
esac
"""
FILES = ("pkg-1.2.3-cp311-abi3-manylinux_2_28_x86_64.whl", "pkg-1.2.3-cp314-cp314t-win_arm64.whl", "pkg-1.2.3.tar.gz")


@pytest.fixture
def github(tmp_path: Path):
    """Runs github-release.sh against the fake `gh`; returns (run it, the calls so far, the log's path)."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "gh").write_text(FAKE_GH, encoding="utf-8")
    (bindir / "gh").chmod(0o755)
    log = tmp_path / "gh.log"
    (tmp_path / "notes.md").write_text("## notes\n", encoding="utf-8")

    def release(tag: str, *files: str, content: str = "built") -> subprocess.CompletedProcess[str]:
        for name in files:
            (tmp_path / name).write_text(f"{content} {name}", encoding="utf-8")
        env = clean_env(PATH=f"{bindir}{os.pathsep}{os.environ['PATH']}", GH_LOG=str(log))
        script = SCRIPTS / "github-release.sh"
        return run("bash", script, tag, "notes.md", *files, cwd=tmp_path, env=env, check=False)

    def calls() -> list[str]:
        return (
            [call.split(" --jq ")[0] for call in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []
        )

    return release, calls, log


@needs_bash
def test_github_release_lists_the_sha256_of_each_file_in_its_notes(github, tmp_path: Path) -> None:
    release, calls, log = github
    result = release("v1.2.3", *FILES)
    assert result.returncode == 0, result.stderr
    assert calls()[0] == "release view v1.2.3 --json isDraft,assets"
    assert calls()[1].startswith(f"release create v1.2.3 {' '.join(FILES)} --verify-tag --title v1.2.3 --notes-file ")
    assert calls()[1].endswith(" --prerelease=false")
    notes = Path(f"{log}.notes").read_text(encoding="utf-8")
    assert notes.startswith("## notes\n") and "### Files" in notes
    listed = re.findall(r"(?m)^([0-9a-f]{64})  (\S+)$", notes)
    assert sorted(name for _, name in listed) == sorted(FILES)
    for digest, name in listed:
        assert hashlib.sha256((tmp_path / name).read_bytes()).hexdigest() == digest
    assert (
        run("sha256sum", "--check", "-", cwd=tmp_path, input="".join(f"{d}  {n}\n" for d, n in listed)).returncode == 0
    )


@needs_bash
def test_a_rerun_with_the_same_files_uploads_nothing(github) -> None:
    # What a re-run of the release job meets: the builds are reproducible.
    release, calls, log = github
    assert release("v1.2.3", *FILES).returncode == 0
    result = release("v1.2.3", *FILES)
    assert result.returncode == 0 and "already holds these very files" in result.stdout, result.stdout
    assert not any(call.startswith("release upload") for call in calls())
    assert calls()[-1].startswith("release edit v1.2.3 --notes-file ")


@needs_bash
def test_a_rerun_with_other_files_replaces_them_unless_releases_are_immutable(github) -> None:
    release, calls, log = github
    assert release("v1.2.3", *FILES).returncode == 0
    result = release("v1.2.3", *FILES, content="rebuilt differently")
    assert result.returncode == 0 and "replaced its files" in result.stdout, result.stdout + result.stderr
    assert calls()[-1] == f"release upload v1.2.3 {' '.join(FILES)} --clobber"
    Path(f"{log}.immutable").touch()
    before = Path(f"{log}.assets").read_text(encoding="utf-8")
    result = release("v1.2.3", *FILES, content="rebuilt once more")
    assert result.returncode != 0
    assert "is immutable (Settings > General > Releases)" in result.stderr and "make release" in result.stderr
    assert Path(f"{log}.assets").read_text(encoding="utf-8") == before


@needs_bash
def test_a_draft_left_by_a_failed_run_is_finished_and_published(github) -> None:
    release, calls, log = github
    Path(f"{log}.state").write_text("draft\n", encoding="utf-8")
    Path(f"{log}.immutable").touch()  # a draft's files can change all the same
    result = release("v1.2.3", *FILES)
    assert result.returncode == 0, result.stderr
    assert calls()[1:] == [
        f"release upload v1.2.3 {' '.join(FILES)} --clobber",
        calls()[2],
    ]
    assert calls()[2].startswith("release edit v1.2.3 --notes-file ") and calls()[2].endswith("--draft=false")
    assert Path(f"{log}.state").read_text(encoding="utf-8") == "published\n"


@needs_bash
def test_github_release_of_a_pre_release(github) -> None:
    release, calls, _ = github
    assert release("v2.0.0rc1", "pkg-2.0.0rc1.tar.gz").returncode == 0
    assert calls()[-1].endswith("--prerelease=true")


@needs_bash
def test_github_release_refuses_files_of_another_version(github) -> None:
    # The 2024 design shipped wheels named 0.1.0 under the tag v0.2.0.
    release, calls, _ = github
    result = release("v0.2.0", "pkg-0.2.0.tar.gz", "pkg-0.1.0-cp310-abi3-win_amd64.whl")
    assert result.returncode != 0 and "is not version 0.2.0" in result.stderr
    assert calls() == []


def test_the_guide_documents_the_release_and_pypi_switch() -> None:
    readme = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for needed in ("git push origin v", "PUBLISH_TO_PYPI", "trusted publish", "make changelog", "make wheel"):
        assert needed in readme, needed
