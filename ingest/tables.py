"""Tables as text that keeps its meaning once the text is cut into chunks.

* A table with column headers that is small (its pipe rendering fits ``WHOLE_CHARS``) is written as
  one markdown pipe table, one paragraph: the splitter never cuts a paragraph that fits a chunk, so
  a small table stays whole, header included.
* A longer table with column headers is written row by row, one paragraph per row and one
  ``column: value`` line per non-empty cell: wherever the chunks fall, every row carries its header.
* A table whose first cell of each row is a header cell (a key/value table) is written
  ``key: value`` one row a line.
* A table without header cells is written one row a line, cells joined by `` | ``.

Chunks are contiguous spans of the document text, so the header cannot be repeated at the top of
each chunk of a long table after the fact; repeating it in each row is what keeps every span whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# A pipe table up to this many characters is kept whole. Measured on the small tables of
# aptitude-doc-fr and -en (6 tables): 3.1-3.9 characters per e5 token, so 600 characters is at most
# ~195 tokens, inside the default chunk size (256). A table of denser text (below ~2.5 characters
# per token) can exceed a chunk; the splitter then cuts it like any long paragraph (rows after the
# cut lose their header).
WHOLE_CHARS = 600


@dataclass
class Table:
    header: list[str] = field(default_factory=list)  # column names (empty: none)
    rows: list[list[str]] = field(default_factory=list)
    key_column: bool = False  # every body row starts with a header cell


def _cell(text: str) -> str:
    return " ".join(text.split())


def _pipe(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") or " " for c in cells) + " |"


def pipe_table(header: list[str], rows: list[list[str]]) -> str:
    width = max([len(header), *(len(r) for r in rows)])
    pad = lambda cells: cells + [""] * (width - len(cells))  # noqa: E731
    lines = [_pipe(pad(header)), _pipe(["---"] * width)] + [_pipe(pad(r)) for r in rows]
    return "\n".join(lines)


def _row_pairs(header: list[str], row: list[str]) -> str:
    lines = []
    for i, value in enumerate(row):
        if not value:
            continue
        name = header[i] if i < len(header) and header[i] else ""
        lines.append(f"{name}: {value}" if name else value)
    return "\n".join(lines)


def render(table: Table) -> str:
    """The table as text (see the module docstring); "" for a table without text."""
    header = [_cell(c) for c in table.header]
    rows = [[_cell(c) for c in row] for row in table.rows]
    rows = [r for r in rows if any(r)]
    if not any(header):
        header = []
    if not rows:
        return " | ".join(c for c in header if c)
    if header:
        whole = pipe_table(header, rows)
        if len(whole) <= WHOLE_CHARS:
            return whole
        return "\n\n".join(p for p in (_row_pairs(header, r) for r in rows) if p)
    if table.key_column:
        return "\n".join(f"{r[0]}: {' | '.join(c for c in r[1:] if c)}".rstrip(": ") for r in rows)
    return "\n".join(" | ".join(c for c in r if c) for r in rows)
