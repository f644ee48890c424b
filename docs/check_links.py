"""Check that every link within the built site leads somewhere: to a file, and to an anchor in it.

Usage: python docs/check_links.py docs/_build/html (`make docs` runs it). Links to
other sites are not checked: that needs the network, and they change without us.
Sphinx's own -n checks the references it resolves; this checks the HTML as a
browser follows it (the theme's links, the links written in the pages).
"""

import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class Page(HTMLParser):
    """The anchors (id=, name=) a page defines and the links (href=, src=) it holds."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.anchors: set[str] = set()
        self.links: list[str] = []
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and name in ("id", "name"):
                self.anchors.add(value)
            elif value and name in ("href", "src"):
                self.links.append(value)


def check(site: Path) -> tuple[int, list[str]]:
    """(how many links were checked, the broken ones)."""
    site = site.resolve()
    # The pages, not the copies of sources and theme templates under _sources/, _static/...
    pages = {path: Page(path) for path in site.rglob("*.html") if not path.relative_to(site).parts[0].startswith("_")}
    checked, broken = 0, []
    for path, page in pages.items():
        for link in page.links:
            url = urlsplit(link)
            if url.scheme or url.netloc:  # another site (https:, mailto:, //host)
                continue
            checked += 1
            target = (path.parent / unquote(url.path)).resolve() if url.path else path
            if target.is_dir():
                target /= "index.html"
            if not target.is_file():
                broken.append(f"{path.relative_to(site).as_posix()}: {link} (no such file)")
            elif url.fragment and target in pages and unquote(url.fragment) not in pages[target].anchors:
                broken.append(f"{path.relative_to(site).as_posix()}: {link} (no such anchor)")
    return checked, broken


if __name__ == "__main__":
    site = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/_build/html")
    checked, broken = check(site)
    print("\n".join(broken) or f"{checked} links within {site}: each leads somewhere.")
    sys.exit(1 if broken else 0)
