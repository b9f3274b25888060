"""Word (.docx) as a reader sees it: the body's paragraphs and tables in document order, written as
the same markdown-ish text HTML and Markdown become (ingest/html.py), so the section finder, the
splitter and the document viewer treat the three alike.

* Title and Heading 1..9 paragraphs (and any paragraph whose style or own formatting gives it an
  outline level) become "#" headings: the document's own structure is its sections.
* List paragraphs (numbered by their style or their own <w:numPr>) become "- " / "1. " lines of one
  paragraph, as HTML lists do.
* Tables go through ``ingest.tables`` (the one table formatter): the first row is the header when
  Word's "Header Row" table option is on (the default) or the row repeats as a header, so a small
  table stays whole and each row of a long one carries its header. A one-column table or one holding
  tables or headings is layout: its cells are read as ordinary paragraphs.
* Not content: empty paragraphs, a table of contents (a TOC field, the "TOC n" styles, a Word TOC
  content control, a lone "Table des matières" label), hidden text, deleted text (tracked changes),
  page headers and footers, footnotes and comments (other parts, never read).
* The title: the Title paragraph, or the document's core "title" property put on top (as
  HTML's <title>) when the body has no Title or level-1 heading and does not open with that title.

python-docx opens the package and parses its parts; the archive is checked first so that a small
file that unpacks to gigabytes is refused before anything is unpacked.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from ingest import tables
from ingest.docx_styles import NS, W, Fields, Lists, Style, Styles, is_on, navigation_field, numbering, outline_level, val
from ingest.html import TOC_LABELS
from ingest.limits import Limits, UnreadableFileError, count, short

_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
# Text of a paragraph that a reader does not see: deleted (tracked) text, text boxes (drawn shapes,
# given twice: as DrawingML and as a VML fallback), the paragraph's and runs' properties.
_UNSEEN = frozenset({W + "del", W + "moveFrom", W + "txbxContent", _MC + "Fallback", W + "pPr", W + "rPr"})
_TEXT = tuple(W + t for t in ("t", "tab", "br", "cr", "noBreakHyphen", "fldChar", "instrText", "fldSimple"))
_WRAPPERS = frozenset({W + "customXml", W + "ins", W + "moveTo"})  # block-level wrappers read through
_UNPACK_FACTOR = 20  # WordprocessingML spends up to ~20 bytes of XML per character of text


def corrupt(reason: str) -> UnreadableFileError:
    return UnreadableFileError(f"unreadable .docx (corrupt, or not a Word document): {reason}")


def check_archive(data: bytes, limits: Limits) -> None:
    """Refuse what is not a zip archive, or unpacks to more than the file and character limits allow
    (the sizes the archive declares bound what zipfile will ever unpack)."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFileError("an old Word .doc or a password-protected .docx: save it as a .docx without password")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise corrupt(short(exc)) from None
    cap = limits.max_bytes + _UNPACK_FACTOR * limits.max_chars
    if unpacked > cap:
        raise UnreadableFileError(
            f".docx unpacks to {count(unpacked)} bytes; the limit is {count(cap)}, set ASSISTANT_MAX_FILE_CHARS to raise it"
        )


def docx_to_text(data: bytes, limits: Limits = Limits()) -> str:
    """Markdown-ish text of the document's body (see the module docstring); "" when it has none."""
    import docx

    check_archive(data, limits)
    try:
        document = docx.Document(io.BytesIO(data))
        return _Reader(document).text()
    except UnreadableFileError:
        raise
    except ValueError as exc:
        if "not a Word file" in str(exc):
            raise UnreadableFileError("not a Word document (a .docm, .dotx or another Office file named .docx?)") from None
        raise corrupt(short(exc)) from None
    except Exception as exc:  # a missing part, broken XML, ...: python-docx raises many kinds
        raise corrupt(short(exc)) from None


def _numbering_element(document: Any) -> Any | None:
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    try:
        return document.part.part_related_by(RT.NUMBERING).element
    except KeyError:
        return None


