"""`make release`: the next version from the commits, the notes previewed, the tag made and pushed.

Each test drives the real `make release` in a scratch copy of this repository
whose `origin` is a local bare repository standing in for GitHub (its URL is
GitHub's, which git rewrites to the bare repository's path, so the notes link
to GitHub as in the release workflow). The notes come from the real
release-notes.sh and its npm tool. Each release is then checked against what
the release workflow would do in a clone of origin; only GitHub itself (the
workflow run, `gh`) is left out.
"""

import fnmatch
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import ROOT, clean_env, copy_working_tree, git, run

if os.name == "nt":
    pytest.skip("make release runs in bash; these tests need POSIX terminals and hooks", allow_module_level=True)
if not (ROOT / ".github" / "scripts" / "release.sh").is_file():
    pytest.skip("not a checkout of the repository (no release script)", allow_module_level=True)

REPO_URL = "https://github.com/acme/widget"
CONVENTION = (ROOT / "git-conventional-commits.yaml").read_text(encoding="utf-8")
(TAG_GLOB,) = re.findall(r"^ *releaseTagGlobPattern: (\S+)", CONVENTION, re.MULTILINE)
RULE = "-" * 70  # the lines around the notes in make release's output


@dataclass
class Project:
    work: Path  # the user's clone
    origin: Path  # the bare repository that stands for GitHub


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A copy of this project, committed and pushed to its origin's default branch `main`."""
    origin, work = tmp_path / "origin.git", tmp_path / "work"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(origin))
    work.mkdir()
    copy_working_tree(work)
    git(work, "init", "--quiet", "--initial-branch=main")
    # The identity that `make release` tags with; no signing on this machine.
    for key, value in {"user.name": "Test", "user.email": "test@example.com", "tag.gpgSign": "false"}.items():
        git(work, "config", key, value)
    git(work, "remote", "add", "origin", f"{REPO_URL}.git")
    git(work, "config", f"url.{origin}.insteadOf", f"{REPO_URL}.git")
    git(work, "add", "--all")
    git(work, "commit", "--quiet", "--message", "chore: start the project")
    git(work, "push", "--quiet", "origin", "main")
    return Project(work, origin)


def commit(project: Project, *messages: str, push: bool = True) -> None:
    for message in messages:
        git(project.work, "commit", "--quiet", "--allow-empty", "--message", message)
    if push:
        git(project.work, "push", "--quiet", "origin", "main")


def tag(project: Project, name: str) -> None:
    """A release made earlier: HEAD tagged by hand and pushed."""
    git(project.work, "tag", "--annotate", "--message", f"Release {name}", name)
    git(project.work, "push", "--quiet", "origin", name)


def make_release(
    project: Project, *args: str, stdin: int = subprocess.DEVNULL, **env: str
) -> subprocess.CompletedProcess[str]:
    return run("make", "release", *args, cwd=project.work, check=False, stdin=stdin, env=clean_env(**env))


def snapshot(project: Project) -> tuple[str, ...]:
    """What a refused release must leave as it was: refs, HEAD and working tree here, refs on origin."""
    return (
        git(project.work, "for-each-ref"),
        git(project.work, "rev-parse", "--symbolic-full-name", "HEAD", "HEAD"),
        git(project.work, "status", "--porcelain", "--untracked-files=all"),
        git(project.origin, "for-each-ref"),
    )


def refused(project: Project, *args: str, says: str, **env: str) -> str:
    """Run make release, which must fail saying `says` and change nothing; return its message."""
    before = snapshot(project)
    result = make_release(project, *args, stdin=subprocess.DEVNULL, **env)
    assert result.returncode != 0, result.stdout
    assert says in result.stderr, result.stderr
    assert snapshot(project) == before
    return result.stderr


# --- what a release must be ------------------------------------------------------------


