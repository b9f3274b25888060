"""Write a cleaned lxml tree as markdown-ish lines (see ingest/html.py for what is kept)."""

from __future__ import annotations

from lxml import etree

from ingest import tables
from ingest.html import BLOCK, HEADINGS, SKIP, table_of


class Writer:
    """Headings as "# " lines, list items as "- " / "1. ", <pre> as a ``` fence (so a "# comment" in
    code never reads as a heading; an inline <code> that starts a line with "#" gets backticks),
    data tables through ``ingest.tables``, a term and its definition in one paragraph."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self._break = 0  # newlines owed before the next text
        self._prefix = ""  # "## " or "- " for the next text
        self._tight = False  # inside a list item or definition: its first block follows on the next line
        self._code = 0
        self._heading = 0
        self._lists: list[int | None] = []  # the next number of each open <ol>, None for <ul>

    # --- output ----------------------------------------------------------------------------------
    def _newlines(self, n: int) -> None:
        if self.parts:
            self._break = max(self._break, n)

    def _block(self, text: str) -> None:
        """A pre-rendered block (a fence, a table) as its own paragraph."""
        if not text.strip():
            return
        self._newlines(2)
        if self._break:
            self.parts.append("\n" * self._break)
            self._break = 0
        self.parts.append(text)
        self._newlines(2)
        self._prefix, self._tight = "", False

    def data(self, text: str | None) -> None:
        if not text:
            return
        words = " ".join(text.split())
        if not words:  # whitespace between inline elements
            if self.parts and not self._break:
                self.parts.append(" ")
            return
        text = (" " if text[0].isspace() else "") + words + (" " if text[-1].isspace() else "")
        line_start = bool(self._break) or not self.parts or self.parts[-1].endswith("\n")
        if self._break:
            self.parts.append("\n" * self._break)
            self._break = 0
            text = text.lstrip(" ")
        if self._code and line_start and text.lstrip().startswith("#"):
            text = f"`{text.strip()}`"
        if self._prefix:
            text, self._prefix = self._prefix + text.lstrip(), ""
        self._tight = False
        self.parts.append(text)

    def result(self) -> str:
        return "\n".join(line.rstrip() for line in "".join(self.parts).strip().split("\n"))

    # --- tree walk -------------------------------------------------------------------------------
    def walk(self, root: etree._Element) -> None:
        self.data(root.text)
        for child in root:
            self._node(child)

    def _node(self, el: etree._Element) -> None:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if not tag or tag in SKIP:  # comments, processing instructions, scripts...
            self.data(el.tail)
            return
        if tag == "pre":
            self._pre(el)
        elif tag == "table" and (table := table_of(el)) is not None:
            self._block(tables.render(table))
        else:
            self._start(tag, el)
            self.data(el.text)
            for child in el:
                self._node(child)
            self._end(tag)
        self.data(el.tail)

    def _pre(self, el: etree._Element) -> None:
        code = "".join(el.itertext())
        code = (code[1:] if code.startswith("\n") else code).rstrip()
        fence = "```"
        while fence in code:
            fence += "`"
        if code.strip():
            self._block(f"{fence}\n{code}\n{fence}")

    def _start(self, tag: str, el: etree._Element) -> None:
        if tag == "br":
            if self._heading:
                self.data(" ")
            else:
                self._newlines(1)
        elif tag == "tr":
            self._newlines(1)
        elif tag in ("td", "th"):
            if self.parts and not self._break:
                self.parts.append(" | ")
        elif tag in ("ul", "ol"):
            self._lists.append(_start_number(el) if tag == "ol" else None)
            self._newlines(1 if self._tight else 2)
        elif tag == "li":
            self._newlines(1)
            number = self._lists[-1] if self._lists else None
            self._prefix = f"{number}. " if number is not None else "- "
            if number is not None:
                self._lists[-1] = number + 1
            self._tight = True
        elif tag in ("dt", "dd"):
            self._newlines(1 if tag == "dd" else 2)
            self._tight = tag == "dd"
        elif tag in HEADINGS:
            self._newlines(2)
            self._prefix = "#" * int(tag[1]) + " "
            self._heading += 1
        elif tag in BLOCK:
            self._newlines(1 if self._tight else 2)
        elif tag == "code":
            self._code += 1

    def _end(self, tag: str) -> None:
        if tag == "code" and self._code:
            self._code -= 1
        elif tag in ("ul", "ol"):
            if self._lists:
                self._lists.pop()
            self._newlines(2)
        elif tag == "dt":
            self._newlines(1)
            self._tight = True
        elif tag in BLOCK:
            if tag in HEADINGS and self._heading:
                self._heading -= 1
            self._newlines(1 if tag == "li" else 2)
            self._prefix = ""


def _start_number(el: etree._Element) -> int:
    try:
        return int(el.get("start", "1"))
    except ValueError:
        return 1