class _Reader:
    def __init__(self, document: Any) -> None:
        self.document = document
        self.styles = Styles(document.styles.element)
        self.lists = Lists(_numbering_element(document))
        self.fields = Fields()
        self.blocks: list[str] = []
        self._list: str | None = None  # the numbering (numId) of the last block when it is a list
        self._top: tuple[int, str] | None = None  # (level, text) of the first heading
        self._has_title = False  # a Title or level-1 heading

    def text(self) -> str:
        self.walk(self.document.element.body)
        body = "\n\n".join(self.blocks)
        title = " ".join((self.document.core_properties.title or "").split())
        if body and title and not self._has_title and (self._top is None or self._top[1].casefold() != title.casefold()):
            return f"# {title}\n\n{body}"
        return body

    # --- output ----------------------------------------------------------------------------------
    def _block(self, text: str, list_id: str | None = None) -> None:
        """A paragraph; an item of the list the last block is joins it (one line an item)."""
        if not text.strip():
            return  # a table without text
        if list_id is not None and list_id == self._list:
            self.blocks[-1] += "\n" + text
        else:
            self.blocks.append(text)
        self._list = list_id

    # --- body ------------------------------------------------------------------------------------
    def walk(self, parent: Any) -> None:
        for child in parent:
            if child.tag == W + "p":
                self._paragraph(child)
            elif child.tag == W + "tbl":
                self._table(child)
            elif child.tag == W + "sdt":
                gallery = child.find("w:sdtPr/w:docPartObj/w:docPartGallery", NS)
                content = child.find(W + "sdtContent")
                if "table of contents" not in (val(gallery, "val") or "").casefold() and content is not None:
                    self.walk(content)
            elif child.tag in _WRAPPERS:
                self.walk(child)

    def _paragraph(self, p: Any) -> None:
        navigation = self.fields.navigation
        text, in_field = self._text(p)
        ppr = p.find(W + "pPr")
        style = self._style(ppr)
        words = " ".join(text.split())
        if navigation or in_field or style.toc or not words:
            return
        if words.casefold().rstrip(" :") in TOC_LABELS:
            return  # a lone "Table des matières" label (its entries are a field or TOC-styled)
        if (level := _level(ppr, style)) is not None:
            self._heading(level, words)
            return
        num = numbering(ppr) or style.num
        lines = [" ".join(line.split()) for line in text.split("\n")]
        body = "\n".join(line for line in lines if line)
        if num is not None and num[0] != "0":
            self._block(self.lists.prefix(num) + body.replace("\n", " "), num[0])
        else:
            self._block(body)

    def _heading(self, level: int, words: str) -> None:
        self._block("#" * level + " " + words)
        if self._top is None:
            self._top = (level, words)
        self._has_title = self._has_title or level == 1

    def _text(self, p: Any) -> tuple[str, bool]:
        """The paragraph's visible text ("\\n" for a line break), and whether a table of contents or
        an index field was open at any point in it (its paragraphs are navigation)."""
        parts: list[str] = []
        navigation = False
        for el in p.iter(*_TEXT):
            if _unseen(el, p):
                continue
            tag = el.tag[len(W):]
            if tag == "fldChar" and val(el, "fldCharType") == "begin":
                self.fields.begin()
            elif tag == "fldChar" and val(el, "fldCharType") == "end":
                self.fields.end()
            elif tag == "instrText":
                self.fields.instruction(el.text or "")
            elif tag == "fldSimple":
                navigation = navigation or navigation_field(val(el, "instr"))
            elif tag == "fldChar":
                pass  # "separate": the field's result (its visible text) follows
            elif tag == "t":
                parts.append(el.text or "")
            elif tag in ("br", "cr"):
                parts.append("\n")
            else:  # tab, non-breaking hyphen
                parts.append("\t" if tag == "tab" else "-")
            navigation = navigation or self.fields.navigation
        return "".join(parts), navigation

    # --- tables ----------------------------------------------------------------------------------
    def _table(self, tbl: Any) -> None:
        from docx.table import Table

        trs = tbl.findall(W + "tr")
        try:  # python-docx lays spanned cells out on the grid (one cell per column it covers)
            grid = [[cell._tc for cell in row.cells] for row in Table(tbl, self.document._body).rows]
        except Exception:  # a vertical merge with no cell above it...: the cells as they are
            grid = [tr.findall(W + "tc") for tr in trs]
        trs, grid = [tr for tr, row in zip(trs, grid) if row], [row for row in grid if row]
        if not grid:
            return
        if max(len(row) for row in grid) < 2 or any(self._layout_cell(tc) for row in grid for tc in row):
            for tc in dict.fromkeys(tc for row in grid for tc in row):  # each cell once, in order
                self.walk(tc)
            return
        texts = {id(tc): self._cell_text(tc) for row in grid for tc in row}
        rows = [[texts[id(tc)] if i == 0 or tc is not row[i - 1] else "" for i, tc in enumerate(row)] for row in grid]
        look = tbl.find("w:tblPr/w:tblLook", NS)
        header_rows = 0
        while header_rows < len(grid) - 1 and is_on(trs[header_rows].find("w:trPr/w:tblHeader", NS)):
            header_rows += 1
        if not header_rows and len(grid) > 1 and _look(look, "firstRow", 0x0020):
            header_rows = 1
        header = [texts[id(tc)] for tc in grid[header_rows - 1]] if header_rows else []
        key_column = not header and _look(look, "firstColumn", 0x0080)
        self._block(tables.render(tables.Table(header, rows[header_rows:], key_column)))

    def _layout_cell(self, tc: Any) -> bool:
        """A cell holding a table or a heading: the table lays out blocks, it is not data."""
        if tc.find(".//" + W + "tbl") is not None:
            return True
        return any(_level(p.find(W + "pPr"), self._style(p.find(W + "pPr"))) is not None for p in tc.iter(W + "p"))

    def _style(self, ppr: Any) -> Style:
        return self.styles.get(val(ppr.find(W + "pStyle"), "val") if ppr is not None else None)

    def _cell_text(self, tc: Any) -> str:
        paragraphs = (p for p in tc.iter(W + "p") if not _unseen(p, tc))
        return " ".join(" ".join(self._text(p)[0].split()) for p in paragraphs).strip()


def _level(ppr: Any, style: Style) -> int | None:
    """A paragraph's heading level (1-6: Title and Heading 1 are 1), None for body text. Its own
    outline level wins over its style's."""
    if style.name == "title":
        return 1
    outline = outline_level(ppr)
    outline = outline if outline is not None else style.outline
    return None if outline is None or outline >= 9 else min(outline + 1, 6)


def _look(look: Any, name: str, bit: int) -> bool:
    """A table's look option (w:firstRow="1", or the older hexadecimal w:val); on when unstated."""
    if look is None:
        return True
    if (flag := look.get(W + name)) is not None:
        return flag in ("1", "true", "on")
    try:
        return bool(int(look.get(W + "val") or "ffff", 16) & bit)
    except ValueError:
        return True


def _unseen(el: Any, p: Any) -> bool:
    """Inside something a reader does not see (see _UNSEEN), or in a hidden run (<w:vanish/>)."""
    for parent in el.iterancestors():
        if parent is p:
            return False
        if parent.tag in _UNSEEN:
            return True
        if parent.tag == W + "r" and is_on(parent.find("w:rPr/w:vanish", NS)):
            return True
    return False