def version_key(version: str) -> tuple[int, ...]:
    """PEP 440 order of the versions we tag: 1.2.3a1 < 1.2.3b1 < 1.2.3rc1 < 1.2.3."""
    match = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)(?:(a|b|rc)(\d+))?", version)
    assert match, version
    x, y, z, phase, n = match.groups()
    return int(x), int(y), int(z), ["a", "b", "rc", None].index(phase), int(n or 0)


def last_final_release(project: Project) -> str | None:
    finals = [t[1:] for t in git(project.work, "tag", "--list", "v*").split() if re.fullmatch(r"v[\d.]+", t)]
    return max(finals, key=version_key, default=None)


def semantic_version(last_final: str | None, notes: str) -> str:
    """The documented rule (CONTRIBUTING.md, "Release") applied to the notes of a final release."""
    if last_final is None:
        return "0.1.0"
    major, minor, patch = map(int, last_final.split("."))
    sections = re.findall(r"^### (.*)$", notes, re.MULTILINE)
    bump = "major" if "⚠ BREAKING CHANGES" in sections else "minor" if "Features" in sections else "patch"
    if major == 0:  # below 1.0.0 each bump moves down one place
        bump = {"major": "minor", "minor": "patch"}.get(bump, bump)
    return {
        "major": f"{major + 1}.0.0",
        "minor": f"{major}.{minor + 1}.0",
        "patch": f"{major}.{minor}.{patch + 1}",
    }[bump]


def published_notes(project: Project, name: str, tmp: Path) -> str:
    """The notes the release workflow writes for tag `name`: release-notes.sh in a clone of origin at the tag."""
    clone = tmp / f"clone-{name}"
    run("git", "clone", "--quiet", "--branch", name, str(project.origin), clone)
    git(clone, "remote", "set-url", "origin", f"{REPO_URL}.git")  # as actions/checkout leaves it
    return run("bash", ".github/scripts/release-notes.sh", name, cwd=clone).stdout


