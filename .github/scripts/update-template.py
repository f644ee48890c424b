#!/usr/bin/env python3
"""Bring the template's later changes into this project: `make update-template`.

The project was made from the template at the commit that
.github/template-origin.toml records, with the answers recorded there. This
program

1. fetches the template (TEMPLATE, default: the record's url) and finds REF
   (a branch, tag or commit; default: the template's default branch);
2. instantiates the template twice, in scratch space, with the recorded
   answers, each commit with its own instantiation program: at the recorded
   commit (the base) and at REF (the target);
3. merges the change from base to target into the project with git's own
   three-way merge (renames, additions and deletions, workflows included). It
   computes the result in a scratch clone and applies it in one `git apply`:
   if anything fails before, nothing of the project has changed;
4. leaves the result uncommitted for you to review with `git diff`, conflicts
   marked in the files (<<<<<<< ... >>>>>>>) and listed at the end, and the
   record moved on to the target commit.

A file you deleted stays deleted; one you changed and the template deleted is
kept. It refuses, changing nothing, when the tree has uncommitted changes, there
is no record, the template cannot be fetched, REF is unknown, the recorded
commit is not in the template's history, or REF is older than it.

Usage: make update-template [REF=<branch, tag or commit>] [TEMPLATE=<url or path>] [DRY_RUN=1]
(or this file with --ref, --template, --dry-run). Standard library only.
Exit status: 0 updated or nothing to do, 1 updated with conflicts to resolve
(or failed, as the message says), 2 refused: nothing changed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

RECORD = ".github/template-origin.toml"
FLAG = ".github/template_flag.yml"  # only in the template, before instantiation
PROGRAM = ".github/template/instantiate.py"  # the template's, at each commit
ANSWERS = ("name", "import_name", "description", "author", "owner", "year")


class Refused(Exception):
    """Nothing was changed; the message says why and what to do."""


def git(*args: str, cwd: Path, check: bool = True, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env)
    if check and result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout.strip()


def clean_env(**extra: str) -> dict[str, str]:
    """Our environment without what an enclosing git hook or make sets (GIT_DIR would point git here)."""
    dropped = ("GIT_", "INSTANTIATE_", "MAKE", "MFLAGS", "GITHUB_")
    return {**{k: v for k, v in os.environ.items() if not k.startswith(dropped)}, **extra}


# --- the project, the record and the template --------------------------------------


def project_root() -> Path:
    top = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True)
    if top.returncode != 0:
        raise Refused("this is not a git repository: run it in your project's clone.")
    root = Path(top.stdout.strip())
    if (root / FLAG).exists():
        raise Refused("this is the template itself, not a project made from it: there is nothing to update.")
    if not git("rev-parse", "--verify", "--quiet", "HEAD", cwd=root, check=False):
        raise Refused("the project has no commit yet: commit it first.")
    if git("status", "--porcelain", cwd=root):
        raise Refused("the project has uncommitted changes: commit or stash them first (git status lists them).")
    return root


def read_record(root: Path) -> dict[str, dict[str, str]]:
    import tomllib

    path = root / RECORD
    if not path.is_file():
        raise Refused(
            f"no {RECORD}: the instantiation writes it, so this project predates it or deleted it. Write one"
            " (CONTRIBUTING.md, 'Keeping up with the template', shows its fields) with the template commit the"
            " project was made from."
        )
    try:
        record = tomllib.loads(path.read_text(encoding="utf-8"))
        fields = {"template": record["template"], "answers": {key: record["answers"][key] for key in ANSWERS}}
    except (tomllib.TOMLDecodeError, KeyError, TypeError) as error:
        raise Refused(f"{RECORD} is not a record of origin ({error!r}): restore it from git history.") from None
    return fields


def fetch_template(work: Path, url: str) -> str:
    """Fetch the template's branches and tags into the scratch clone; return its default branch."""
    refspecs = ["+refs/heads/*:refs/template/heads/*", "+refs/tags/*:refs/template/tags/*"]
    fetched = subprocess.run(
        ["git", "fetch", "--quiet", "--no-tags", url, *refspecs], cwd=work, capture_output=True, text=True
    )
    if fetched.returncode != 0:
        raise Refused(
            f"cannot fetch the template from {url}: {fetched.stderr.strip()}\n"
            "Check the address (TEMPLATE=<url or path>, or `url` in the record) and your access to it."
        )
    head = git("ls-remote", "--symref", url, "HEAD", cwd=work, check=False)
    for line in head.splitlines():
        if line.startswith("ref: refs/heads/"):
            return line.split()[1].removeprefix("refs/heads/")
    branches = git("for-each-ref", "--format=%(refname:lstrip=3)", "refs/template/heads", cwd=work).split()
    return "main" if "main" in branches else (branches[0] if branches else "")


