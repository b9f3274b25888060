"""Write a cleaned lxml tree as markdown-ish lines (see ingest/html.py for what is kept)."""

from __future__ import annotations

from lxml import etree

from ingest import tables

SKIP = frozenset(
    "script style noscript template head title iframe object embed svg canvas button select option "
    "input textarea map audio video".split()
)
BLOCK = frozenset(
    "p div section article blockquote pre ul ol dl dt dd table thead tbody tfoot tr header footer main "
    "nav aside figure figcaption form address details summary hr h1 h2 h3 h4 h5 h6 center li".split()
)
HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())


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


def table_of(el: etree._Element) -> tables.Table | None:
    """A data table's header and rows; None for a layout table (no header cells, or block content)."""
    rows = [tr for tr in el.iter("tr") if _own_table(tr, el)]
    if not rows:
        return None
    cells = [[c for c in tr if c.tag in ("th", "td")] for tr in rows]
    if any(d.tag in BLOCK - {"p", "div", "tr", "thead", "tbody", "tfoot"} for row in cells for c in row for d in c.iter()):
        return None  # lists, nested tables, headings in cells: a layout table
    head_rows = [i for i, tr in enumerate(rows) if tr.getparent().tag == "thead" or all(c.tag == "th" for c in cells[i])]
    head_rows = [i for i in head_rows if i == 0 or i - 1 in head_rows]  # a leading run of header rows
    if not any(c.tag == "th" for row in cells for c in row) and not head_rows:
        return None  # no header cells: a layout table
    if max(len(row) for row in cells) < 2:
        return None
    header = [_cell_text(c) for c in cells[head_rows[-1]]] if head_rows else []
    body = [row for i, row in enumerate(cells) if i not in head_rows]
    key_column = not header and all(row and row[0].tag == "th" for row in body)
    return tables.Table(header, [[_cell_text(c) for c in row] for row in body], key_column)


def _own_table(tr: etree._Element, table: etree._Element) -> bool:
    return next((a for a in tr.iterancestors("table")), None) is table


def _cell_text(el: etree._Element) -> str:
    return " ".join("".join(el.itertext()).split())
