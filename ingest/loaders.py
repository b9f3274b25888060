"""Read one file of the corpus into text, or say in one line why it can't be read."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ingest.limits import Limits, UnreadableFileError, count, page_too_long, short, too_many_chars  # noqa: F401 (re-exported)

Format = Literal["txt", "md", "html", "pdf", "docx"]

SUPPORTED_SUFFIXES: tuple[str, ...] = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")
_FORMATS: dict[str, Format] = {
    ".txt": "txt", ".md": "md", ".html": "html", ".htm": "html", ".pdf": "pdf", ".docx": "docx",
}
_ALLOWED_CONTROLS = frozenset("\t\n\r\f")
_MAX_CONTROL_SHARE = 0.02


@dataclass(frozen=True)
class LoadedFile:
    text: str
    format: Format
    note: str = ""  # e.g. "encoding guessed: windows-1252" (shown in the ingest report)
    # PDF: where each page starts in `text` (page n at pages[n - 1]); empty for the other formats.
    pages: tuple[int, ...] = ()


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # Python codec name
    guessed: bool = False  # no BOM, no declaration, not UTF-8: the encoding was detected

    @property
    def note(self) -> str:
        return f"encoding guessed: {self.encoding}" if self.guessed else ""


def _limit(max_bytes: int) -> str:
    """"20 MB" whether the caller counted 20 * 2**20 or 20 * 10**6 bytes."""
    if max_bytes < 10_000:
        return f"{max_bytes} bytes"
    shown = (f"{max_bytes / unit:.3f}".rstrip("0").rstrip(".") for unit in (1 << 20, 1_000_000))
    return f"{min(shown, key=len)} MB"


def _control_share(text: str) -> float:
    controls = sum(1 for c in text if (c < " " or "\x7f" <= c <= "\x9f") and c not in _ALLOWED_CONTROLS)
    return controls / max(len(text), 1)


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)
# Where a document declares its encoding: <?xml ... encoding="..."?>, <meta charset=...> and
# <meta http-equiv="Content-Type" content="text/html; charset=...">, looked for in the first bytes
# as the HTML standard's prescan does (attribute order and quotes vary).
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']""")
_META = re.compile(rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,40})""", re.IGNORECASE)
_PRESCAN_BYTES = 4096
# The HTML standard decodes these labels as windows-1252 (browsers do too); other XML keeps them.
_HTML_ALIASES = {"latin_1": "cp1252", "ascii": "cp1252", "iso8859-1": "cp1252"}


def _codec(label: bytes) -> str | None:
    try:
        return codecs.lookup(label.decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None


def declared_encoding(data: bytes, *, html: bool) -> str | None:
    """The encoding a document declares in its first bytes (XML declaration; HTML meta charset)."""
    head = data[:_PRESCAN_BYTES]
    found = _XML_DECL.match(head) or (_META.search(head) if html else None)
    name = _codec(found.group(1)) if found else None
    if name and html:
        name = _HTML_ALIASES.get(name, name)
    if name and name.startswith(("utf-16", "utf-32")):
        return None  # a declaration readable in ASCII cannot be UTF-16/32: the bytes contradict it
    return name


def _utf16_without_bom(data: bytes) -> Decoded | None:
    """UTF-16 text without a BOM: NUL bytes on one side of most byte pairs (Latin, Cyrillic, Greek...)."""
    if len(data) < 4 or len(data) % 2:
        return None
    sample = data[:8192]
    pairs = len(sample) // 2
    for codec, zeros in (("utf-16-le", sample[1::2].count(0)), ("utf-16-be", sample[0::2].count(0))):
        if zeros >= 0.4 * pairs:
            try:
                return Decoded(data.decode(codec), codec, guessed=True)
            except UnicodeDecodeError:
                return None
    return None


def _detected(data: bytes) -> Decoded:
    """No BOM, no declaration, not UTF-8: ask charset-normalizer (a maintained detector) for the
    encoding; cp1252, the most common single-byte Western one, when it cannot tell."""
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data[:200_000]))
    best = matches[0] if matches else None
    if best is not None:  # on a tie (short texts), the most common Western code page wins
        tied = [m for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)]
        best = next((m for m in tied if m.encoding == "cp1252"), best)
    guess: Decoded | None = None
    if best is not None and best.encoding not in ("utf_8", "ascii"):
        try:
            guess = Decoded(data.decode(best.encoding), codecs.lookup(best.encoding).name, guessed=True)
        except (UnicodeDecodeError, LookupError):
            pass
    guess = guess or Decoded(_decode_cp1252(data), "cp1252", guessed=True)
    # A guess with no letter, or a long one with no space between words (every script the detector
    # knows separates words or lines), is noise in any encoding: refuse it rather than index it.
    sample = guess.text[:200_000]
    if not any(ch.isalpha() for ch in sample) or (len(sample) > 80 and not any(ch.isspace() for ch in sample)):
        raise UnreadableFileError("not valid UTF-8 text, and no encoding reads it as text")
    return guess


def decode(data: bytes, max_chars: int | None = None, *, html: bool = False) -> Decoded:
    """Decode text bytes as they say: a BOM, then a declaration (XML; with ``html``, <meta charset>),
    then UTF-8; else UTF-16 without a BOM or a detected encoding (``guessed``).

    With ``max_chars``, longer text is refused before the (slower) binary-content check."""
    decoded: Decoded | None = None
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                decoded = Decoded(data[len(bom) :].decode(codec), codec)
            except UnicodeDecodeError:
                raise UnreadableFileError(f"not valid {name} text") from None
            break
    if decoded is None and (declared := declared_encoding(data, html=html)):
        try:
            decoded = Decoded(data.decode(declared), declared)
        except UnicodeDecodeError:
            decoded = None  # a wrong declaration: read the bytes as if there were none
    if decoded is None and b"\x00" in data:  # text has no NUL byte, unless it is UTF-16/32
        decoded = _utf16_without_bom(data)
        if decoded is None:
            raise UnreadableFileError("binary file (not text)")
    if decoded is None:
        try:
            decoded = Decoded(data.decode("utf-8"), "utf-8")
        except UnicodeDecodeError:
            decoded = _detected(data)
    text = decoded.text
    if max_chars is not None and len(text) > max_chars:
        raise too_many_chars(count(len(text)), max_chars)
    if "\x00" in text or _control_share(text) > _MAX_CONTROL_SHARE:
        raise UnreadableFileError("binary file (not text)")
    return decoded


def decode_text(data: bytes, max_chars: int | None = None) -> str:
    """The text of ``decode`` (see there)."""
    return decode(data, max_chars).text


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


def html_to_text(html: str) -> str:
    """The page's main content as markdown-ish text (ingest/html.py)."""
    from ingest.html import HTMLError, html_to_text as page_text, plain_text

    try:
        body = page_text(html)
    except HTMLError as exc:
        raise UnreadableFileError(f"unreadable HTML: {short(exc)}") from None
    if not body.strip():
        if plain_text(html).strip():
            raise UnreadableFileError("only navigation or a table of contents, no content of its own")
        raise UnreadableFileError("no text content")
    return body