def resolve_ref(work: Path, ref: str) -> str:
    for candidate in (f"refs/template/heads/{ref}", f"refs/template/tags/{ref}", ref):
        commit = git("rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}", cwd=work, check=False)
        if commit and in_template(work, commit):
            return commit
    raise Refused(f"REF={ref} is no branch, tag or commit of the template.")


def in_template(work: Path, commit: str) -> bool:
    return bool(git("for-each-ref", "--contains", commit, "--format=x", "refs/template", cwd=work, check=False))


def resolve_base(work: Path, recorded: str, url: str) -> str:
    """The template commit the project is at: the recorded one, or, where the record names the
    project's own first commit ("Use this template" copies the tree, not the history), the
    template commit with the same tree."""
    if not recorded:
        raise Refused(f"{RECORD} names no template commit: set `commit` to the one the project was made from.")
    exists = git("rev-parse", "--verify", "--quiet", f"{recorded}^{{commit}}", cwd=work, check=False)
    if exists and in_template(work, exists):
        return exists
    if exists:
        tree = git("rev-parse", f"{exists}^{{tree}}", cwd=work)
        for line in git("log", "--format=%H %T", "--glob=refs/template/*", cwd=work).splitlines():
            commit, commit_tree = line.split()
            if commit_tree == tree:
                return commit
    raise Refused(
        f"the recorded commit {recorded[:12]} is not in the template's history at {url}. Is that the template"
        f" the project was made from? Give it as TEMPLATE=<url>, or fix `commit` in {RECORD}."
    )


# --- instantiating the template at a commit -----------------------------------------


