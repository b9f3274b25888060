"""What a Word paragraph is, from its style and the document's parts: a heading (Title, Heading 1..9,
or any style or paragraph with an outline level), a list item (its numbering: bullet or number), or
part of a table of contents (the "TOC n" / "TOC Heading" / "Table of Figures" styles, a TOC field).

Read from the raw WordprocessingML (python-docx gives the parts and their parsed XML; its style
objects do not resolve inherited outline levels and numbering, which a heading or a list item
usually gets from its style's base).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NS = {"w": W[1:-1]}
_TOC_STYLE = re.compile(r"^(?:toc(?: ?\d)?|toc heading|table of figures|index(?: ?\d)?|index heading)$")
_HEADING_NAME = re.compile(r"^heading ?([1-9])$")
_NAVIGATION_FIELDS = ("TOC", "INDEX")  # a table of contents (or of figures: TOC \c), an index
_BASED_ON_DEPTH = 20  # styles based on styles...: a cycle in a hostile file stops here


def val(el: Any, name: str) -> str | None:
    """The w:val (or another w: attribute) of ``el``; None when ``el`` is None."""
    return None if el is None else el.get(W + name)


def is_on(el: Any) -> bool:
    """A WordprocessingML on/off element (<w:b/>, <w:vanish w:val="false"/>...): present and not off."""
    return el is not None and val(el, "val") not in ("0", "false", "off")


@dataclass(frozen=True)
class Style:
    name: str = ""  # casefolded ("heading 1", "title", "toc 2")
    outline: int | None = None  # 0-8: a heading of level outline + 1; 9 or None: body text
    num: tuple[str, int] | None = None  # (numId, ilvl) when the style numbers its paragraphs

    @property
    def toc(self) -> bool:
        return bool(_TOC_STYLE.match(self.name))


class Styles:
    """Paragraph styles by id, each resolved through its ``basedOn`` chain (cached)."""

    def __init__(self, styles_element: Any) -> None:
        self._raw = {s.get(W + "styleId"): s for s in styles_element.iterfind(W + "style") if s.get(W + "type") == "paragraph"}
        self._default = next((s.get(W + "styleId") for s in self._raw.values() if is_on_default(s)), None)
        self._cache: dict[str | None, Style] = {}

    def get(self, style_id: str | None) -> Style:
        style_id = style_id if style_id in self._raw else self._default
        if style_id not in self._cache:
            self._cache[style_id] = self._resolve(style_id)
        return self._cache[style_id]

    def _resolve(self, style_id: str | None) -> Style:
        chain, seen = [], set()
        while style_id in self._raw and style_id not in seen and len(chain) < _BASED_ON_DEPTH:
            seen.add(style_id)
            chain.append(self._raw[style_id])
            style_id = val(self._raw[style_id].find(W + "basedOn"), "val")
        if not chain:
            return Style()
        name = (val(chain[0].find(W + "name"), "val") or "").casefold()
        outline = next((o for s in chain if (o := outline_level(s.find(W + "pPr"))) is not None), None)
        if outline is None and (m := _HEADING_NAME.match(name)):
            outline = int(m.group(1)) - 1  # a "heading n" style that forgot its outline level
        num = next((n for s in chain if (n := numbering(s.find(W + "pPr"))) is not None), None)
        return Style(name, outline, num)


def is_on_default(style: Any) -> bool:
    return style.get(W + "default") in ("1", "true", "on")


def outline_level(ppr: Any) -> int | None:
    try:
        level = int(val(ppr.find(W + "outlineLvl"), "val") or "") if ppr is not None else None
    except ValueError:
        return None
    return level if level is not None and 0 <= level <= 9 else None


def numbering(ppr: Any) -> tuple[str, int] | None:
    """(numId, ilvl) of a paragraph's or style's <w:numPr>; ("0", 0) means "numbering removed"."""
    num = ppr.find(W + "numPr") if ppr is not None else None
    if num is None or (num_id := val(num.find(W + "numId"), "val")) is None:
        return None
    try:
        level = int(val(num.find(W + "ilvl"), "val") or 0)
    except ValueError:
        level = 0
    return num_id, max(0, min(level, 8))


class Lists:
    """List item prefixes ("- ", "3. ") from the numbering part, counting numbered items per list."""

    def __init__(self, numbering_element: Any | None) -> None:
        self._formats: dict[tuple[str, int], str] = {}
        self._counts: dict[str, list[int]] = {}
        if numbering_element is None:
            return
        abstract = {a.get(W + "abstractNumId"): a for a in numbering_element.iterfind(W + "abstractNum")}
        for num in numbering_element.iterfind(W + "num"):
            levels = abstract.get(val(num.find(W + "abstractNumId"), "val"))
            for lvl in levels.iterfind(W + "lvl") if levels is not None else ():
                fmt = val(lvl.find(W + "numFmt"), "val") or "decimal"
                level = lvl.get(W + "ilvl") or "0"
                if level.isdigit():  # a malformed level is left out (its items become bullets)
                    self._formats[(num.get(W + "numId") or "", int(level))] = fmt

    def prefix(self, num: tuple[str, int]) -> str:
        fmt = self._formats.get(num, "bullet")
        counts = self._counts.setdefault(num[0], [0] * 9)
        counts[num[1]] += 1
        counts[num[1] + 1 :] = [0] * (8 - num[1])  # a new item restarts its sub-lists
        return "- " if fmt in ("bullet", "none") else f"{counts[num[1]]}. "


class Fields:
    """Complex fields (<w:fldChar> begin / <w:instrText> / end) open across paragraphs: is a table of
    contents (or an index) open, so that the paragraphs it writes are navigation, not content?"""

    def __init__(self) -> None:
        self._open: list[str] = []  # the instruction of each open field, outermost first

    def begin(self) -> None:
        self._open.append("")

    def instruction(self, text: str) -> None:
        if self._open:
            self._open[-1] += text

    def end(self) -> None:
        if self._open:
            self._open.pop()

    @property
    def navigation(self) -> bool:
        return any(navigation_field(instr) for instr in self._open)


def navigation_field(instruction: str | None) -> bool:
    return (instruction or "").strip().upper().startswith(_NAVIGATION_FIELDS)
