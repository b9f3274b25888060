"""The document viewer and the per-answer actions the page's script asks for.

A click on an [n] badge, a source card, "Copy with sources" or a document of the corpus tab sets
a small JSON target ({"kind": "cite", "turn": 2, "n": 1}, {"kind": "doc", "key": ...}) and calls
`act`, which returns the viewer's HTML and the text to copy. The document text is the one the
index stores (`Assistant.source_text`): the same for every loader (txt, md, html, pdf, docx); a PDF's
passage also says which page(s) of the PDF it is on.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from core.errors import AssistantError
from ui import render

log = logging.getLogger(__name__)

SECTION_CHARS = 12_000  # longer documents show this much around the passage (a section of it)


def locate(document: str, passage: Any) -> tuple[int, int] | None:
    """Where the passage sits in the document: its recorded offsets (spans of the source text, whose
    spacing the chunk text has normalised), else found by its words."""
    start, end = passage.start_char, passage.end_char
    if 0 <= start < end <= len(document):
        return start, end
    return loose_find(document, passage.text)


def loose_find(text: str, needle: str, start: int = 0, end: int | None = None) -> tuple[int, int] | None:
    """The span of `needle` in `text[start:end]`, any run of spaces matching any other (the index
    normalises spacing: non-breaking spaces, line breaks inside paragraphs)."""
    words = needle.split()
    if not words:
        return None
    found = re.compile(r"\s+".join(map(re.escape, words))).search(text, start, len(text) if end is None else end)
    return found.span() if found else None


def mapped_highlights(document: str, span: tuple[int, int], passage: Any) -> list[tuple[int, int]]:
    """The answer's highlighted spans (offsets in the chunk text) as offsets in the document."""
    out = []
    for a, b in passage.highlights:
        hit = loose_find(document, passage.text[a:b], span[0], span[1])
        if hit:
            out.append(hit)
    return out


def section(document: str, span: tuple[int, int] | None) -> tuple[int, int]:
    """The part of a long document shown around `span`, cut at paragraph breaks when there are some."""
    if len(document) <= SECTION_CHARS:
        return 0, len(document)
    middle = (span[0] + span[1]) // 2 if span else 0
    lo = max(0, middle - SECTION_CHARS // 2)
    hi = min(len(document), lo + SECTION_CHARS)
    lo = max(0, hi - SECTION_CHARS)
    if span:
        lo, hi = min(lo, span[0]), max(hi, span[1])
    if lo > 0 and (cut := document.find("\n\n", lo, span[0] if span else hi)) >= 0:
        lo = cut + 2
    if hi < len(document) and (cut := document.rfind("\n\n", span[1] if span else lo, hi)) >= 0:
        hi = cut
    return lo, hi


def passage_view(bot: Any, passage: Any) -> str:
    """The viewer on the passage's document, the passage highlighted and its quoted spans marked."""
    try:
        document = bot.source_text(passage.source)
    except (AssistantError, ValueError) as err:
        document, problem = "", str(err)
    else:
        problem = ""
    span = locate(document, passage) if document else None
    if span is None:  # the document changed or left the index: show the passage itself
        note = problem or "the document is no longer in the index as it was; the passage alone is shown"
        spans = list(passage.highlights)
        return render.document_html(passage.title, passage.source, passage.text, (0, len(passage.text)), spans, note,
                                    passage.pages)
    lo, hi = section(document, span)
    note = f"section: characters {lo:,}–{hi:,} of {len(document):,}" if (lo, hi) != (0, len(document)) else ""
    spans = [(a - lo, b - lo) for a, b in mapped_highlights(document, span, passage)]
    return render.document_html(passage.title, passage.source, document[lo:hi], (span[0] - lo, span[1] - lo), spans, note,
                                passage.pages)


def document_view(bot: Any, source: str, root: str | None) -> str:
    """The viewer on a whole document of the corpus tab (its start, for a very long one)."""
    try:
        document = bot.source_text(source, root or None)
    except (AssistantError, ValueError) as err:
        return render.document_html(source, source, "", None, (), str(err))
    titles = next((d.titles for d in bot.documents() if d.source == source and (not root or d.root == root)), [])
    lo, hi = section(document, None)
    note = f"first {hi:,} of {len(document):,} characters" if hi < len(document) else ""
    return render.document_html(titles[0] if titles else source, source, document[lo:hi], None, (), note)


def act(bot: Any, target: str | None, state: Any) -> tuple[str, str]:
    """(viewer HTML, text to copy) for one click of the page; ("", "") when the target is unknown."""
    try:
        want = json.loads(target or "{}")
    except ValueError:
        return "", ""
    kind = want.get("kind")
    if kind == "doc":
        source, root = render.parse_document_key(str(want.get("key", "")))
        return (document_view(bot, source, root) if source else ""), ""
    answers = getattr(state, "answers", None) or []
    turn = want.get("turn")
    if not isinstance(turn, int) or not 0 <= turn < len(answers) or answers[turn] is None:
        return "", ""
    answer = answers[turn]
    if kind == "copy":
        return "", render.copy_text(answer)
    number = want.get("n") if kind != "closest" else 1
    passage = next((p for p in [*answer.citations, *answer.retrieved] if p.number == number), None)
    return (passage_view(bot, passage) if passage is not None else ""), ""
