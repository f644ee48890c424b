"""The documentation site: `make docs`, `make docs-serve`, the Docs workflow.

The site is built by this checkout's `make docs` into a temporary directory,
never into docs/_build. What each page must show is read from the package and
from README.md while the tests run. The browser tests open the pages in a
headless Chromium (Debian's package `chromium`), and skip where there is none.
"""

import html
import inspect
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml  # PyYAML, which pre-commit depends on

import project_name
from conftest import ROOT, clean_env, run
from project_name import _accelerate

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
README = (ROOT / "README.md").read_text(encoding="utf-8")
GUIDE = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")  # the development guide
WORKFLOW_TEXT = (ROOT / ".github" / "workflows" / "docs.yml").read_text(encoding="utf-8")
WORKFLOW = yaml.safe_load(WORKFLOW_TEXT)
JOBS = WORKFLOW["jobs"]
CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="no headless Chromium here (Debian: apt-get install chromium; .ci/run installs it)"
)


def public_items() -> list[tuple[str, Any]]:
    """(full name, object) for each public name of the package and of each extension
    submodule: functions, classes, exceptions and constants alike."""
    modules = [project_name, *(value for value in vars(_accelerate).values() if isinstance(value, ModuleType))]
    return [
        (f"{module.__name__}.{name}", getattr(module, name))
        for module in modules
        for name in module.__all__
        if not name.startswith("__")  # __version__: autodoc leaves special names out
    ]


def public_callables() -> list[tuple[str, Any]]:
    """The functions, classes and exceptions among them, which have a docstring and a [source] link."""
    return [(name, item) for name, item in public_items() if callable(item)]


def text(markup: str) -> str:
    """What a page says: its text without tags, one space for each run of blanks."""
    markup = re.sub(r"<(script|style)\b.*?</\1>|<!--.*?-->", "", markup, flags=re.DOTALL)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", markup)))


def signature(item: Any) -> str:
    """As Sphinx shows it (the return type after an arrow); empty for what has none (an exception)."""
    try:
        return str(inspect.signature(item)).replace(" -> ", " → ")
    except ValueError:
        return ""


