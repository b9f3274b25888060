"""Find the headings of a clean text and cut it into titled, contiguous sections.

Markdown, HTML and Word (rendered as markdown by the loader) use their ATX / setext headings; nothing
inside a code fence (``` or ~~~; the loader fences HTML's <pre>) is ever a heading.
Plain text, PDF text, and markdown/HTML without any heading markup use heuristics:

* link-blog items: a bullet line ("• ", "* ", "- ", "– ") that is neither preceded nor followed
  by another bullet line and has text after it. When a document has two or more such items
  it is treated as a link blog: only the items are headings (their sub-headings stay body).
* the first line of the text, when it is at most 200 characters and does not end with ".".
* heading lines: short (<= 120 chars, <= 16 words) or ALL CAPS (>= 3 words, <= 200 chars),
  starting with an uppercase letter or a digit, no sentence punctuation at the end (a
  trailing parenthetical is fine; "?"/"!" only for a one-line paragraph of <= 10 words
  followed by a paragraph of >= 200 chars), not a URL, hashtag, "via"/"cc @" line, nor a
  list item next to other list items, nor a line repeated elsewhere in the text (signatures
  such as "Hellen Page", "Ce message a été supprimé..."). A line inside a multi-line
  paragraph must start the paragraph or follow a finished sentence, and be followed by a
  body-like line (or, as the paragraph's last line, by a paragraph of >= 200 chars).

Consecutive heading lines form one section. A run of heuristic lines is titled by its FIRST
line (the corpus has titles followed by credit lines, e.g. label/distribution, not kickers);
a run of markup headings (a parent with no body of its own, then its sub-heading) by the
distinct titles joined with " — " (or the last one when that exceeds 150 chars).
A heuristic line of more than 10 words directly followed by another heading is a sentence
missing its period, not a heading. A run of heuristic lines that comes less than 80
characters of body after the previous heading is body (credit lines: "Score ...", "Label ...").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TITLE_MAX = 150
# Formats whose loader writes its headings as markdown "#" lines (ingest/html.py, ingest/docx_text.py).
MARKUP_FORMATS = ("md", "html", "docx")
_MIN_BODY = 80  # chars of body a section needs before a heuristic heading may end it
_LONG_PARAGRAPH = 200

_ATX = re.compile(r"^(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^(?:={3,}|-{3,})$")
_FENCE = re.compile(r"^(`{3,}|~{3,})")
_BULLET = re.compile(r"^[•*\-–][ \t]+(?=\S)")
_LIST_LIKE = re.compile(r"^(?:[•*\-–—·▪◦][ \t]|\d{1,3}[ \t]*[.)\-–—:][ \t])")
_URL = re.compile(r"^(?:https?://|www\.)|://", re.IGNORECASE)
_VIA = re.compile(r"(?i)via\s|cc\s+@")
_SENTENCE_END = ".!?…»”\""
_NO_HEADING_END = ".,;:!?…»”\")]"
_CLOSERS = {")": "(", "]": "[", "»": "«", "”": "“", '"': '"'}


@dataclass(frozen=True)
class Section:
    title: str
    start: int  # offsets into the clean text
    end: int


@dataclass(frozen=True)
class _Line:
    text: str
    start: int
    end: int
    para: int  # paragraph number
    first: bool  # first line of its paragraph
    last: bool  # last line of its paragraph


@dataclass(frozen=True)
class _Heading:
    line: int  # index into the list of lines
    title: str
    strong: bool  # markup, item, first line or ALL CAPS: never demoted
    markup: bool = False  # an ATX or setext heading
    last: int = -1  # last line of the heading (the underline of a setext heading)

    @property
    def end_line(self) -> int:
        return max(self.line, self.last)


def shorten(title: str, limit: int = TITLE_MAX) -> str:
    """Cut ``title`` to at most ``limit`` characters at a word boundary, ending with "…"."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    cut = title[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:–—-") + "…"


def _lines(clean: str) -> list[_Line]:
    out: list[_Line] = []
    para, pos = 0, 0
    for block in clean.split("\n\n"):
        parts = block.split("\n")
        offset = pos
        for i, text in enumerate(parts):
            if text:
                out.append(_Line(text, offset, offset + len(text), para, i == 0, i == len(parts) - 1))
            offset += len(text) + 1
        pos += len(block) + 2
        para += 1
    return out


