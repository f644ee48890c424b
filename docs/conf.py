"""Sphinx configuration of the documentation site (`make docs`).

Nothing here names the project: the names, the description and the links come
from pyproject.toml, and the API page from the installed package, so the site
follows a rename and a new Rust function with no edit here.
"""

import importlib
import inspect
import itertools
import re
import subprocess
import tomllib
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
METADATA = PYPROJECT["project"]
EXTENSION = PYPROJECT["tool"]["setuptools-rust"]["ext-modules"][0]["target"]  # "<package>._accelerate"
PACKAGE = EXTENSION.partition(".")[0]

project = METADATA["name"]
author = ", ".join(person["name"] for person in METADATA.get("authors", []))
copyright = f"%Y, {author}"
release = version = importlib.import_module(PACKAGE).__version__

extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.linkcode"]
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build"]
html_theme = "furo"
html_title = f"{project} {release}"

myst_heading_anchors = 3  # links to a heading (#layout) work on the site too
# The docstrings are the Rust `///` comments, written in Markdown: `x` is code.
default_role = "code"
smartquotes = False  # quotes and dashes as written, in docstrings and pages alike
autodoc_default_options = {"members": True, "undoc-members": True}  # each module's __all__

# The [source] links point at this commit on GitHub.
REPOSITORY = METADATA["urls"]["Homepage"].rstrip("/")
HEAD = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip() or "HEAD"
# What Python calls each Rust item -> "path#Lline" of its definition: a `fn`
# (function, method), a `struct` or `enum` (class), a `create_exception!`
# (exception); a `name = "..."` in the attributes above the item renames it.
RUST_ITEM = re.compile(r"\b(?:fn|struct|enum)\s+(\w+)|\bcreate_exception!\s*\(\s*[\w.:]+\s*,\s*(\w+)")
RUST_ITEMS: dict[str, str] = {}
for _path in sorted((ROOT / "crates" / "src").rglob("*.rs")):
    _text = _path.read_text(encoding="utf-8")
    for _match in RUST_ITEM.finditer(_text):
        _line = _text.count("\n", 0, _match.start()) + 1
        _line_start = _text.rfind("\n", 0, _match.start()) + 1
        _above = (_l.strip() for _l in reversed(_text[:_line_start].splitlines()))
        _attributes = list(itertools.takewhile(lambda _l: _l.startswith(("#[", "//")), _above))
        _renamed = re.search(r'#\[py\w+\(.*\bname\s*=\s*"(\w+)"', "\n".join(_attributes))
        _name = _renamed[1] if _renamed else _match[1] or _match[2]
        RUST_ITEMS.setdefault(_name, f"{_path.relative_to(ROOT).as_posix()}#L{_line}")


def linkcode_resolve(domain: str, info: dict[str, str]) -> str | None:
    """The source of a documented object: its Python lines, or its Rust item in crates/src."""
    obj = importlib.import_module(info["module"])
    for part in info["fullname"].split("."):
        obj = getattr(obj, part)
    try:
        path = Path(inspect.getsourcefile(obj)).resolve().relative_to(ROOT).as_posix()
        where = f"{path}#L{inspect.getsourcelines(obj)[1]}"
    except (TypeError, OSError, ValueError):  # compiled (PyO3), or not from this repository
        where = RUST_ITEMS.get(getattr(obj, "__name__", ""))
    return where and f"{REPOSITORY}/blob/{HEAD}/{where}"


def api_page(app, docname: str, source: list[str]) -> None:
    """Write the API page in memory: the package, then every submodule of the extension."""
    if docname != "api":
        return
    extension = importlib.import_module(EXTENSION)
    submodules = sorted(name for name, value in vars(extension).items() if isinstance(value, ModuleType))
    modules = [PACKAGE, *(f"{EXTENSION}.{name}" for name in submodules)]
    # autodoc writes reStructuredText: each automodule goes in an eval-rst block.
    blocks = [f"## `{name}`\n\n```{{eval-rst}}\n.. automodule:: {name}\n```\n" for name in modules]
    source[0], found = re.subn(r"<!-- api:.*?-->", "\n".join(blocks), source[0])
    if not found:
        raise ValueError("docs/api.md has lost its '<!-- api: ... -->' line, where the modules go")


def repository_links(app, relative_path: Path, parent_docname: str, content: list[str]) -> None:
    """In an included file (README.md, CONTRIBUTING.md), a link to a file of the repository
    (CONTRIBUTING.md) goes to that file on GitHub; images stay local."""

    def to_github(match: re.Match[str]) -> str:
        text, path, anchor = match.groups()
        return f"{text}({REPOSITORY}/blob/{HEAD}/{path}{anchor or ''})" if (ROOT / path).is_file() else match[0]

    content[0] = re.sub(r"(?<!!)(\[[^\]]*\])\(([^):#\s]+)(#[^)\s]*)?\)", to_github, content[0])


def setup(app) -> None:
    app.connect("source-read", api_page)
    app.connect("include-read", repository_links)
    # Sphinx re-reads a page when its file changes; the API page changes with the extension.
    app.connect("env-get-outdated", lambda app, env, added, changed, removed: ["api"])