def released(project: Project, tmp_path: Path, *args: str) -> tuple[str, str, str]:
    """Run `make release YES=1 ...`, check the release it made; return (tag, notes, output).

    The tag is on origin, on the commit that was HEAD; its message is the notes
    that make release printed, byte for byte, and so are the notes that the
    release workflow publishes for it. The version follows from those notes
    (from the notes of a final release at the same commit, for a pre-release).
    """
    head, last_final = git(project.work, "rev-parse", "HEAD"), last_final_release(project)
    result = make_release(project, "YES=1", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    (name,) = re.findall(r"^Pushed (v\S+) to origin", result.stdout, re.MULTILINE)
    (preview,) = re.findall(rf"^{RULE}\n(.*?\n){RULE}$", result.stdout, re.DOTALL | re.MULTILINE)

    assert git(project.origin, "rev-parse", f"{name}^{{commit}}") == head
    assert git(project.origin, "cat-file", "-t", name) == "tag"  # annotated
    message = run("git", "for-each-ref", "--format=%(contents)", f"refs/tags/{name}", cwd=project.origin).stdout
    assert message == preview + "\n"  # for-each-ref ends the message with a newline of its own
    assert published_notes(project, name, tmp_path) == preview
    assert git(project.work, "status", "--porcelain") == ""

    assert fnmatch.fnmatchcase(name, TAG_GLOB), f"{name} is no release tag for git-conventional-commits.yaml"
    version = name.removeprefix("v")
    match = re.match(r"[\d.]+", version)
    assert match, version
    final = match[0]
    if "VERSION=" not in " ".join(args):
        if final != version:  # a pre-release: of the version a final release here would have
            notes = run("bash", ".github/scripts/release-notes.sh", "--next", f"v{final}", cwd=project.work).stdout
        else:
            notes = preview
        assert final == semantic_version(last_final, notes), (last_final, notes)
    return name, preview, result.stdout


# --- the version ------------------------------------------------------------------------


def test_first_release_is_0_1_0_with_every_commit(project: Project, tmp_path: Path) -> None:
    commit(project, "feat: a feature", "fix(core): a fix", "docs: the docs")
    (project.work / "dist").mkdir()
    (project.work / "dist" / "ignored.whl").touch()  # ignored files do not count as changes
    name, notes, output = released(project, tmp_path)
    assert name == "v0.1.0"
    assert "Next release: v0.1.0, the first release (no final release tagged yet)." in output
    assert re.match(r"## 0\.1\.0 \(\d{4}-\d\d-\d\d\)\n\n### Features\n\n\* a feature \(", notes), notes
    assert "### Bug Fixes\n\n* **core:** a fix (" in notes and "the docs" not in notes


@pytest.mark.parametrize(("last", "expected"), [("1.2.3", "1.3.0"), ("0.4.2", "0.4.3")])
def test_a_feature_bumps_the_minor_version_below_1_the_patch(
    project: Project, tmp_path: Path, last: str, expected: str
) -> None:
    commit(project, "feat: first")
    tag(project, f"v{last}")
    commit(project, "feat: second", "fix: third", "feat(api): fourth")
    name, notes, output = released(project, tmp_path)
    assert name == f"v{expected}"
    assert f"the notes since v{last} have Features (2), Bug Fixes (1)." in output
    assert notes.startswith(f"## [{expected}]({REPO_URL}/compare/v{last}...v{expected}) (")
    assert "first" not in notes


def test_fixes_and_other_commits_bump_the_patch_version(project: Project, tmp_path: Path) -> None:
    tag(project, "v1.2.3")
    commit(project, "fix: a fix", "perf: faster", "docs: the docs")
    name, _, output = released(project, tmp_path)
    assert name == "v1.2.4"
    assert "a patch bump for no feature or breaking change" in output
    commit(project, "docs: only docs", "ci: only CI")
    name, notes, _ = released(project, tmp_path)
    assert name == "v1.2.5" and "No new features, fixes or breaking changes" in notes


@pytest.mark.parametrize("breaking", ["feat(api)!: rename the API", "fix: tabs\n\nBREAKING CHANGE: tabs are errors"])
@pytest.mark.parametrize(("last", "expected"), [("1.2.3", "2.0.0"), ("0.4.2", "0.5.0")])
def test_a_breaking_change_bumps_the_major_version_below_1_the_minor(
    project: Project, tmp_path: Path, breaking: str, last: str, expected: str
) -> None:
    tag(project, f"v{last}")
    commit(project, "fix: a fix", breaking)
    name, notes, output = released(project, tmp_path)
    assert name == f"v{expected}"
    assert notes.split("\n\n")[1] == "### ⚠ BREAKING CHANGES"
    below_1 = ", below 1.0.0" if last.startswith("0.") else ""
    assert f"for a breaking change{below_1}: the notes since v{last} have ⚠ BREAKING CHANGES (1)" in output


def test_pre_releases_then_the_final_release(project: Project, tmp_path: Path) -> None:
    tag(project, "v1.0.0")
    commit(project, "feat: a feature")
    name, notes, output = released(project, tmp_path, "PRE=rc")
    assert name == "v1.1.0rc1" and "Next release: v1.1.0rc1, pre-release 1 of 1.1.0, a minor bump" in output
    assert notes.startswith(f"## [1.1.0rc1]({REPO_URL}/compare/v1.0.0...v1.1.0rc1) (")

    commit(project, "fix: a fix")
    name, notes, _ = released(project, tmp_path, "PRE=rc")
    assert name == "v1.1.0rc2"  # a pre-release's notes: the commits since the last tag
    assert notes.startswith(f"## [1.1.0rc2]({REPO_URL}/compare/v1.1.0rc1...v1.1.0rc2) (")
    assert "a fix" in notes and "a feature" not in notes

    # The final release of the tested pre-release needs a commit of its own.
    hint = refused(project, "YES=1", says="HEAD is already tagged v1.1.0rc2")
    assert "git commit --allow-empty -m 'chore: release X.Y.Z'" in hint
    commit(project, "chore: release 1.1.0")
    name, notes, _ = released(project, tmp_path)
    assert name == "v1.1.0"  # its notes: everything since the last final release
    assert notes.startswith(f"## [1.1.0]({REPO_URL}/compare/v1.0.0...v1.1.0) (")
    assert "a feature" in notes and "a fix" in notes

    commit(project, "fix: another fix")
    assert released(project, tmp_path, "PRE=b")[0] == "v1.1.1b1"


def test_version_given_instead(project: Project, tmp_path: Path) -> None:
    tag(project, "v1.2.3")
    commit(project, "fix: a fix")
    name, _, output = released(project, tmp_path, "VERSION=2.0.0")
    assert name == "v2.0.0" and "Next release: v2.0.0, VERSION=2.0.0 was given." in output
    commit(project, "fix: another fix")
    assert released(project, tmp_path, "VERSION=3.0.0", "PRE=rc")[0] == "v3.0.0rc1"
    commit(project, "fix: and another")
    assert released(project, tmp_path, "VERSION=3.0.0rc3")[0] == "v3.0.0rc3"


@pytest.mark.parametrize("version", ["v1.3.0", "1.3", "1.3.0.0", "01.3.0", "1.3.0-rc1", "1.3.0rc", "1.3.0.post1"])
def test_a_version_that_is_not_one_we_tag_is_refused(project: Project, version: str) -> None:
    tag(project, "v1.2.3")
    commit(project, "fix: a fix")
    refused(project, f"VERSION={version}", "YES=1", says=f"VERSION={version} is not a version to release: give X.Y.Z")


def test_a_pre_release_kind_that_is_not_one_is_refused(project: Project) -> None:
    commit(project, "fix: a fix")
    refused(project, "PRE=beta", "YES=1", says="PRE=beta: give PRE=rc (or a, b)")
    refused(project, "VERSION=1.3.0rc1", "PRE=rc", "YES=1", says="is a pre-release already: drop PRE=rc")


@pytest.mark.parametrize("version", ["1.2.3", "1.2.2", "1.2.3rc1", "0.9.0"])
def test_a_version_not_after_the_last_release_is_refused(project: Project, version: str) -> None:
    tag(project, "v1.2.3")
    commit(project, "feat: a feature")
    refused(project, f"VERSION={version}", "YES=1", says="does not come after the last release, v1.2.3: give")


def test_a_computed_version_not_after_a_pre_release_is_refused(project: Project) -> None:
    tag(project, "v0.9.0")
    commit(project, "feat!: the 1.0 API")
    tag(project, "v1.0.0rc1")  # made with VERSION=1.0.0 PRE=rc; the rule gives 0.10.0
    commit(project, "fix: a fix")
    refused(project, "YES=1", says="0.10.0 does not come after the last release, v1.0.0rc1: give a version")


# --- the guard rails: each leaves everything as it was ---------------------------------


def test_uncommitted_changes_are_refused(project: Project) -> None:
    commit(project, "feat: a feature")
    (project.work / "README.md").write_text("changed\n", encoding="utf-8")
    refused(project, "YES=1", says="there are uncommitted changes (git status): commit or stash them")
    git(project.work, "checkout", "README.md")
    (project.work / "new_file.py").touch()
    refused(project, "YES=1", says="there are uncommitted changes")


def test_only_the_default_branch_is_released(project: Project) -> None:
    git(project.work, "switch", "--quiet", "--create", "topic")
    commit(project, "feat: a feature", push=False)
    refused(
        project, "YES=1", says="on branch 'topic': releases are made from origin's default branch (git switch main)"
    )
    git(project.work, "switch", "--quiet", "--detach")
    refused(project, "YES=1", says="HEAD is detached: switch to the default branch")


def test_a_branch_behind_or_ahead_of_origin_is_refused(project: Project, tmp_path: Path) -> None:
    commit(project, "feat: a feature", push=False)
    refused(project, "YES=1", says="main has commits that origin lacks: push them (git push)")
    git(project.work, "push", "--quiet", "origin", "main")
    other = tmp_path / "other"  # someone else pushes; our origin/main does not know it yet
    run("git", "clone", "--quiet", str(project.origin), other)
    git(other, "commit", "--quiet", "--allow-empty", "--message", "fix: theirs")
    git(other, "push", "--quiet", "origin", "main")
    refused(project, "YES=1", says="origin's main has commits that main lacks: git pull")


def test_tags_that_differ_from_origins_are_refused(project: Project, tmp_path: Path) -> None:
    commit(project, "feat: a feature")
    git(project.work, "tag", "v0.5.0")  # never pushed
    refused(project, "YES=1", says="your version tags differ from origin's: v0.5.0. Get origin's with git fetch")
    git(project.work, "tag", "--delete", "v0.5.0")
    other = tmp_path / "other"
    run("git", "clone", "--quiet", str(project.origin), other)
    git(other, "tag", "v0.6.0")
    git(other, "push", "--quiet", "origin", "v0.6.0")
    refused(project, "YES=1", says="your version tags differ from origin's: v0.6.0.")


def test_nothing_to_release_without_a_commit_since_the_last_tag(project: Project) -> None:
    commit(project, "feat: a feature")
    tag(project, "v0.1.0")
    refused(project, "YES=1", says="HEAD is already tagged v0.1.0: there is no commit since to release. Commit first")


def test_the_template_as_origin_is_refused(project: Project) -> None:
    # A project made with `make instantiate` in a clone of the template, its origin left as it was.
    url = git(project.work, "remote", "get-url", "origin")  # as git names it (here: rewritten to the bare one)
    record = project.work / ".github" / "template-origin.toml"
    record.write_text(f'[template]\nurl = "{url}"\ncommit = ""\n', encoding="utf-8")
    git(project.work, "add", "--all")
    commit(project, "chore: the record")
    refused(project, "YES=1", says=f"origin is the template this project was made from ({url})")


def test_no_origin_is_refused(project: Project) -> None:
    commit(project, "feat: a feature")
    git(project.work, "remote", "remove", "origin")
    refused(project, "YES=1", says="no remote 'origin': add the GitHub repository")


def test_without_a_terminal_yes_is_required(project: Project) -> None:
    commit(project, "feat: a feature")
    # It shows what it would release, then stops. Only values on make's command line
    # count, not the shell's (nor a VERSION it may hold).
    before = snapshot(project)
    result = make_release(project, YES="1", VERSION="x")
    assert result.returncode != 0 and "Next release: v0.1.0, the first release" in result.stdout, result.stdout
    assert "no terminal to ask for confirmation on: nothing was tagged or pushed. Pass YES=1" in result.stderr
    assert snapshot(project) == before


def on_terminal(project: Project, answer: str) -> subprocess.CompletedProcess[str]:
    """make release with a terminal as its input, on which `answer` is typed."""
    import pty  # POSIX only

    primary, secondary = pty.openpty()
    try:
        os.write(primary, answer.encode())
        return make_release(project, stdin=secondary)
    finally:
        os.close(primary)
        os.close(secondary)


def test_it_asks_before_tagging(project: Project) -> None:
    commit(project, "feat: a feature")
    before = snapshot(project)
    result = on_terminal(project, "n\n")
    assert result.returncode != 0 and "not released: nothing was tagged or pushed" in result.stderr
    assert "Tag " in result.stderr and "(main) as v0.1.0 and push the tag to origin? [y/N]" in result.stderr
    assert "## 0.1.0 (" in result.stdout and snapshot(project) == before
    result = on_terminal(project, "y\n")
    assert result.returncode == 0, result.stderr
    assert git(project.origin, "rev-parse", "v0.1.0^{commit}") == git(project.work, "rev-parse", "HEAD")


def test_a_refused_push_leaves_no_tag(project: Project) -> None:
    commit(project, "feat: a feature")
    hook = project.origin / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'tags are frozen here' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    message = refused(
        project, "YES=1", says="pushing v0.1.0 to origin failed (see above), so the tag was deleted again"
    )
    assert "tags are frozen here" in message and "nothing changed" in message