def _paragraph_lengths(lines: list[_Line]) -> dict[int, int]:
    lengths: dict[int, int] = {}
    for line in lines:
        lengths[line.para] = lengths.get(line.para, 0) + len(line.text)
    return lengths


def _repeated(lines: list[_Line]) -> set[int]:
    """Lines whose text also occurs at a non-adjacent line: signatures and boilerplate."""
    seen: dict[str, list[int]] = {}
    for k, line in enumerate(lines):
        seen.setdefault(line.text.casefold(), []).append(k)
    return {k for ks in seen.values() for k in ks if any(abs(k - j) > 1 for j in ks)}


def _is_caps(text: str) -> bool:
    cased = [c for c in text if c.lower() != c.upper()]
    return len(cased) >= 4 and all(c.isupper() for c in cased) and len(text.split()) >= 3


def _bad_ending(text: str) -> bool:
    """True when the line ends like a sentence.

    A trailing bracketed or quoted group is fine when it is balanced and neither the group
    nor the text before it ends a sentence: "2050 (Original Soundtrack)", "Album « Je te veux »".
    """
    closer = text[-1]
    if closer not in _CLOSERS:
        return closer in _NO_HEADING_END
    at = text.rfind(_CLOSERS[closer], 0, len(text) - 1)
    inner, head = text[at + 1 : -1].strip(), text[:at].rstrip()
    return at <= 0 or not inner or inner[-1] in ".!?…" or not head or head[-1] in ".,;!?…"


def _titleish(text: str) -> bool:
    """At least two letters, and not a URL or a line of hashtags."""
    words = text.split()
    if sum(c.isalpha() for c in text) < 2 or _URL.search(text):
        return False
    return not (text.startswith("#") or sum(w.startswith("#") for w in words) * 2 >= len(words))


def default_title(clean: str, name: str) -> str:
    """Title for the text before the first heading: the first line, else ``name``."""
    first = clean.split("\n", 1)[0]
    return shorten(first) if _titleish(first) else name


def _heading_like(text: str, allow_bang: bool) -> bool:
    words = text.split()
    caps = _is_caps(text)
    if not (len(text) <= 120 and len(words) <= 16) and not (caps and len(text) <= 200):
        return False
    if not _titleish(text) or not (text[0].isupper() or text[0].isdigit()):
        return False
    if _VIA.match(text):
        return False
    if text[-1] in "?!":
        return allow_bang and len(words) <= 10
    if caps:
        return text[-1] not in ",;:"
    return not _bad_ending(text)


def _body_like(text: str) -> bool:
    return not _URL.search(text) and len(text) >= 40 and (text[-1] in _SENTENCE_END or len(text) >= 100)


def _fenced(lines: list[_Line]) -> set[int]:
    """Lines inside (or opening/closing) a code fence: ``` or ~~~, closed by the same kind, at least as long."""
    out: set[int] = set()
    opened = ""
    for k, line in enumerate(lines):
        m = _FENCE.match(line.text)
        if opened:
            out.add(k)
            if m and m.group(1)[0] == opened[0] and len(m.group(1)) >= len(opened) and not line.text[len(m.group(1)):].strip():
                opened = ""
        elif m and not (m.group(1)[0] == "`" and "`" in line.text[len(m.group(1)):]):
            out.add(k)
            opened = m.group(1)
    return out


def _markup_headings(lines: list[_Line]) -> list[_Heading]:
    out: list[_Heading] = []
    for k, line in enumerate(lines):
        m = _ATX.match(line.text)
        if m and m.group(2).strip():
            out.append(_Heading(k, shorten(m.group(2)), True, markup=True))
        elif (
            k + 1 < len(lines)
            and lines[k + 1].para == line.para
            and _SETEXT.match(lines[k + 1].text)
            and not _SETEXT.match(line.text)
            and not _LIST_LIKE.match(line.text)
        ):
            out.append(_Heading(k, shorten(line.text), True, markup=True, last=k + 1))
    return out


