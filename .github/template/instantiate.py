#!/usr/bin/env python3
"""Turn the template into your project.

Run as `make instantiate NAME=<repo-name> [IMPORT_NAME=...] [DESCRIPTION=...]
[AUTHOR=...] [OWNER=...]`, and by .github/workflows/instantiate.yml on the first
push of a repository created from the template. It

- renames the template's identity (package directory, import name, distribution
  name, crate name, URLs, author, description) in every file git tracks or would
  track, escaping the description and the author for each file's format;
- makes .github/template/README.md the project's README.md: the package's
  front page (on GitHub and PyPI), in place of the template's manual;
- deletes the template machinery: .github/template/, .github/template_flag.yml,
  the template's self-tests, and every block of lines from one marked
  `>>> template-only` to one marked `<<< template-only` (in any comment syntax);
- writes the record of origin, .github/template-origin.toml: the template's
  repository and commit, and the answers, which `make update-template` reads
  to bring in the template's later changes.

It never touches .github/workflows/: a push with the workflow token may not.
Every check runs, and every new file is computed, before the first write: a
refusal or an error leaves the tree as it was.

Standard library only, so that it runs before anything is installed. An option
that is not given is read from the environment (INSTANTIATE_NAME,
INSTANTIATE_IMPORT_NAME, ...): that is how make and the workflow pass values
unaltered, quotes, `$`, backslashes and newlines included. Empty means not given.

Exit status: 0 done (or nothing to do), 1 failed, 2 refused. Both leave the tree
as it was unless the message says otherwise.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import io
import keyword
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The template's identity: what instantiation renames.
TEMPLATE_DIST = "project-name"
TEMPLATE_PACKAGE = "project_name"  # also the start of the crate name, project_name_accelerate
TEMPLATE_OWNER = "your-name"
TEMPLATE_AUTHOR = "Your Name"
# The template's description is the one in pyproject.toml (read at run time).

FLAG = ".github/template_flag.yml"
SKELETON = ".github/template/README.md"  # the top of the project's README
TEMPLATE_ONLY = (  # deleted: the template machinery and its self-tests
    ".github/template/",
    FLAG,
    "checks/test_template.py",
    "checks/test_update_template.py",
    "checks/test_real_code.py",
)
RECORD = ".github/template-origin.toml"  # written; .github/scripts/update-template.py reads it
WORKFLOWS = ".github/workflows/"  # never changed
BLOCK_START, BLOCK_END = ">>> template-only", "<<< template-only"
# Anything like these left after the renaming is a form of the name this
# program does not know: it stops rather than leave it behind.
TRACE = re.compile(r"(?i:project[-_.]name)|your-name|Your Name")

# Names the import package may not take.
REMOVED_OR_NEW_STDLIB = {  # absent from sys.stdlib_module_names of some Python 3.10+
    "test",  # excluded from sys.stdlib_module_names by design
    "aifc", "asynchat", "asyncore", "audioop", "cgi", "cgitb", "chunk", "crypt",
    "distutils", "imghdr", "imp", "lib2to3", "mailcap", "msilib", "nis", "nntplib",
    "ossaudiodev", "pipes", "smtpd", "sndhdr", "spwd", "sunau", "telnetlib", "uu",
    "xdrlib",  # removed in 3.12 and 3.13, still there in 3.10 and 3.11
    "annotationlib", "compression",  # added in 3.14
}  # fmt: skip
TOOLS = {"pip", "setuptools", "setuptools_rust", "setuptools_scm", "wheel", "build", "pytest", "mypy", "pre_commit"}


class Refused(Exception):
    """The input cannot make a project; the message says why and what to do."""


class Failed(Exception):
    """Something went wrong; the message says whether the tree changed."""


@dataclasses.dataclass(frozen=True)
class Identity:
    repo: str  # the GitHub repository name, as typed: My.Cool-Repo
    dist: str  # distribution name, PEP 503 normalised: my-cool-repo
    package: str  # import package: my_cool_repo
    owner: str
    author: str  # one line
    description: str  # may span lines
    year: str  # of the copyright line

    @property
    def crate(self) -> str:
        return f"{self.package}_accelerate"


# --- names ---------------------------------------------------------------------------


def derive_names(name: str, import_name: str) -> tuple[str, str]:
    """Return (distribution name, import package) for a repository name, or raise Refused."""
    if not name:
        raise Refused("NAME is missing: give the repository's name, for example NAME=my-project.")
    odd = "".join(sorted({c for c in name if not re.fullmatch(r"[A-Za-z0-9._-]", c)}))
    if odd:
        raise Refused(
            f"the name {name!r} contains {odd!r}: a GitHub repository name holds only"
            " ASCII letters, digits, '-', '_' and '.'."
        )
    if len(name) > 100:
        raise Refused(f"the name {name!r} is longer than GitHub's 100 characters.")
    dist = re.sub(r"[-_.]+", "-", name).strip("-").lower()
    if not dist:
        raise Refused(f"the name {name!r} has no letter or digit to name a package after.")
    if dist == TEMPLATE_DIST:
        raise Refused(f"{name!r} is the template's own name: name the repository after your project.")
    package = import_name or dist.replace("-", "_")
    problem = import_name_problem(package)
    if problem:
        origin = f"the import name {package!r}" if import_name else f"{name!r} gives the import name {package!r}, which"
        raise Refused(f"{origin} {problem}.\n{import_name_hint(name)}")
    return dist, package


def import_name_hint(name: str) -> str:
    return (
        "Choose an import name (lower-case ASCII letters, digits and '_', not starting with a digit)"
        " and give it explicitly:\n"
        f"  locally:   make instantiate NAME={name} IMPORT_NAME=<import_name>\n"
        '  on GitHub: Actions > Instantiate > Run workflow, with "import_name" set'
    )


def import_name_problem(package: str) -> str | None:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", package):
        if package[:1].isdigit():
            return "starts with a digit, and Python names cannot"
        return "is not a valid import name (PEP 8: lower-case ASCII letters, digits and '_')"
    if keyword.iskeyword(package):
        return "is a Python keyword"
    if package in sys.stdlib_module_names or package in REMOVED_OR_NEW_STDLIB:
        return "would shadow the standard-library module of that name"
    if package in TOOLS:
        return "would shadow a tool that builds or tests the project"
    if package == TEMPLATE_PACKAGE:
        return "is the template's own"
    return None


def one_line(text: str) -> str:
    """Join lines with a space: for fields that hold one line (package metadata)."""
    return re.sub(r"[ \t]*\n\s*", " ", text)


def clean_text(text: str, what: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    bad = sorted({f"U+{ord(c):04X}" for c in text if not c.isprintable() and c not in "\n\t "})
    if bad:
        raise Refused(f"the {what} contains control characters ({', '.join(bad)}).")
    return text


# --- files ---------------------------------------------------------------------------


def git(*args: str, git_dir: str | None = None) -> subprocess.CompletedProcess[str]:
    where = ["--git-dir", git_dir, "--work-tree", str(ROOT)] if git_dir else ["-C", str(ROOT)]
    try:
        return subprocess.run(["git", *where, *args], capture_output=True, text=True)
    except FileNotFoundError:
        raise Failed(
            "git is needed (it decides which files belong to the project): install it, then run again."
        ) from None


class GitView:
    """Git's view of ROOT: its own repository, or, in a downloaded copy without
    one, an empty scratch repository so that .gitignore applies all the same."""

    def __enter__(self) -> GitView:
        self._tmp = None
        self.git_dir = None
        top = git("rev-parse", "--show-toplevel")
        if top.returncode != 0 or Path(top.stdout.strip()).resolve() != ROOT:
            self._tmp = tempfile.TemporaryDirectory()
            git("init", "--quiet", "--bare", self._tmp.name)
            self.git_dir = self._tmp.name
        return self

    def __exit__(self, *exc: object) -> None:
        if self._tmp:
            self._tmp.cleanup()

    def files(self) -> list[str]:
        """Every file git tracks, plus those it would track (untracked, not ignored)."""
        result = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", git_dir=self.git_dir)
        if result.returncode != 0:
            raise Failed(f"git ls-files failed: {result.stderr.strip()}")
        paths = {p for p in result.stdout.split("\0") if p}
        return sorted(p for p in paths if (ROOT / p).is_file() and not (ROOT / p).is_symlink())

    def ignored(self, path: str) -> bool:
        return git("check-ignore", "--quiet", "--no-index", path, git_dir=self.git_dir).returncode == 0


def template_description() -> str:
    """The description in pyproject.toml's [project] table."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    project = re.search(r"^\[project\]\n(.*?)(?=^\[|\Z)", text, re.M | re.S)
    match = project and re.search(r'^description\s*=\s*"((?:[^"\\\n]|\\.)*)"', project.group(1), re.M)
    if not match:
        raise Failed('pyproject.toml has no description = "..." line in [project] to replace.')
    return re.sub(r'\\(["\\])', r"\1", match.group(1))