def defines(path: str, line: int, name: str) -> bool:
    """Whether that line of the repository starts the definition of `name`: a Rust `fn`, `struct`
    or `enum`, a `create_exception!` (whose arguments may follow on the next lines), or a
    Python `def` or `class`."""
    lines = (ROOT / path).read_text(encoding="utf-8").splitlines()[line - 1 :]
    if re.search(rf"\b(fn|struct|enum|def|class) {name}\b", lines[0]):
        return True
    return "create_exception!" in lines[0] and re.search(rf"\b{name}\b", "\n".join(lines[:4])) is not None


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`make docs` in this checkout, built into an empty directory."""
    build = tmp_path_factory.mktemp("docs")
    # A POSIX form (C:/Users/... on Windows): make's recipes run in bash, where a backslash escapes.
    result = run("make", "docs", f"DOCS_BUILD={build.as_posix()}", cwd=ROOT)
    assert f"make docs: built {build.as_posix()}/html. Open {build.as_posix()}/html/index.html" in result.stdout
    return build / "html"


# --- make docs ------------------------------------------------------------------------


def test_make_docs_builds_against_the_extension_with_warnings_as_errors() -> None:
    # What make would run (the extension is up to date: `make check` built it), and its rules.
    output = run("make", "--dry-run", "--print-data-base", "docs", cwd=ROOT).stdout
    assert re.search(r"(?m)^docs: \.venv/\.extension-built$", output), "a change to Rust must be compiled first"
    assert re.search(r'(?m)^\S+ -m sphinx build -W --keep-going -n .* docs "docs/_build/html"', output), output[:2000]


def test_the_build_writes_nothing_into_docs(site: Path) -> None:
    # The API page is generated in memory (docs/conf.py), never as a file in docs/.
    listed = run("git", "ls-files", "--cached", "--others", "--exclude-standard", "docs", cwd=ROOT).stdout.split()
    present = [p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").rglob("*") if p.is_file()]
    assert sorted(p for p in present if not p.startswith("docs/_build/")) == sorted(listed)


def test_every_public_item_is_on_the_api_page_with_its_signature_docstring_and_source(site: Path) -> None:
    page = (site / "api.html").read_text(encoding="utf-8")
    items = public_items()
    assert public_callables()
    repository = PYPROJECT["project"]["urls"]["Homepage"].rstrip("/")
    for name, item in items:
        entry = re.search(rf'<dt[^>]*\bid="{re.escape(name)}".*?</dt>\s*<dd>.*?</dd>', page, re.DOTALL)
        assert entry, f"{name} is not on the API page"
        assert f"{name}{signature(item) if callable(item) else ''}" in text(entry[0]), text(entry[0])
        if not callable(item):  # a constant: its value, no docstring of its own
            continue
        docstring = inspect.getdoc(item)
        assert docstring, f"{name} has no docstring"
        first_line = docstring.splitlines()[0].replace("`", "")
        assert first_line in text(entry[0]), f"{name}: {first_line!r} not in {text(entry[0])!r}"
        # [source] leads to the line that defines it, in the Rust or the Python sources.
        link = re.search(rf'href="{re.escape(repository)}/blob/[0-9a-f]{{40}}/([^"#]+)#L(\d+)"', entry[0])
        assert link, f"{name} has no [source] link to {repository}"
        assert defines(link[1], int(link[2]), item.__name__), f"{name}: {link[0]} does not define it"


def test_every_link_within_the_site_leads_somewhere(site: Path, tmp_path: Path) -> None:
    result = run(sys.executable, ROOT / "docs" / "check_links.py", site)
    assert re.fullmatch(r"[1-9]\d* links within .*: each leads somewhere\.\n", result.stdout), result.stdout
    # And the checker does find a broken one.
    broken = tmp_path / "html"
    shutil.copytree(site, broken)
    index = broken / "index.html"
    links = '<a href="api.html#no-such-function">x</a><a href="no-such-page.html">y</a></body>'
    index.write_text(index.read_text(encoding="utf-8").replace("</body>", links), encoding="utf-8")
    result = run(sys.executable, ROOT / "docs" / "check_links.py", broken, check=False)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "index.html: api.html#no-such-function (no such anchor)",
        "index.html: no-such-page.html (no such file)",
    ]


INCLUDE = re.compile(r"(?ms)^```\{include\} \.\./(\S+)\n(?::start-after: (.*?)\n:end-before: (.*?)\n)?\n*```")


def test_pages_include_the_readme_and_the_guide_instead_of_copying_them(site: Path) -> None:
    included = set()
    for name in ("index", "development", "releases"):
        source = (ROOT / "docs" / f"{name}.md").read_text(encoding="utf-8")
        includes = INCLUDE.findall(source)
        assert includes, f"docs/{name}.md includes nothing"
        shown = text((site / f"{name}.html").read_text(encoding="utf-8"))
        for path, start, end in includes:
            whole = (ROOT / path).read_text(encoding="utf-8")
            included.add(path)
            if start:
                assert whole.count(start) == whole.count(end) == 1, f"{path} must hold {start} and {end} once"
            section = whole.split(start)[1].split(end)[0] if start else whole
            headings = re.findall(r"(?m)^#+ (.*)$", section)
            code = re.findall(r"(?ms)^```\w*\n(.*?)^```", section)
            assert headings or code
            for expected in [*headings, *code]:
                assert re.sub(r"\s+", " ", expected).strip() in shown, f"{name}.html lacks {expected!r}"
    assert included == {"README.md", "CONTRIBUTING.md"}
    # One place for each text: no line of them is repeated in docs/.
    for path in included:
        lines = {line.strip() for line in (ROOT / path).read_text("utf-8").splitlines() if len(line.strip()) > 30}
        for page in (ROOT / "docs").glob("*.md"):
            copied = lines & {line.strip() for line in page.read_text(encoding="utf-8").splitlines()}
            assert not copied, f"{page.name} copies {path}: {copied}"


# >>> template-only (the template's own move of its guide: a project's guide and README are its own)
# What the README held for developers before it became the package's front page.
DEVELOPMENT_SECTIONS = (
    *("Prerequisites", "Layout", "Add a Rust function, end to end", "Add a class, an exception, a crate, a dependency"),
    *("Editors and debugging", "Performance", "Quality checks", "Documentation", "Release", "Publishing to PyPI"),
    "Keeping up with the template",
)


def test_the_guide_holds_every_development_section_and_the_readme_none() -> None:
    for section in DEVELOPMENT_SECTIONS:
        assert f"\n## {section}\n" in GUIDE, f"CONTRIBUTING.md lacks its section {section!r}"
    for page in (ROOT / "README.md", ROOT / ".github/template/README.md"):
        if page.is_file():
            # Without the blocks that the instantiation removes (their markers spelt so as not to be some).
            front = re.sub(
                r"(?s)<!-- >{3} template[-]only.*?<!-- <{3} template[-]only -->", "", page.read_text("utf-8")
            )
            assert not re.search(r"(?m)^make ", front), f"{page.name}: commands for developers belong in the guide"


# <<< template-only
def test_index_page_is_the_readme_under_the_project_s_name(site: Path) -> None:
    index = (site / "index.html").read_text(encoding="utf-8")
    name, version = PYPROJECT["project"]["name"], project_name.__version__
    assert f"<title>{name} {version}</title>" in index
    title = re.search(r"(?m)^# (.*)$", README)
    assert title and f"<h1>{html.escape(title[1])}<" in index
    first_paragraph = README.split(title[0], 1)[1].strip().split("\n\n")[0]
    assert re.sub(r"\s+", " ", first_paragraph.split("](")[0].split("[")[0]).strip() in text(index)


# --- in a browser ---------------------------------------------------------------------


def rendered(url: str, profile: Path) -> str:
    """The page's DOM once headless Chromium has loaded it and run its scripts."""
    assert CHROMIUM
    result = subprocess.run(
        [
            CHROMIUM,
            *("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", f"--user-data-dir={profile}"),
            *("--disable-background-networking", "--disable-component-update", "--disable-sync"),
            *("--virtual-time-budget=5000", "--dump-dom", url),  # 5 s of page time: the search runs
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and "</html>" in result.stdout, result.stderr[-3000:]
    return result.stdout


@needs_chromium
def test_a_browser_shows_the_index_and_every_function(site: Path, tmp_path: Path) -> None:
    index = text(rendered((site / "index.html").as_uri(), tmp_path / "profile"))
    title = re.search(r"(?m)^# (.*)$", README)
    assert title and title[1] in index and "API reference" in index
    api = text(rendered((site / "api.html").as_uri(), tmp_path / "profile"))
    for name, item in public_callables():
        assert f"{name}{signature(item)}" in api, name


@needs_chromium
def test_a_browser_finds_a_function_with_the_site_search(site: Path, tmp_path: Path) -> None:
    name, item = public_callables()[-1]
    dom = rendered(f"{(site / 'search.html').as_uri()}?q={item.__name__}", tmp_path / "profile")
    assert "Search finished, found" in dom, text(dom)[-2000:]
    assert f'href="api.html#{name}"' in dom


# --- make docs-serve ------------------------------------------------------------------


@pytest.mark.skipif(os.name == "nt", reason="stopping make and its server by process group needs POSIX")
def test_make_docs_serve_previews_the_site(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        ["make", "docs-serve", f"DOCS_PORT={port}", f"DOCS_BUILD={tmp_path.as_posix()}"],
        cwd=ROOT,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, stopped as one below
    )
    try:
        deadline, page = time.monotonic() + 120, None
        while page is None and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api.html", timeout=5) as response:
                    page = response.read().decode("utf-8")
            except OSError:
                time.sleep(0.5)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=60)[0]
    assert page is not None, output[-3000:]
    assert f"serving the site at http://127.0.0.1:{port}/" in output
    for name, _ in public_items():
        assert f'id="{name}"' in page, name


# --- the docs dependency group ----------------------------------------------------------


def test_docs_group_installs_on_every_development_python() -> None:
    # .python-version may name any CPython from the floor on, and the Sphinx pins
    # differ by version: one universal resolution covers them all, or fails.
    floor = PYPROJECT["project"]["requires-python"].removeprefix(">=")
    uv = shutil.which("uv", path=clean_env()["PATH"])
    assert uv, "uv is on the PATH of the checks (conftest.py puts it there)"
    group = ("--group", "pyproject.toml:docs", "--universal", "--python-version", floor)
    result = run(uv, "pip", "compile", "--quiet", "--no-header", *group, cwd=ROOT)
    assert re.search(r"(?m)^sphinx==", result.stdout), result.stdout
    assert {"include-group": "docs"} in PYPROJECT["dependency-groups"]["dev"]  # `make init` installs it


# --- the Docs workflow ----------------------------------------------------------------


def test_workflow_publishes_on_release_tags_only() -> None:
    assert WORKFLOW[True] == {"push": {"tags": ["v*"]}}  # PyYAML reads the key `on` as True


def test_nothing_runs_in_the_template() -> None:
    (state,) = [step for step in JOBS["gate"]["steps"] if step.get("id") == "state"]
    assert state["run"] == 'echo "state=$(.github/scripts/template-state.sh)" >> "$GITHUB_OUTPUT"'
    assert state["env"] == {"IS_TEMPLATE": "${{ github.event.repository.is_template }}"}
    assert JOBS["gate"]["outputs"]["state"] == "${{ steps.state.outputs.state }}"
    assert JOBS["build"]["needs"] == "gate"
    assert JOBS["build"]["if"] == "needs.gate.outputs.state == 'instantiated'"
    assert JOBS["deploy"]["needs"] == "build"  # skipped with it
    assert JOBS.keys() == {"gate", "build", "deploy"}


def test_build_runs_make_docs_and_uploads_what_it_built() -> None:
    steps = JOBS["build"]["steps"]
    assert [step["run"] for step in steps if "run" in step] == ["make docs"]
    (upload,) = [step for step in steps if step.get("uses", "").startswith("actions/upload-pages-artifact@")]
    assert upload["with"] == {"path": "docs/_build/html"}
    (checkout,) = [step for step in steps if step.get("uses", "").startswith("actions/checkout@")]
    assert checkout["with"]["fetch-depth"] == 0, "the version on the site comes from the tag"


def test_only_the_deploy_job_may_write_to_pages() -> None:
    assert WORKFLOW["permissions"] == {}
    assert {name: job["permissions"] for name, job in JOBS.items()} == {
        "gate": {"contents": "read"},
        "build": {"contents": "read"},
        "deploy": {"pages": "write", "id-token": "write"},
    }
    deploy = JOBS["deploy"]
    assert deploy["environment"] == {"name": "github-pages", "url": "${{ steps.deployment.outputs.page_url }}"}
    assert [step["uses"].split("@")[0] for step in deploy["steps"]] == [
        "actions/configure-pages",
        "actions/deploy-pages",
    ]
    assert [step.get("id") for step in deploy["steps"]][-1] == "deployment"


def test_only_github_s_own_actions_deploy() -> None:
    # Pins, credentials and caches: test_hooks.py checks them in every workflow.
    actions = [step["uses"] for job in JOBS.values() for step in job["steps"] if "uses" in step]
    assert actions and all(action.startswith("actions/") for action in actions), actions


def test_the_guide_says_how_to_switch_pages_on() -> None:
    for needed in (
        "make docs",
        "make docs-serve",
        "Settings > Pages > Build and deployment > Source: GitHub Actions",
        "Get Pages site failed",
        "Settings > Environments > github-pages",
    ):
        assert needed in GUIDE, needed
