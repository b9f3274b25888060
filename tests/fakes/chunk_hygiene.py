"""Judge chunks of an HTML documentation set the way a reader would, from the raw pages alone.

Independent of ingest/html.py: the raw pages (parsed with lxml) give every page's <title> and
h1-h6 texts, and every data table's header and rows. A chunk line is a *heading line* when it is
one of those titles, a *navigation line* when it is a navigation word ("Précédent", "Next", ...) or
a row of titles and navigation words joined by "|" (a previous/next footer). Then a chunk is
* ``toc`` when, after its first line, at least 3 lines and two thirds of the lines are heading lines;
* ``nav_only`` when all its lines are heading or navigation lines and one is navigation;
* ``title_only`` when all its lines are heading lines (1 or 2 of them);
* ``with_nav`` (glued footer) when it holds a navigation line among content.
A data-table row *carries its header* when one chunk holds every non-empty cell of the row and the
header name of each of those cells.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from lxml import html as lxml_html

NAV_WORDS = frozenset(
    "précédent|suivant|sommaire|niveau supérieur|début|fin|next|previous|prev|home|up|table des matières"
    "|contents|table of contents|accueil".split("|")
)
_MARKER = re.compile(r"^(?:#{1,6}\s+|[-*•]\s+|\d+[.)]\s+)")


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


@dataclass
class PageFacts:
    headings: set[str] = field(default_factory=set)  # titles and h1-h6 of every page, normalised
    tables: list[tuple[list[str], list[list[str]]]] = field(default_factory=list)  # (header, rows)


def page_facts(files: Iterable[Path]) -> PageFacts:
    facts = PageFacts()
    for path in files:
        doc = lxml_html.document_fromstring(path.read_bytes())
        for el in doc.xpath("//title | //h1 | //h2 | //h3 | //h4 | //h5 | //h6"):
            facts.headings.add(_norm(el.text_content()))
        for table in doc.xpath("//table[thead or tr[1][th and not(td)] or tbody/tr[1][th and not(td)]]"):
            rows = table.xpath(".//tr[not(ancestor::table[2])]")  # rows of this table, not of a nested one
            cells = [[_norm(c.text_content()) for c in tr.xpath("th|td")] for tr in rows]
            head = 0 if rows and all(c.tag == "th" for c in rows[0].xpath("th|td")) else None
            thead = [i for i, tr in enumerate(rows) if tr.getparent().tag == "thead"]
            at = thead[-1] if thead else head
            if at is None or len(cells[at]) < 2 or "navigation" in (table.get("summary") or "").lower():
                continue
            facts.tables.append((cells[at], [r for i, r in enumerate(cells) if i > at and any(r)]))
    facts.headings.discard("")
    return facts


def _line_kind(line: str, headings: set[str]) -> str:
    text = _norm(_MARKER.sub("", line.strip()))
    if text in NAV_WORDS and not line.strip().isupper():  # "HOME" is an environment variable
        return "nav"
    if text in headings:
        return "heading"
    parts = [p.strip() for p in text.split("|") if p.strip()]
    if len(parts) >= 2 and all(p in headings or p in NAV_WORDS for p in parts):
        return "nav"
    return "content"


def chunk_kind(text: str, headings: set[str]) -> str:
    """"toc", "nav_only", "title_only", "with_nav" or "ok" (see the module docstring)."""
    lines = [line for line in text.split("\n") if line.strip()]
    kinds = [_line_kind(line, headings) for line in lines]
    if kinds[1:].count("heading") >= 3 and kinds[1:].count("heading") * 3 >= 2 * len(kinds[1:]):
        return "toc"
    if kinds and "content" not in kinds:
        return "nav_only" if "nav" in kinds else "title_only"
    return "with_nav" if "nav" in kinds else "ok"


def rows_with_header(facts: PageFacts, chunks: list[str]) -> tuple[int, int]:
    """(rows that carry their header in some chunk, rows)."""
    normed = [_norm(c) for c in chunks]
    carried = total = 0
    for header, rows in facts.tables:
        for row in rows:
            total += 1
            needed = [v for v in row if v] + [header[i] for i, v in enumerate(row) if v and i < len(header) and header[i]]
            if any(all(n in chunk for n in needed) for chunk in normed):
                carried += 1
    return carried, total


def tally(chunks: list[str], headings: set[str]) -> Counter[str]:
    return Counter(chunk_kind(c, headings) for c in chunks)
