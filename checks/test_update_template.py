"""`make update-template`: a project made from the template takes the template's later changes.

Each test makes a template repository from this tree (one commit), a project
from it as a user does (a clone, `make instantiate` with awkward answers, a
commit), then changes the template and the project and runs `make
update-template` in the project. Real git throughout; the template is a local
path. Template-only: the instantiation deletes this file, with what it needs.
"""

import re
import shutil
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, clean_env, copy_working_tree, git, rmtree, run

RECORD = ".github/template-origin.toml"
AWKWARD_DESCRIPTION = "Fast \"maths\" & 'more': $(rm -rf /) `id` ${HOME} 🦀\nsecond line"
AWKWARD_AUTHOR = 'Zoë O\'Brien & "Bob" \\ $(id)'
ANSWERS = ["NAME=My.Cool-Repo", f"DESCRIPTION={AWKWARD_DESCRIPTION}", f"AUTHOR={AWKWARD_AUTHOR}", "OWNER=zoe"]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the template machinery is not tested on Windows")


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--no-verify", "--allow-empty", "--message", message)
    return git(repo, "rev-parse", "HEAD")


def edit(repo: Path, path: str, old: str, new: str) -> None:
    text = (repo / path).read_text(encoding="utf-8")
    assert old in text, (path, old)
    (repo / path).write_text(text.replace(old, new, 1), encoding="utf-8")


