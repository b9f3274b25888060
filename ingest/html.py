"""HTML as a reader sees it: the page's own content as markdown-ish text.

Page chrome is dropped by structure, then the rest is written as lines the section finder reads:
h1-h6 as "#" headings (one line each), list items as "- " / "1. ", <pre> as a ``` fence, tables
through ``ingest.tables`` (rows keep their header), blocks as paragraphs.

Chrome is: <nav>, <aside>, page-level <header>/<footer>, ARIA navigation/banner/contentinfo/
complementary/search roles, hidden elements, elements whose class or id names navigation (navheader,
breadcrumb, toc, sidebar, pager, ...), a lone "Table of contents" label, and lists/tables/blocks
made of links within the site (tables of contents, previous/next bars). Links to other sites are
content ("see also" lists), so they stay.

Why our own cleaning and not trafilatura: measured on real documentation sets (debian-faq-fr,
aptitude-doc-fr), trafilatura 2.3 drops every h1-h6 heading on 16 of the 17 FAQ pages and 2,233 of
the 7,204 words of aptitude's configuration reference (its definition lists and tables). It is built
for news articles; documentation needs its headings and its tables, and its chrome is marked up.
lxml does the parsing.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from lxml import etree
from lxml import html as lxml_html

from ingest import tables
from ingest.html_text import BLOCK, HEADINGS, SKIP, Writer, table_of  # noqa: F401 (re-exported)

CHROME_TAGS = frozenset({"nav", "aside"})
CHROME_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar", "toolbar"})
# Words of a class or id (split on non-alphanumerics) that name page chrome.
CHROME_WORDS = frozenset(
    "nav navbar navheader navfooter navigation navmenu docnav breadcrumb breadcrumbs toc toctree "
    "menu menubar sidebar sphinxsidebar sidenav pager pagination skip skiplink skipnav headerlink "
    "masthead footer cookie cookies".split()
)
TOC_LABELS = frozenset(
    "table des matières|sommaire|contents|table of contents|on this page|sur cette page|in this article"
    "|dans cet article|inhaltsverzeichnis|índice|indice|contenido".split("|")
)
_LINK_LISTS = frozenset({"ul", "ol", "dl", "table", "p", "div", "menu"})
_LINK_SHARE = 0.8  # a list/block whose text is at least this share of in-site link text is navigation
_OUTSIDE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


class HTMLError(ValueError):
    """The markup could not be read; ``str(error)`` says why in one line."""


def _words(el: etree._Element) -> set[str]:
    names = f"{el.get('class', '')} {el.get('id', '')}".lower()
    return {w for w in _WORD_SPLIT.split(names) if w} | ({"toc"} if "list-of-" in names else set())


def _text(el: etree._Element) -> str:
    return " ".join("".join(el.itertext()).split())


def _holds_content_root(el: etree._Element) -> bool:
    return el.tag in ("html", "body", "main", "article") or any(
        d.tag in ("h1", "main", "article") for d in el.iterdescendants()
    )


def _is_chrome(el: etree._Element) -> bool:
    if el.tag in CHROME_TAGS:
        return True
    if el.tag in ("header", "footer"):
        return not any(a.tag in ("article", "main", "section") for a in el.iterancestors())
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    if re.search(r"display\s*:\s*none", el.get("style", ""), re.IGNORECASE):
        return True
    if el.get("role", "").lower() in CHROME_ROLES or "breadcrumb" in el.get("aria-label", "").lower():
        return True
    return bool(_words(el) & CHROME_WORDS)


def _is_link_block(el: etree._Element) -> bool:
    """A table of contents or a previous/next bar: links within the site and (almost) no other text."""
    if el.tag not in _LINK_LISTS:
        return False
    links = [a for a in el.iter("a") if a.get("href") is not None]
    if len(links) < 2 or any(_OUTSIDE.match(a.get("href", "").strip()) for a in links):
        return False
    if el.tag in ("p", "div") and any(d.tag in HEADINGS or d.tag == "pre" for d in el.iterdescendants()):
        return False
    total = len("".join(_text(el).split()))
    linked = sum(len("".join(_text(a).split())) for a in links)
    return total > 0 and linked >= _LINK_SHARE * total


def drop_chrome(root: etree._Element) -> None:
    """Remove page chrome from ``root`` in place (outermost first)."""
    stack = [root]
    while stack:
        el = stack.pop()
        for child in list(el):
            if not isinstance(child.tag, str):
                continue
            if child.tag not in ("html", "body") and not _holds_content_root(child) and (
                _is_chrome(child) or _is_link_block(child)
            ):
                child.drop_tree()  # keeps the tail text
            elif child.tag in BLOCK and _text(child).casefold().rstrip(" :") in TOC_LABELS and len(child) <= 1:
                child.drop_tree()
            else:
                stack.append(child)


class _TooDeep(Exception):
    """libxml2 stops at 256 nested elements and drops what lies deeper."""


def parse(markup: str) -> etree._Element:
    parser = lxml_html.HTMLParser()
    try:
        doc = lxml_html.document_fromstring(_XML_DECL.sub("", markup, count=1), parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise HTMLError(str(exc) or type(exc).__name__) from None
    if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):
        raise _TooDeep()
    return doc


class _PlainText(HTMLParser):
    """Visible text, one block a paragraph: for markup nested too deep for a tree (hostile input)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skip += tag in SKIP
        if tag in BLOCK or tag == "br":
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in SKIP and self._skip > 0
        if tag in BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def plain_text(markup: str) -> str:
    reader = _PlainText()
    reader.feed(markup)
    reader.close()
    paragraphs = (" ".join(p.split()) for p in "".join(reader.parts).split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)


def main_content(doc: etree._Element) -> etree._Element:
    """The page's <main> (or role=main) when it has exactly one, else its <body>."""
    mains = doc.xpath("//main | //*[@role='main']")
    if len(mains) == 1:
        return mains[0]
    body = doc.find("body")
    return body if body is not None else doc


def page_title(doc: etree._Element) -> str:
    title = doc.find(".//title")
    return _text(title) if title is not None else ""


def html_to_text(markup: str) -> str:
    """Markdown-ish text of the page's main content (see the module docstring); "" when it has none."""

    try:
        doc = parse(markup)
    except _TooDeep:
        return plain_text(markup)
    content = main_content(doc)
    drop_chrome(content)
    writer = Writer()
    writer.walk(content)
    body = writer.result()
    title = page_title(doc)
    return f"# {title}\n\n{body}" if body and title and _needs_title(content, title) else body


def _needs_title(content: etree._Element, title: str) -> bool:
    """The page's <title> goes on top when the content has no <h1> and does not open with that title
    (DocBook section pages open with an <h3> that repeats it)."""
    if any(True for _ in content.iter("h1")):
        return False
    first = next(content.iter(*HEADINGS), None)
    return first is None or _text(first).casefold() != title.casefold()
