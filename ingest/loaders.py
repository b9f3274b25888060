"""Read one file of the corpus into text, or say in one line why it can't be read."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Literal

from ingest.limits import Limits, UnreadableFileError, count, page_too_long, short, too_many_chars  # noqa: F401 (re-exported)

Format = Literal["txt", "md", "html", "pdf"]

SUPPORTED_SUFFIXES: tuple[str, ...] = (".txt", ".md", ".html", ".htm", ".pdf")
_FORMATS: dict[str, Format] = {".txt": "txt", ".md": "md", ".html": "html", ".htm": "html", ".pdf": "pdf"}
_ALLOWED_CONTROLS = frozenset("\t\n\r\f")
_MAX_CONTROL_SHARE = 0.02


@dataclass(frozen=True)
class LoadedFile:
    text: str
    format: Format


def _limit(max_bytes: int) -> str:
    """"20 MB" whether the caller counted 20 * 2**20 or 20 * 10**6 bytes."""
    if max_bytes < 10_000:
        return f"{max_bytes} bytes"
    shown = (f"{max_bytes / unit:.3f}".rstrip("0").rstrip(".") for unit in (1 << 20, 1_000_000))
    return f"{min(shown, key=len)} MB"


def _control_share(text: str) -> float:
    controls = sum(1 for c in text if (c < " " or "\x7f" <= c <= "\x9f") and c not in _ALLOWED_CONTROLS)
    return controls / max(len(text), 1)


def decode_text(data: bytes, max_chars: int | None = None) -> str:
    """Decode text bytes: UTF-8/UTF-16/UTF-32 with BOM, UTF-8, then cp1252 when it is clean.

    With ``max_chars``, longer text is refused before the (slower) binary-content check."""
    for bom, codec, name in (
        (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
        (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
        (codecs.BOM_UTF8, "utf-8", "UTF-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
    ):
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError:
                raise UnreadableFileError(f"not valid {name} text") from None
            break
    else:
        if b"\x00" in data:
            raise UnreadableFileError("binary file (not text)")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = _decode_cp1252(data)
    if max_chars is not None and len(text) > max_chars:
        raise too_many_chars(count(len(text)), max_chars)
    if "\x00" in text or _control_share(text) > _MAX_CONTROL_SHARE:
        raise UnreadableFileError("binary file (not text)")
    return text


def _decode_cp1252(data: bytes) -> str:
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = ""
    if text and not any(c < " " and c not in _ALLOWED_CONTROLS for c in text):
        return text
    c0 = sum(1 for b in data if b < 0x20 and b not in b"\t\n\r\f")
    if c0 > _MAX_CONTROL_SHARE * len(data):
        raise UnreadableFileError("binary file (not text)")
    raise UnreadableFileError("not valid UTF-8 text")


class _HTMLText(HTMLParser):
    """Visible text of an HTML page as markdown-ish lines; <pre> becomes a ``` fence and an inline
    <code> that starts a line with "#" gets backticks, so neither reads as a heading."""

    SKIP = frozenset({"script", "style", "noscript", "template", "head"})
    BLOCK = frozenset(
        "p div section article blockquote pre ul ol dl dt dd table thead tbody tfoot header footer main "
        "nav aside figure figcaption form address details summary hr h1 h2 h3 h4 h5 h6".split()
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self.has_h1 = False
        self._skip: list[str] = []
        self._in_title = False
        self._pre = 0
        self._code = 0
        self._break = 0  # newlines owed before the next text
        self._prefix = ""  # "## " or "- " for the next text

    def _newlines(self, n: int) -> None:
        if self.parts:
            self._break = max(self._break, n)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body" and "head" in self._skip:
            self._skip.remove("head")
        if tag in self.SKIP:
            self._skip.append(tag)
        elif tag == "title":
            self._in_title = not self.title
        elif self._skip:
            return
        elif tag in ("br", "tr"):
            self._newlines(1)
        elif tag == "li":
            self._newlines(1)
            self._prefix = "- "
        elif tag in ("td", "th"):
            if self.parts and not self._break:
                self.parts.append(" | ")
        elif tag in self.BLOCK:
            self._newlines(2)
            if tag[0] == "h" and tag[1:].isdigit():
                self._prefix = "#" * int(tag[1]) + " "
                self.has_h1 = self.has_h1 or tag == "h1"
            if tag == "pre":
                self._pre += 1
                if self._pre == 1:
                    self._prefix = "```\n"
        elif tag == "code":
            self._code += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.SKIP:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            if tag in self._skip:
                del self._skip[len(self._skip) - 1 - self._skip[::-1].index(tag) :]
        elif tag == "title":
            self._in_title = False
        elif self._skip:
            return
        elif tag == "code" and self._code:
            self._code -= 1
        elif tag in self.BLOCK or tag == "li":
            if tag == "pre" and self._pre:
                self._pre -= 1
                if not self._pre and self._prefix != "```\n":
                    self.parts.append("\n```")
            self._newlines(1 if tag == "li" else 2)
            self._prefix = ""

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
            return
        if self._skip or not data:
            return
        if not self._pre:
            words = " ".join(data.split())
            if not words:  # whitespace between inline elements
                if self.parts and not self._break:
                    self.parts.append(" ")
                return
            data = (" " if data[0].isspace() else "") + words + (" " if data[-1].isspace() else "")
        line_start = bool(self._break) or not self.parts or self.parts[-1].endswith("\n")
        if self._break:
            self.parts.append("\n" * self._break)
            self._break = 0
            data = data.lstrip(" ")
        if self._code and not self._pre and line_start and data.lstrip().startswith("#"):
            data = f"`{data.strip()}`"
        if self._prefix:
            data, self._prefix = self._prefix + data.lstrip(), ""
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """Markdown-ish text of an HTML page: headings as "# ", list items as "- ", blocks as lines."""
    parser = _HTMLText()
    try:
        parser.feed(html)
        parser.close()
    except Exception as exc:  # html.parser is lenient; this is a guard, not a code path
        raise UnreadableFileError(f"unreadable HTML: {short(exc)}") from None
    body = "".join(parser.parts).strip()
    if not body:
        raise UnreadableFileError("no text content")
    title = " ".join("".join(parser.title).split())
    return f"# {title}\n\n{body}" if title and not parser.has_h1 else body