def _items(lines: list[_Line]) -> list[_Heading]:
    out: list[_Heading] = []
    for k, line in enumerate(lines):
        if not _BULLET.match(line.text) or k + 1 >= len(lines):
            continue
        if (k > 0 and _BULLET.match(lines[k - 1].text)) or _BULLET.match(lines[k + 1].text):
            continue
        title = _BULLET.sub("", line.text).split(" | ")[0]
        out.append(_Heading(k, shorten(title), True))
    return out


def _heading_line(lines: list[_Line], k: int, para_len: dict[int, int]) -> bool:
    line = lines[k]
    if k + 1 >= len(lines):
        return False
    if _LIST_LIKE.match(line.text) and (
        (k > 0 and _LIST_LIKE.match(lines[k - 1].text)) or _LIST_LIKE.match(lines[k + 1].text)
    ):
        return False
    if line.first and line.last:  # a one-line paragraph
        long_next = para_len.get(line.para + 1, 0) >= _LONG_PARAGRAPH
        return _heading_like(line.text, allow_bang=long_next)
    if not _heading_like(line.text, allow_bang=False):
        return False
    if not line.first and lines[k - 1].text[-1] not in _SENTENCE_END:
        return False
    if line.last:
        return para_len.get(line.para + 1, 0) >= _LONG_PARAGRAPH
    return _body_like(lines[k + 1].text)


def _heuristic_headings(lines: list[_Line]) -> list[_Heading]:
    items = _items(lines)
    if len(items) >= 2:
        return items
    found = {h.line: h for h in items}
    first = lines[0].text
    if len(first) <= 200 and not first.endswith(".") and _titleish(first):
        found.setdefault(0, _Heading(0, shorten(first), True))
    para_len, repeated = _paragraph_lengths(lines), _repeated(lines)
    for k, line in enumerate(lines):
        if k not in found and k not in repeated and _heading_line(lines, k, para_len):
            found[k] = _Heading(k, shorten(line.text), _is_caps(line.text))
    # A long "heading" followed directly by another heading is a sentence without its period.
    return [
        h
        for h in sorted(found.values(), key=lambda h: h.line)
        if h.strong or len(h.title.split()) <= 10 or h.line + 1 not in found
    ]


def _runs(headings: list[_Heading]) -> list[list[_Heading]]:
    runs: list[list[_Heading]] = []
    for h in headings:
        if runs and runs[-1][-1].end_line + 1 == h.line:
            runs[-1].append(h)
        else:
            runs.append([h])
    return runs


def _run_title(run: list[_Heading]) -> str:
    """Heuristic runs: the first line. Markup runs (a parent heading with no body of its own
    and its sub-heading): the distinct titles joined with " — " when that fits, else the last."""
    if not run[0].markup:
        return run[0].title
    titles = list(dict.fromkeys(h.title for h in run))
    joined = " — ".join(titles)
    return joined if len(joined) <= TITLE_MAX else titles[-1]


def find_sections(clean: str, fmt: str, fallback_title: str) -> list[Section]:
    """Contiguous sections covering ``clean``, each titled by the heading it falls under."""
    fallback = shorten(fallback_title) or "untitled"
    lines = _lines(clean)
    if not lines:
        return [Section(fallback, 0, len(clean))]
    code = _fenced(lines) if fmt in MARKUP_FORMATS else set()
    headings = [h for h in _markup_headings(lines) if h.line not in code] if fmt in MARKUP_FORMATS else []
    if not headings:
        headings = [h for h in _heuristic_headings(lines) if h.line not in code]

    starts: list[tuple[int, str]] = []  # (start offset, title)
    body_from = 0  # where the body of the current section begins
    for run in _runs(headings):
        run_start = lines[run[0].line].start
        weak = not any(h.strong for h in run)
        if starts and weak and len(clean[body_from:run_start].strip()) < _MIN_BODY:
            continue  # too little body since the last heading: these lines are body
        starts.append((run_start, _run_title(run)))
        body_from = lines[run[-1].end_line].end

    if not starts or starts[0][0] > 0:
        starts.insert(0, (0, fallback))
    ends = [s for s, _ in starts[1:]] + [len(clean)]
    return [Section(title, start, end) for (start, title), end in zip(starts, ends)]