def render(work: Path, commit: str, into: Path, answers: dict[str, str], url: str, recorded: str) -> str:
    """Instantiate the template at `commit` in `into` with the answers; return the tree it gives."""
    git("worktree", "add", "--quiet", "--detach", str(into), commit, cwd=work)
    if not (into / PROGRAM).is_file():
        raise Refused(f"the template at {commit[:12]} has no {PROGRAM}: is it this template?")
    env = clean_env(
        **{f"INSTANTIATE_{key.upper()}": value for key, value in answers.items()},
        INSTANTIATE_TEMPLATE_URL=url,
        INSTANTIATE_TEMPLATE_COMMIT=recorded,
    )
    result = subprocess.run([sys.executable, PROGRAM], cwd=into, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise Refused(
            f"the template at {commit[:12]} does not instantiate with the recorded answers:\n{result.stderr.strip()}"
        )
    # Its tree, through an index of its own: the files as git would commit them.
    env = {**clean_env(), "GIT_INDEX_FILE": str(into.with_name(into.name + ".index"))}
    git("add", "--all", cwd=into, env=env)
    return git("write-tree", cwd=into, env=env)


# --- the merge -----------------------------------------------------------------------


def merge(work: Path, base_tree: str, target_tree: str, label: str) -> tuple[str, dict[str, list[str]]]:
    """Apply base -> target to the project's HEAD in the scratch clone, as a cherry-pick: a
    three-way merge with base as the merge base. Return the patch and what it does. `label`
    names the target in the conflict markers (>>>>>>> ... (the template at <label>))."""
    identity = ["-c", "user.name=update-template", "-c", "user.email=update-template@localhost"]
    base = git(*identity, "commit-tree", base_tree, "-m", "the template at the project's commit", cwd=work)
    target = git(*identity, "commit-tree", target_tree, "-p", base, "-m", f"the template at {label}", cwd=work)
    git("checkout", "--quiet", "--detach", "HEAD", cwd=work)
    git(*identity, "cherry-pick", "--no-commit", target, cwd=work, check=False)  # fails on conflicts
    report: dict[str, list[str]] = {"conflicts": [], "kept deleted": [], "kept changed": []}
    for entry in filter(None, git("status", "--porcelain=v1", "-z", cwd=work).split("\0")):
        state, path = entry[:2], entry[3:]
        if state == "DU":  # deleted here, changed by the template: stays deleted
            git("rm", "--quiet", "--cached", "--ignore-unmatch", "--", path, cwd=work)
            (work / path).unlink(missing_ok=True)
            report["kept deleted"].append(path)
        elif state == "UD":  # changed here, deleted by the template: kept
            git("checkout", "--quiet", "HEAD", "--", path, cwd=work)
            report["kept changed"].append(path)
        elif state in ("UU", "AA", "AU", "UA"):  # conflict markers in the file
            git("add", "--", path, cwd=work)
            report["conflicts"].append(path)
        elif state == "DD":
            git("rm", "--quiet", "--cached", "--", path, cwd=work)
    git("cherry-pick", "--quit", cwd=work, check=False)
    for line in git("diff", "--cached", "--name-status", "-M", "HEAD", cwd=work).splitlines():
        status, *paths = line.split("\t")
        kind = {"A": "added", "D": "removed", "R": "renamed"}.get(status[0], "changed")
        report.setdefault(kind, []).append(" -> ".join(paths))
    return git("diff", "--cached", "--binary", "-M", "HEAD", cwd=work) + "\n", report


def update(root: Path, ref: str, template: str, dry_run: bool) -> int:
    record = read_record(root)
    recorded_url, recorded = record["template"].get("url", ""), record["template"].get("commit", "")
    url = template or recorded_url
    if not url:
        raise Refused(f"{RECORD} names no template repository: give it, TEMPLATE=<url or path>.")
    with tempfile.TemporaryDirectory(prefix="update-template-") as scratch:
        work = Path(scratch) / "project"
        git("clone", "--quiet", "--shared", "--no-checkout", str(root), str(work), cwd=Path(scratch))
        print(f"Fetching the template from {url}...")
        default = fetch_template(work, url)
        target = resolve_ref(work, ref or default)
        base = resolve_base(work, recorded, url)
        name = ref or default
        if target == base:
            print(f"Already up to date: the project is at the template's {name} ({target[:12]}).")
            return 0
        if subprocess.run(["git", "merge-base", "--is-ancestor", target, base], cwd=work).returncode == 0:
            raise Refused(f"REF={name} ({target[:12]}) is older than the template commit the project is at.")
        print(f"Instantiating the template at {base[:12]} (the project's) and at {name} ({target[:12]})...")
        answers = record["answers"]
        base_tree = render(work, base, Path(scratch) / "base", answers, recorded_url, recorded)
        target_tree = render(work, target, Path(scratch) / "target", answers, recorded_url, target)
        patch, report = merge(work, base_tree, target_tree, f"{name} {target[:12]}")
        summarise(report, dry_run)
        if dry_run:
            for path in report["conflicts"]:
                print(f"  would conflict: {path} (you and the template changed the same lines)")
            print("Dry run: nothing changed. Run it without DRY_RUN=1 to apply these changes.")
            return 0
        if patch.strip():
            patch_file = Path(scratch) / "update.patch"
            patch_file.write_text(patch, encoding="utf-8")
            applied = subprocess.run(["git", "apply", "--binary", str(patch_file)], cwd=root, capture_output=True)
            if applied.returncode != 0:
                raise Refused(f"the merged changes do not apply: {applied.stderr.decode().strip()}")
            new = [path.split(" -> ")[-1] for kind in ("added", "renamed") for path in report.get(kind, [])]
            if new:  # shown by `git diff` too
                git("add", "--intent-to-add", "--", *new, cwd=root)
    return next_steps(report, name, target)


def summarise(report: dict[str, list[str]], dry_run: bool) -> None:
    verb = "would be" if dry_run else "were"
    counts = ", ".join(f"{len(report.get(k, []))} {k}" for k in ("changed", "added", "removed", "renamed"))
    print(f"Files that {verb} updated: {counts}.")
    for kind in ("changed", "added", "removed", "renamed"):
        for path in report.get(kind, []):
            print(f"  {kind:<8} {path}")
    for path in report["kept deleted"]:
        print(f"  You deleted {path}, which the template changed: it stays deleted.")
    for path in report["kept changed"]:
        print(f"  The template deleted {path}, which you changed: kept. Delete it if you no longer need it.")


def next_steps(report: dict[str, list[str]], name: str, target: str) -> int:
    commit = f'git add --all && git commit -m "chore: update from the template ({name}, {target[:12]})"'
    if report["conflicts"]:
        print(f"{len(report['conflicts'])} conflicted (both you and the template changed the same lines):")
        for path in report["conflicts"]:
            print(f"  {path}")
        print(
            "In each, keep what you want between <<<<<<< (yours) and >>>>>>> (the template's) and delete the"
            f" markers; then review with `git diff` and commit: {commit}"
        )
        if "Makefile" in report["conflicts"]:
            print("Until the Makefile's conflict is resolved, make itself stops at its markers.")
        return 1
    print(f"Updated to the template's {name} ({target[:12]}). Review with `git diff`, then commit: {commit}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ref", default=os.environ.get("UPDATE_REF", ""), help="branch, tag or commit")
    parser.add_argument("--template", default=os.environ.get("UPDATE_TEMPLATE", ""), help="url or path")
    parser.add_argument("--dry-run", action="store_true", default=bool(os.environ.get("UPDATE_DRY_RUN")))
    args = parser.parse_args(argv)
    if sys.version_info < (3, 11):  # noqa: UP036 - it runs with whatever python3 the machine has
        print("update-template: refused: needs Python 3.11 or newer.", file=sys.stderr)
        return 2
    try:
        return update(project_root(), args.ref.strip(), args.template.strip(), args.dry_run)
    except Refused as error:
        print(f"update-template: refused: {error}\nNothing was changed.", file=sys.stderr)
        return 2
    except (RuntimeError, OSError) as error:
        print(f"update-template: failed: {error}\nNothing was changed.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