# --- writing text into each format -------------------------------------------------


def file_format(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in ("toml", "lock"):
        return "toml"
    if suffix in ("py", "pyi"):
        return "python"
    if suffix in ("md", "markdown"):
        return "markdown"
    if suffix == "txt" or name.upper() in ("LICENSE", "LICENCE", "COPYING", "NOTICE", "AUTHORS"):
        return "plain"
    return "other"  # code or configuration: only its comment lines take free text


def toml_basic(value: str) -> str:
    escapes = {'"': '\\"', "\\": "\\\\", "\t": "\\t", "\n": "\\n"}
    return "".join(escapes.get(c, c if c.isprintable() else f"\\U{ord(c):08X}") for c in value)


def python_literal_body(value: str, quote: str, triple: bool) -> str:
    out = []
    for c in value:
        if c in ("\\", quote):
            out.append("\\" + c)
        elif c == "\n" and triple:
            out.append(c)
        elif c.isprintable():
            out.append(c)
        else:
            out.append(repr(c)[1:-1])  # \t, \n, \x7f, \u2028 ...
    return "".join(out)


MARKDOWN_INLINE = set("\\`*_[]<>&|~$")  # can start markup anywhere in a line


def markdown_text(value: str) -> str:
    """Escape so that Markdown (CommonMark, GitHub) shows the text as typed."""
    lines = []
    for line in value.split("\n"):
        line = "".join("\\" + c if c in MARKDOWN_INLINE else c for c in line.strip())
        number = re.match(r"\d+(?=[.)])", line)  # "1." or "1)" would start a list
        if number:
            line = line[: number.end()] + "\\" + line[number.end() :]
        elif line[:1] in ("#", "+", "-", "="):  # heading, list, setext underline
            line = "\\" + line
        lines.append(line)
    return "\n".join(lines)


class Contexts:
    """Where a free-text placeholder sits in a file, so its replacement is
    escaped for that spot: (start, end, kind, detail) spans of strings and
    comments, computed once per file."""

    def __init__(self, path: str, text: str) -> None:
        self.path, self.text, self.format = path, text, file_format(path)
        self._spans: list[tuple[int, int, str, str]] | None = None

    def spans(self) -> list[tuple[int, int, str, str]]:
        if self._spans is None:
            self._spans = toml_spans(self.text) if self.format == "toml" else python_spans(self.path, self.text)
        return self._spans

    def render(self, value: str, start: int, end: int, what: str) -> str:
        line_start = self.text.rfind("\n", 0, start) + 1
        line_end = self.text.find("\n", end)
        line = self.text[line_start : len(self.text) if line_end < 0 else line_end]
        if self.format == "markdown":
            # A placeholder alone on its line is a paragraph and keeps its lines.
            return markdown_text(value if line.strip() == self.text[start:end] else one_line(value))
        if self.format == "plain":
            return one_line(value)
        if self.format in ("toml", "python"):
            for span_start, span_end, kind, detail in self.spans():
                if span_start <= start and end <= span_end:
                    if kind == "comment":
                        return one_line(value)
                    if kind == "toml-basic":
                        return toml_basic(one_line(value))  # package metadata holds one line
                    if kind == "python-string":
                        return python_literal_body(value, detail[-1], len(detail) == 3)
        elif re.match(r"\s*(#|//|/\*|\*|--|;|<!--)", line):
            return one_line(value)  # a comment line in code or configuration
        lineno = self.text.count("\n", 0, start) + 1
        raise Failed(
            f"{self.path}:{lineno}: cannot write the {what} there safely (only into {self.format} strings"
            " and comments this program knows how to escape). This is a bug in the template."
        )


def toml_spans(text: str) -> list[tuple[int, int, str, str]]:
    spans, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            j = text.find("\n", i)
            j = n if j < 0 else j
            spans.append((i, j, "comment", ""))
            i = j
        elif c in "\"'":
            delimiter = c * 3 if text.startswith(c * 3, i) else c
            j = i + len(delimiter)
            while j < n and not text.startswith(delimiter, j):
                j += 2 if c == '"' and text[j] == "\\" else 1
            kind = "toml-basic" if delimiter == '"' else "toml-other-string"
            spans.append((i + len(delimiter), j, kind, delimiter))
            i = j + len(delimiter)
        else:
            i += 1
    return spans


def python_spans(path: str, text: str) -> list[tuple[int, int, str, str]]:
    offsets = [0]
    for line in io.StringIO(text).readlines():  # the lines tokenize sees
        offsets.append(offsets[-1] + len(line))
    spans = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            start = offsets[tok.start[0] - 1] + tok.start[1]
            end = offsets[tok.end[0] - 1] + tok.end[1]
            if tok.type == tokenize.COMMENT:
                spans.append((start, end, "comment", ""))
            elif tok.type == tokenize.STRING:
                prefix = re.match(r"[A-Za-z]*", tok.string).group()
                body = tok.string[len(prefix) :]
                delimiter = body[:3] if body[:3] in ('"""', "'''") else body[0]
                # Raw, byte and f-strings take no escaped text: left out, so refused.
                if not set(prefix.lower()) & set("rbf"):
                    spans.append(
                        (start + len(prefix) + len(delimiter), end - len(delimiter), "python-string", delimiter)
                    )
    except (tokenize.TokenError, SyntaxError) as error:
        raise Failed(f"{path} is not valid Python ({error}).") from error
    return spans


# --- the plan: every change, computed before the first write ------------------------


@dataclasses.dataclass
class Plan:
    writes: dict[str, str]  # path -> new text
    deletes: list[str]
    renames: list[tuple[str, str]]  # (old path, new path), files and directories, deepest first
    warnings: list[str]


def rename_path(path: str, ident: Identity) -> str:
    return path.replace(TEMPLATE_PACKAGE, ident.package).replace(TEMPLATE_DIST, ident.dist)


def substitution(ident: Identity, description: str):
    """A function (path, text) -> (new text, the text it kept verbatim) that
    replaces every placeholder in one pass, so that nothing written is replaced
    again."""
    literal = {
        f"{TEMPLATE_OWNER}/{TEMPLATE_DIST}": f"{ident.owner}/{ident.repo}",  # GitHub URLs
        f"{TEMPLATE_OWNER}.github.io/{TEMPLATE_DIST}": f"{ident.owner.lower()}.github.io/{ident.repo}",  # Pages
        TEMPLATE_PACKAGE: ident.package,  # project_name_accelerate becomes the crate name too
        TEMPLATE_DIST: ident.dist,
        TEMPLATE_OWNER: ident.owner,
    }
    free_text = {TEMPLATE_AUTHOR: ("author", ident.author), description: ("description", ident.description)}
    copyright_year = r"(?<=Copyright \(c\) )\d{4}(?= " + re.escape(TEMPLATE_AUTHOR) + ")"
    keys = sorted([*literal, *free_text], key=len, reverse=True)
    pattern = re.compile("|".join([copyright_year, *map(re.escape, keys)]))

    def substitute(path: str, text: str) -> tuple[str, str]:
        contexts = Contexts(path, text)

        def replace(match: re.Match[str]) -> str:
            found = match.group()
            if found in literal:
                return literal[found]
            if found in free_text:
                what, value = free_text[found]
                return contexts.render(value, match.start(), match.end(), what)
            return ident.year

        # What is left verbatim must hold no other form of the template's names.
        return pattern.sub(replace, text), pattern.sub("\0", text)

    return substitute


def remove_template_blocks(path: str, text: str) -> str:
    kept, inside, closed = [], False, False
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        if BLOCK_START in line or BLOCK_END in line:
            if (BLOCK_START in line) == inside:
                raise Failed(f"{path}:{number}: unbalanced '{BLOCK_START}' / '{BLOCK_END}' markers.")
            inside, closed = not inside, inside
        elif not inside:
            # A block between blank lines leaves one blank line, not two.
            if not (closed and not line.strip() and (not kept or not kept[-1].strip())):
                kept.append(line)
            closed = False
    if inside:
        raise Failed(f"{path}: '{BLOCK_START}' has no matching '{BLOCK_END}'.")
    return "".join(kept)


def make_plan(ident: Identity, view: GitView, description: str) -> Plan:
    plan = Plan({}, [], [], [])
    substitute = substitution(ident, description)
    files = view.files()
    if view.ignored(f"src/{ident.package}/__init__.py"):
        raise Refused(
            f"the import name {ident.package!r} would put the package in src/{ident.package}/, which .gitignore"
            f" ignores.\n{import_name_hint(ident.repo)}"
        )
    renames: dict[str, str] = {}  # old path of a file or directory -> its new last component
    for path in files:
        if path.startswith(TEMPLATE_ONLY):
            plan.deletes.append(path)
            continue
        data = (ROOT / path).read_bytes()
        if path.startswith(WORKFLOWS):
            if TRACE.search(data.decode("utf-8", "replace")):
                plan.warnings.append(
                    f"{path} mentions the template's names, and a workflow cannot push changes to"
                    " workflows: edit it by hand."
                )
            continue
        parts = path.split("/")
        for depth, part in enumerate(parts):
            new_part = rename_path(part, ident)
            if new_part != part:
                renames["/".join(parts[: depth + 1])] = new_part
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is None or "\0" in text:
            if TRACE.search(data.decode("latin-1")):
                plan.warnings.append(f"{path} is binary and mentions the template's names: left as it is.")
            continue
        source = remove_template_blocks(path, text)
        if path == "README.md":
            kept = source.strip("\n")  # what the project's README keeps of the template's own
            source = (ROOT / SKELETON).read_text(encoding="utf-8").rstrip("\n") + "\n" + (f"\n{kept}\n" if kept else "")
        new, verbatim = substitute(path, source)
        for match in TRACE.finditer(verbatim):
            lineno = verbatim.count("\n", 0, match.start()) + 1
            raise Failed(
                f"{path}:{lineno}: {match.group()!r} is a form of the template's name this program does not"
                " rename. This is a bug in the template."
            )
        if path.rsplit("/", 1)[-1] == "Cargo.lock":
            new = sort_cargo_lock(new)  # in cargo's order, or cargo rewrites it on the next build
        check_syntax(path, new)
        if new != text:
            plan.writes[path] = new
    if FLAG not in plan.deletes:
        raise Failed(f"{FLAG} is not among the files git sees (is it ignored?).")
    targets = set()
    for old, new_part in renames.items():
        target = ROOT / old.rpartition("/")[0] / new_part
        if target.exists() or target in targets:
            raise Refused(f"cannot rename {old} to {target.relative_to(ROOT)}: that already exists.")
        targets.add(target)
    # Deepest first, so that each old path is still valid when its turn comes.
    plan.renames = [
        (old, f"{old.rpartition('/')[0]}/{new_part}".lstrip("/"))
        for old, new_part in sorted(renames.items(), key=lambda item: item[0].count("/"), reverse=True)
    ]
    return plan


def sort_cargo_lock(text: str) -> str:
    """Put Cargo.lock's [[package]] entries back in cargo's order (by name) after a rename."""
    head, *packages = re.split(r"(?m)^(?=\[\[package\]\]$)", text)
    if not packages:
        return text
    packages = [package.rstrip("\n") for package in packages]
    packages.sort(key=lambda package: re.search(r'(?m)^name = "([^"]*)"', package).group(1))
    return head + "\n\n".join(packages) + "\n"


def check_syntax(path: str, text: str) -> None:
    fmt = file_format(path)
    try:
        if fmt == "python":
            compile(text, path, "exec", dont_inherit=True)
        elif fmt == "toml" and sys.version_info >= (3, 11):
            import tomllib

            tomllib.loads(text)
    except Exception as error:  # noqa: BLE001 - any parse error is a bug here
        raise Failed(f"{path} would not parse after the renaming ({error}). This is a bug in the template.") from error


def apply(plan: Plan) -> None:
    """Stage every new text next to its file, then swap them in, delete and rename."""
    staged: list[tuple[Path, Path]] = []
    try:
        for path, text in plan.writes.items():
            target = ROOT / path
            temp = target.with_name(target.name + ".instantiate-tmp")
            staged.append((temp, target))
            with open(temp, "w", encoding="utf-8", newline="") as file:
                file.write(text)
            if target.exists():  # not the record of origin, which is new
                shutil.copymode(target, temp)
    except OSError as error:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
        raise Failed(f"could not write {error.filename}: {error.strerror}. Nothing was changed.") from error
    # Renames and deletions within one file system: they do not fail half-way in practice.
    try:
        for temp, target in staged:
            os.replace(temp, target)
        for path in plan.deletes:
            (ROOT / path).unlink()
        shutil.rmtree(ROOT / TEMPLATE_ONLY[0], ignore_errors=True)  # with what git ignores in it
        for old, new in plan.renames:
            os.rename(ROOT / old, ROOT / new)
    except OSError as error:
        raise Failed(
            f"stopped half-way ({error}): restore the tree with git (git status shows what changed)."
        ) from error


# --- the command ---------------------------------------------------------------------


def github_owner_from_remote(repo: str) -> str | None:
    """The owner in origin's GitHub URL, if that URL is this repository's."""
    url = git("remote", "get-url", "origin").stdout.strip()
    match = re.search(r"github\.com[:/]([A-Za-z0-9-]+)/([A-Za-z0-9._-]+?)(?:\.git)?/?$", url)
    return match.group(1) if match and match.group(2).lower() == repo.lower() else None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options = {
        "name": "the GitHub repository name, e.g. My.Cool-Repo (required)",
        "import_name": "the import package, when the one derived from NAME is refused",
        "description": "one paragraph about the project (default: the template's)",
        "author": "the author's name (default: git config user.name)",
        "owner": "the GitHub user or organisation, for URLs (default: from the origin remote)",
        "year": "the year of the copyright line (default: this year)",
        "template_url": "the template's repository, for the record (default: the origin remote)",
        "template_commit": "the template commit instantiated, for the record (default: HEAD)",
    }
    for dest, text in options.items():
        parser.add_argument("--" + dest.replace("_", "-"), dest=dest, help=text)
    parser.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    args = parser.parse_args(argv)
    for dest in options:
        if getattr(args, dest) is None:
            setattr(args, dest, os.environ.get("INSTANTIATE_" + dest.upper(), ""))
    return args


def identity_from(args: argparse.Namespace) -> Identity:
    name = args.name.strip()
    dist, package = derive_names(name, args.import_name.strip())
    owner = args.owner.strip() or github_owner_from_remote(name) or TEMPLATE_OWNER
    if not re.fullmatch(r"[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}", owner):
        raise Refused(f"the owner {owner!r} is not a GitHub user or organisation name.")
    author = one_line(clean_text(args.author, "author")) or git("config", "user.name").stdout.strip()
    year = args.year.strip() or str(datetime.date.today().year)
    if not re.fullmatch(r"\d{4}", year):
        raise Refused(f"the year {year!r} is not a year like 2026.")
    return Identity(
        repo=name,
        dist=dist,
        package=package,
        owner=owner,
        author=author or TEMPLATE_AUTHOR,
        description=clean_text(args.description, "description"),
        year=year,
    )


@dataclasses.dataclass(frozen=True)
class Origin:
    url: str  # the template's repository; empty if unknown
    commit: str  # the template commit instantiated; empty if unknown
    dirty: bool  # the tree held changes that the commit does not
    clone: str  # "template": a clone of the template, its history and origin; "none": no git; else ""


def origin_from(args: argparse.Namespace, view: GitView) -> Origin:
    """The template's repository and commit: as given, else this clone's origin and HEAD."""
    own = view.git_dir is None  # ROOT is a git repository of its own, not a download
    url = one_line(clean_text(args.template_url, "template URL"))
    if not url and own:
        url = git("remote", "get-url", "origin").stdout.strip()
    commit = args.template_commit.strip()
    dirty = False
    if not commit and own:
        commit = git("rev-parse", "--verify", "--quiet", "HEAD^{commit}").stdout.strip()
        dirty = bool(commit) and bool(git("status", "--porcelain").stdout.strip())
    if commit and not re.fullmatch(r"[0-9a-f]{40}", commit):
        raise Refused(f"the template commit {commit!r} is not a full commit hash (40 hexadecimal digits).")
    # A clone of the template holds its history (which the release notes would list) and
    # has it as origin; a repository made with "Use this template" starts with one commit.
    history = git("rev-list", "--count", "HEAD").stdout.strip() if own else ""
    clone = "none" if not own else "template" if url and not args.template_url and int(history or 0) > 1 else ""
    return Origin(url, commit, dirty, clone)


def record_text(ident: Identity, origin: Origin) -> str:
    """The record of origin, TOML that a person and tomllib read."""
    answers = {
        "name": ident.repo,
        "import_name": ident.package,
        "description": ident.description,
        "author": ident.author,
        "owner": ident.owner,
        "year": ident.year,
    }
    lines = [
        "# Where this project came from, for `make update-template` (README.md,",
        '# "Keeping up with the template"): the template\'s repository, the template',
        "# commit the project is at (each update moves it on), and the answers that",
        "# made the project from it. Change `url` if the template moves.",
        "[template]",
        f'url = "{toml_basic(origin.url)}"',
        f'commit = "{origin.commit}"',
        "",
        "[answers]",
        *(f'{key} = "{toml_basic(value)}"' for key, value in answers.items()),
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 - it runs with whatever python3 the machine has
        return fail(Failed("needs Python 3.11 or newer."))
    args = parse_args(argv)
    if not (ROOT / FLAG).exists():
        print(f"This project is already instantiated ({FLAG} is gone): nothing to do.")
        return 0
    try:
        ident = identity_from(args)
        description = template_description()
        if not ident.description:
            ident = dataclasses.replace(ident, description=description)
        with GitView() as view:
            origin = origin_from(args, view)
            plan = make_plan(ident, view, description)
            plan.writes[RECORD] = record_text(ident, origin)
            check_syntax(RECORD, plan.writes[RECORD])
    except (Refused, Failed) as error:
        return fail(error, "Nothing was changed.")
    if not args.dry_run:
        try:
            apply(plan)
        except Failed as error:
            return fail(error)
    report(ident, origin, plan, args.dry_run)
    return 0


def fail(error: Exception, epilogue: str = "") -> int:
    refused = isinstance(error, Refused)
    message = f"instantiate: {'refused' if refused else 'failed'}: {error}"
    if epilogue:
        message += "\n" + epilogue
    print(message, file=sys.stderr)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        encoded = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        print(f"::error title=Instantiation {'refused' if refused else 'failed'}::{encoded}")
    return 2 if refused else 1


def report(ident: Identity, origin: Origin, plan: Plan, dry_run: bool) -> None:
    warnings = list(plan.warnings)
    if not origin.url or not origin.commit:
        unknown = " and ".join(
            what for what, value in (("repository", origin.url), ("commit", origin.commit)) if not value
        )
        warnings.append(
            f"the template's {unknown} is unknown (not a git clone of the template?): {RECORD} leaves it empty;"
            " fill it in for `make update-template`."
        )
    if origin.dirty:
        warnings.append(
            f"the template had uncommitted changes: {RECORD} names commit {origin.commit[:12]}, which lacks them,"
            " so `make update-template` will see them as your own changes."
        )
    if ident.owner == TEMPLATE_OWNER:
        warnings.append(
            f"no OWNER given nor found in a GitHub remote: the URLs keep {TEMPLATE_OWNER!r}; fix them by hand."
        )
    if ident.author == TEMPLATE_AUTHOR:
        warnings.append(f"no AUTHOR given nor in git config user.name: {TEMPLATE_AUTHOR!r} stays; fix it by hand.")
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
        if os.environ.get("GITHUB_ACTIONS") == "true":
            print(f"::warning::{warning}")
    print(("Would instantiate" if dry_run else "Instantiated") + f" {ident.repo}:")
    print(f"  distribution  {ident.dist}")
    print(f"  import name   {ident.package}")
    print(f"  crate         {ident.crate} (extension {ident.package}._accelerate)")
    print(f"  owner         {ident.owner}")
    print(f"  author        {ident.author}")
    print(f"  template      {origin.url or '(unknown)'} at {origin.commit[:12] or '(unknown)'}, recorded in {RECORD}")
    print(f"  {len(plan.writes)} files written, {len(plan.deletes)} template files removed")
    for old, new in reversed(plan.renames):
        print(f"  renamed {old} -> {new}")
    if dry_run:
        return
    output = os.environ.get("GITHUB_OUTPUT")
    if output:
        with open(output, "a", encoding="utf-8") as file:
            file.write(f"distribution={ident.dist}\nimport-name={ident.package}\n")
    else:
        message = f"chore: instantiate {ident.dist} from the template"
        if origin.clone == "template":
            print(
                "Next: this clone holds the template's history, and its origin is the template. Give the project"
                ' a history of its own, as "Use this template" does, and your repository as its origin:\n'
                f"  rm -rf .git && git init && git add --all && git commit -m '{message}'\n"
                "  git remote add origin <your repository's URL>\n"
                'then run "make init".'
            )
        elif origin.clone == "none":
            print(f"Next: git init && git add --all && git commit -m '{message}', then run \"make init\".")
        else:
            commit = f"git add --all && git commit -m '{message}'"
            print(f'Next: review with "git status", commit with "{commit}", then run "make init".')
        if (ROOT / ".venv").exists():
            print('.venv holds the build under the template\'s name: "make distclean init" rebuilds it.')


if __name__ == "__main__":
    sys.exit(main())