def load_file(
    path: Path, max_bytes: int | None = None, *, limits: Limits | None = None, name: str | None = None
) -> LoadedFile:
    """Read ``path`` as text; raise UnreadableFileError with a user-facing reason.

    ``limits`` bounds the bytes, the extracted characters and each PDF page (``max_bytes`` alone
    keeps the default character limits). ``name`` (default: the path's) decides the format.
    """
    path = Path(path)
    limits = limits or (Limits(max_bytes=max_bytes) if max_bytes is not None else Limits())
    suffix = Path(name or path.name).suffix.lower()
    fmt = _FORMATS.get(suffix)
    if fmt is None:
        shown = suffix or "(no extension)"
        raise UnreadableFileError(f"unsupported file type {shown} (supported: {' '.join(SUPPORTED_SUFFIXES)})")
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise UnreadableFileError(f"larger than the {_limit(limits.max_bytes)} limit")
        if size == 0:
            raise UnreadableFileError("empty file")
        if fmt == "pdf":
            from ingest.pdf import pdf_to_text

            return LoadedFile(pdf_to_text(path, limits), fmt)
        data = path.read_bytes()  # at most max_bytes
    except OSError as exc:
        raise UnreadableFileError(f"cannot read file: {exc.strerror or short(exc)}") from None
    text = decode_text(data, None if fmt == "html" else limits.max_chars)
    del data
    if not text.strip():
        raise UnreadableFileError("empty file")
    if fmt == "html":
        text = html_to_text(text)
    if len(text) > limits.max_chars:
        raise too_many_chars(count(len(text)), limits.max_chars)
    return LoadedFile(text, fmt)