def files(root: Path) -> dict[str, bytes]:
    """Every file under root but .git, with its bytes."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file() and path.relative_to(root).parts[0] != ".git"
    }


def state(repo: Path) -> tuple[dict[str, bytes], str, str, bytes]:
    """Everything a refusal must leave as it was: the files, HEAD, the refs and the index."""
    index = (repo / ".git" / "index").read_bytes()
    return files(repo), git(repo, "rev-parse", "HEAD"), git(repo, "for-each-ref"), index


def update(project: Path, *args: str, check: bool = True):
    result = run("make", "update-template", *args, cwd=project, check=False)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture
def template(tmp_path: Path) -> Path:
    """The template as its repository has it: this tree, one commit on main."""
    repo = tmp_path / "template"
    copy_working_tree(repo)
    git(repo, "init", "--quiet", "--initial-branch=main")
    commit_all(repo, "feat: the template")
    return repo


def instantiate(clone: Path) -> None:
    run("make", "instantiate", *ANSWERS, cwd=clone)


@pytest.fixture
def project(template: Path, tmp_path: Path) -> Path:
    """A project made from the template: a clone of it, instantiated and committed."""
    repo = tmp_path / "project"
    git(tmp_path, "clone", "--quiet", str(template), str(repo))
    instantiate(repo)
    commit_all(repo, "chore: instantiate my-cool-repo from the template")
    return repo


def fresh_instantiation(template: Path, commit: str, where: Path) -> dict[str, bytes]:
    """What a new project made from the template at `commit` with the same answers holds."""
    git(where.parent, "clone", "--quiet", str(template), str(where))
    git(where, "checkout", "--quiet", commit)
    instantiate(where)
    return files(where)


def record(project: Path) -> dict[str, Any]:
    return tomllib.loads((project / RECORD).read_text(encoding="utf-8"))


# --- the record of origin ------------------------------------------------------------


def test_instantiation_records_the_template_and_the_answers(template: Path, project: Path) -> None:
    recorded = record(project)
    assert recorded["template"] == {"url": str(template), "commit": git(template, "rev-parse", "HEAD")}
    assert recorded["answers"] == {
        "name": "My.Cool-Repo",
        "import_name": "my_cool_repo",
        "description": AWKWARD_DESCRIPTION,
        "author": AWKWARD_AUTHOR,
        "owner": "zoe",
        "year": recorded["answers"]["year"],
    }
    assert re.fullmatch(r"\d{4}", recorded["answers"]["year"])


# --- updates ---------------------------------------------------------------------------


def change_the_template(template: Path) -> str:
    """A Makefile line, a workflow pin, a new file, a removed file, a renamed file."""
    edit(
        template,
        "Makefile",
        "MAKEFLAGS += --no-print-directory",
        "MAKEFLAGS += --no-print-directory --no-builtin-rules",
    )
    edit(template, ".github/workflows/ci.yml", "timeout-minutes: 30", "timeout-minutes: 25")
    pin = "Swatinem/rust-cache@6323deb102c322ba6fcbdcafc7e3dddab59af2b6 # v2.9.2"
    edit(template, ".github/workflows/ci.yml", pin, "Swatinem/rust-cache@" + "1" * 40 + " # v2.9.3")
    (template / "docs-new.md").write_text("# A new page of the template\n", encoding="utf-8")
    git(template, "rm", "--quiet", ".github/ISSUE_TEMPLATE/feature_request.yml")
    git(template, "mv", "CONTRIBUTING.md", "CONTRIBUTING-GUIDE.md")
    return commit_all(template, "feat: a later template")


def test_without_user_changes_the_update_is_a_fresh_instantiation(template: Path, project: Path, tmp_path) -> None:
    target = change_the_template(template)
    result = update(project)
    assert "Files that were updated: 3 changed, 1 added, 1 removed, 1 renamed." in result.stdout, result.stdout
    assert files(project) == fresh_instantiation(template, target, tmp_path / "fresh")
    assert record(project)["template"]["commit"] == target
    assert (
        git(project, "log", "-1", "--format=%s") == "chore: instantiate my-cool-repo from the template"
    )  # not committed


def test_user_changes_are_kept_merged_or_marked_as_conflicts(template: Path, project: Path) -> None:
    change_the_template(template)
    # The project's README is written from the template's front page, .github/template/README.md.
    edit(template, ".github/template/README.md", "## Install", "## Install\n\nThe template's new line.")
    commit_all(template, "docs: more")
    # The user: a file the template did not touch, other lines of one it did, and its changed line.
    edit(project, "LICENSE", "MIT License", "MIT License (the user's)")
    edit(project, "README.md", "## License", "## License\n\nThe user's line.")
    edit(project, "Makefile", "MAKEFLAGS += --no-print-directory", "MAKEFLAGS += --no-print-directory --jobs=2")
    edit(project, "src/my_cool_repo/__init__.py", "import sys\n", "import sys  # the user's code\n")
    commit_all(project, "chore: the user's changes")
    result = update(project, check=False)
    assert result.returncode != 0, result.stdout + result.stderr  # make's own status: 2
    assert "1 conflicted" in result.stdout and "\n  Makefile\n" in result.stdout, result.stdout
    assert "make itself stops at its markers" in result.stdout
    makefile = (project / "Makefile").read_text(encoding="utf-8")
    assert re.search(
        r"<<<<<<< .*\n.*--jobs=2\n=======\n.*--no-builtin-rules\n>>>>>>> .*\(the template at main ", makefile
    ), makefile
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "The user's line." in readme and "The template's new line." in readme
    assert "MIT License (the user's)" in (project / "LICENSE").read_text(encoding="utf-8")
    assert "# the user's code" in (project / "src/my_cool_repo/__init__.py").read_text(encoding="utf-8")
    # Every other change of the template is applied, and `git diff` shows them all.
    assert (project / "docs-new.md").is_file() and not (project / "CONTRIBUTING.md").exists()
    ci = (project / ".github/workflows/ci.yml").read_text(encoding="utf-8")
    assert "timeout-minutes: 25" in ci and "rust-cache@" + "1" * 40 + " # v2.9.3" in ci
    diff = git(project, "diff", "--stat")
    for path in ("Makefile", "README.md", "docs-new.md", "ci.yml", RECORD):
        assert path in diff, diff


def test_a_change_to_a_renamed_file_follows_it(template: Path, project: Path) -> None:
    edit(project, "CONTRIBUTING.md", "## Set up", "## Set up\n\nThe user's note.")
    commit_all(project, "docs: a note")
    change_the_template(template)
    update(project)
    assert "The user's note." in (project / "CONTRIBUTING-GUIDE.md").read_text(encoding="utf-8")
    assert not (project / "CONTRIBUTING.md").exists()


def test_a_file_the_user_deleted_stays_deleted(template: Path, project: Path) -> None:
    git(project, "rm", "--quiet", "CONTRIBUTING.md")
    commit_all(project, "docs: no contributing guide")
    edit(template, "CONTRIBUTING.md", "## Set up", "## Set up\n\nThe template's new advice.")
    commit_all(template, "docs: advice")
    result = update(project)
    assert "You deleted CONTRIBUTING.md, which the template changed: it stays deleted." in result.stdout
    assert not (project / "CONTRIBUTING.md").exists()


def test_a_file_the_template_deleted_but_the_user_changed_is_kept(template: Path, project: Path) -> None:
    path = ".github/ISSUE_TEMPLATE/feature_request.yml"
    edit(project, path, "name:", "# The user's.\nname:")
    commit_all(project, "chore: the user's form")
    git(template, "rm", "--quiet", path)
    commit_all(template, "chore: no feature form")
    result = update(project)
    assert "The template deleted .github/ISSUE_TEMPLATE/feature_request.yml, which you changed: kept." in result.stdout
    assert "# The user's." in (project / path).read_text(encoding="utf-8")


def test_updating_twice_to_the_same_ref_does_nothing_the_second_time(template: Path, project: Path) -> None:
    change_the_template(template)
    update(project)
    commit_all(project, "chore: update from the template")
    before = state(project)
    result = update(project)
    assert "Already up to date" in result.stdout
    assert state(project) == before


def test_one_step_over_two_template_commits_equals_two_steps(template: Path, project: Path, tmp_path) -> None:
    first = change_the_template(template)
    edit(template, ".github/template/README.md", "## Install", "## Install\n\nSecond change.")
    second = commit_all(template, "docs: second")
    edit(project, "LICENSE", "MIT License", "MIT License (the user's)")
    commit_all(project, "chore: the user's")
    stepwise = tmp_path / "stepwise"
    git(tmp_path, "clone", "--quiet", str(project), str(stepwise))
    update(stepwise, f"REF={first}")
    commit_all(stepwise, "chore: update 1")
    update(stepwise, f"REF={second}")
    update(project, "REF=main")
    assert files(project) == files(stepwise)


def test_dry_run_changes_nothing_and_tells_the_conflicts(template: Path, project: Path) -> None:
    change_the_template(template)
    edit(project, "Makefile", "MAKEFLAGS += --no-print-directory", "MAKEFLAGS += --no-print-directory --jobs=2")
    commit_all(project, "chore: the user's Makefile")
    before = state(project)
    result = update(project, "DRY_RUN=1")
    assert "Files that would be updated: 3 changed, 1 added, 1 removed, 1 renamed." in result.stdout
    assert "  added    docs-new.md" in result.stdout and "Dry run: nothing changed." in result.stdout
    assert "  would conflict: Makefile" in result.stdout, result.stdout
    assert state(project) == before


def test_a_project_made_with_use_this_template_is_updated(template: Path, tmp_path: Path) -> None:
    # "Use this template" copies the tree, not the history; the workflow then
    # records the new repository's first commit where it cannot see the template's.
    project = tmp_path / "from-github"
    copy = tmp_path / "copy"
    git(tmp_path, "clone", "--quiet", str(template), str(copy))
    rmtree(copy / ".git")
    shutil.copytree(copy, project)
    git(project, "init", "--quiet", "--initial-branch=main")
    first = commit_all(project, "Initial commit")
    run("make", "instantiate", *ANSWERS, cwd=project, env=clean_env(INSTANTIATE_TEMPLATE_URL=str(template)))
    commit_all(project, "chore: instantiate my-cool-repo from the template")
    assert record(project)["template"]["commit"] == first  # what make found: the project's own HEAD
    target = change_the_template(template)
    update(project)
    assert record(project)["template"]["commit"] == target
    assert (project / "docs-new.md").is_file()


# --- refusals leave everything as it was ----------------------------------------------


def make_a_change(project: Path, template: Path) -> None:
    edit(project, "LICENSE", "MIT", "MIT!")


def add_a_file(project: Path, template: Path) -> None:
    (project / "notes.txt").write_text("x", encoding="utf-8")


def delete_the_record(project: Path, template: Path) -> None:
    git(project, "rm", "--quiet", RECORD)
    commit_all(project, "chore: no record")


def record_a_commit_from_elsewhere(project: Path, template: Path) -> None:
    edit(project, RECORD, record(project)["template"]["commit"], "0" * 40)
    commit_all(project, "chore: another commit")


def update_past_a_tag(project: Path, template: Path) -> None:
    git(template, "tag", "old", "HEAD~1")
    update(project)
    commit_all(project, "chore: update from the template")


Prepare = Callable[[Path, Path], None] | None
REFUSALS: dict[str, tuple[Prepare, list[str], str]] = {
    "uncommitted change": (make_a_change, [], "uncommitted changes"),
    "untracked file": (add_a_file, [], "uncommitted changes"),
    "unknown REF": (None, ["REF=no-such-branch"], "REF=no-such-branch is no branch, tag or commit of the template"),
    "unreachable template": (None, ["TEMPLATE=/nonexistent/template"], "cannot fetch the template from"),
    "no record": (delete_the_record, [], f"no {RECORD}"),
    "base not in the template": (record_a_commit_from_elsewhere, [], "is not in the template's history"),
    "target older than base": (update_past_a_tag, ["REF=old"], "is older than the template commit the project is at"),
}


@pytest.mark.parametrize("prepare, args, words", REFUSALS.values(), ids=REFUSALS.keys())
def test_refusals_change_nothing(template: Path, project: Path, prepare: Prepare, args: list[str], words: str) -> None:
    change_the_template(template)
    if prepare:
        prepare(project, template)
    before = state(project)
    result = update(project, *args, check=False)
    assert result.returncode != 0, result.stdout + result.stderr
    assert words in result.stderr and "Nothing was changed." in result.stderr, result.stderr
    assert state(project) == before


def test_the_template_itself_is_not_updated(template: Path) -> None:
    result = update(template, check=False)
    assert result.returncode != 0 and "this is the template itself" in result.stderr, result.stderr


def test_make_help_lists_it_after_instantiation(project: Path) -> None:
    help_text = run("make", "help", cwd=project).stdout
    assert "update-template" in help_text and "instantiate " not in help_text
    assert (project / ".github/scripts/update-template.py").is_file()


def template_before_the_front_page() -> str | None:
    """The newest commit of this repository whose projects' README was the template's manual
    (before README.md became the package's front page), if its history is here."""
    skeleton = ".github/template/README.md"
    changes = run("git", "rev-list", "HEAD", "--", skeleton, cwd=ROOT, check=False).stdout.split()
    for revision in ["HEAD", *(f"{change}^" for change in changes)]:  # each state the file had, newest first
        shown = run("git", "show", f"{revision}:{skeleton}", cwd=ROOT, check=False).stdout
        if "\n## Develop\n" in shown:
            return run("git", "rev-parse", revision, cwd=ROOT).stdout.strip()
    return None


def test_a_project_made_before_the_front_page_gets_it_and_keeps_its_own_lines(tmp_path: Path) -> None:
    before = template_before_the_front_page()
    if before is None:
        pytest.skip("needs this repository's history (a clone with every commit)")
    # The template's repository: that commit, then this tree.
    template = tmp_path / "template"
    template.mkdir()
    archive = run("git", "archive", "--format=tar", before, cwd=ROOT, text=False).stdout
    run("tar", "-x", "-C", template, input=archive, text=False)  # bytes in and out
    git(template, "init", "--quiet", "--initial-branch=main")
    commit_all(template, "feat: the template, before")
    project = tmp_path / "project"
    git(tmp_path, "clone", "--quiet", str(template), str(project))
    instantiate(project)
    commit_all(project, "chore: instantiate my-cool-repo from the template")
    old = (project / "README.md").read_text(encoding="utf-8")
    assert "## Develop" in old and "make init" in old  # the template's manual, then
    # The user's own lines, where the template changes the page, and where it does not.
    edit(project, "README.md", "## Develop", "Our own introduction.\n\n## Develop")
    (project / "README.md").write_text(
        (project / "README.md").read_text("utf-8") + "\n## Benchmarks of ours\n\nOur own figures.\n", "utf-8"
    )
    commit_all(project, "docs: our own lines")
    git(template, "rm", "--quiet", "-r", ".")
    copy_working_tree(template)
    commit_all(template, "feat: the README is the package's front page")
    result = update(project, check=False)
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "## Install" in readme and "## Use" in readme, readme  # the front page's shape
    assert "Our own introduction." in readme and "Our own figures." in readme, readme
    conflicted = "<<<<<<<" in readme
    assert (result.returncode != 0) == conflicted, result.stdout + result.stderr
    outside = re.sub(r"(?s)<<<<<<<.*?>>>>>>>[^\n]*\n", "", readme)
    assert "make init" not in outside, "the manual's commands are gone from the front page"
    assert (project / "CONTRIBUTING.md").is_file() and "## Add a Rust function" in (
        project / "CONTRIBUTING.md"
    ).read_text("utf-8")