def markdown_to_text(text: str) -> str:
    """What the Markdown file shows a reader, as markdown-ish text (ingest/markdown.py)."""
    from ingest.markdown import markdown_to_text as shown_text

    try:
        body = shown_text(text)
    except Exception as exc:  # HTMLError, or a markdown-it surprise: the file can't be read
        raise UnreadableFileError(f"unreadable Markdown: {short(exc)}") from None
    if not body.strip():
        raise UnreadableFileError("no text content")
    return body


def docx_to_text(data: bytes, limits: Limits) -> str:
    """The Word document's body as markdown-ish text (ingest/docx_text.py), within the limits."""
    from ingest.docx_text import docx_to_text as body_text

    text = body_text(data, limits)
    if not text.strip():
        raise UnreadableFileError("no text content")
    if len(text) > limits.max_chars:
        raise too_many_chars(count(len(text)), limits.max_chars)
    return text


def file_format(name: str) -> Format:
    """The format a file name says, or UnreadableFileError naming the supported ones."""
    suffix = Path(name).suffix.lower()
    fmt = _FORMATS.get(suffix)
    if fmt is None:
        shown = suffix or "(no extension)"
        raise UnreadableFileError(f"unsupported file type {shown} (supported: {' '.join(SUPPORTED_SUFFIXES)})")
    return fmt


def read_bytes(path: Path, limits: Limits) -> bytes:
    """The file's bytes, read once (what is parsed is what is hashed), within ``limits.max_bytes``."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(limits.max_bytes + 1)
    except OSError as exc:
        raise UnreadableFileError(f"cannot read file: {exc.strerror or short(exc)}") from None
    if len(data) > limits.max_bytes:
        raise UnreadableFileError(f"larger than the {_limit(limits.max_bytes)} limit")
    return data


def load_bytes(data: bytes, name: str, limits: Limits | None = None) -> LoadedFile:
    """Parse a file's bytes (its format from ``name``); raise UnreadableFileError with a user-facing reason.

    In-process and unbounded in time: ingest and uploads call it through ingest/parsing.py, which
    runs it in a worker process under a CPU budget."""
    limits = limits or Limits()
    fmt = file_format(name)
    if len(data) > limits.max_bytes:
        raise UnreadableFileError(f"larger than the {_limit(limits.max_bytes)} limit")
    if not data:
        raise UnreadableFileError("empty file")
    if fmt == "pdf":
        from ingest.pdf import pdf_to_text

        text, pages = pdf_to_text(data, limits)
        return LoadedFile(text, fmt, pages=pages)
    if fmt == "docx":
        return LoadedFile(docx_to_text(data, limits), fmt)
    decoded = decode(data, None if fmt == "html" else limits.max_chars, html=fmt == "html")
    text = decoded.text
    del data
    if not text.strip():
        raise UnreadableFileError("empty file")
    if fmt == "html":
        text = html_to_text(text)
    elif fmt == "md":
        text = markdown_to_text(text)
    if len(text) > limits.max_chars:
        raise too_many_chars(count(len(text)), limits.max_chars)
    return LoadedFile(text, fmt, decoded.note)


def load_file(
    path: Path, max_bytes: int | None = None, *, limits: Limits | None = None, name: str | None = None
) -> LoadedFile:
    """Read ``path`` as text; raise UnreadableFileError with a user-facing reason.

    ``limits`` bounds the bytes, the extracted characters and each PDF page (``max_bytes`` alone
    keeps the default character limits). ``name`` (default: the path's) decides the format.
    """
    path = Path(path)
    limits = limits or (Limits(max_bytes=max_bytes) if max_bytes is not None else Limits())
    name = name or path.name
    file_format(name)  # an unsupported type is refused before anything is read
    return load_bytes(read_bytes(path, limits), name, limits)
