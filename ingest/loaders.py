"""Read one file of the corpus into text, or say in one line why it can't be read."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Format = Literal["txt", "md", "html", "pdf"]

SUPPORTED_SUFFIXES: tuple[str, ...] = (".txt", ".md", ".html", ".htm", ".pdf")
_FORMATS: dict[str, Format] = {".txt": "txt", ".md": "md", ".html": "html", ".htm": "html", ".pdf": "pdf"}
_ALLOWED_CONTROLS = frozenset("\t\n\r\f")
_MAX_CONTROL_SHARE = 0.02


class UnreadableFileError(Exception):
    """A file that can't be ingested; ``str(error)`` is a one-line reason for the user."""


@dataclass(frozen=True)
class LoadedFile:
    text: str
    format: Format


@dataclass(frozen=True)
class Limits:
    """What one file may become: its bytes, its extracted characters, and each PDF page's characters."""

    max_bytes: int = 20 * 1024 * 1024
    max_chars: int = 3_000_000
    max_page_chars: int = 200_000

    @classmethod
    def from_settings(cls, settings: Any) -> "Limits":
        return cls(int(settings.max_file_mb * 1024 * 1024), settings.max_file_chars, settings.max_page_chars)

    @property
    def max_page_bytes(self) -> int:
        """Decompressed bytes one PDF content stream may reach (content streams hold operators too)."""
        return 10 * self.max_page_chars


def count(n: int) -> str:
    """210000000 -> "210M", 3500000 -> "3.5M", 200000 -> "200k", 950 -> "950"."""
    for unit, suffix in ((1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")):
        if n >= unit:
            return f"{n / unit:.1f}".rstrip("0").rstrip(".") + suffix
    return str(n)


def too_many_chars(found: str, limit: int) -> UnreadableFileError:
    """The one-line reason for a file whose text is over ``limit`` characters."""
    return UnreadableFileError(
        f"expands to {found} characters; the limit is {count(limit)}, set ASSISTANT_MAX_FILE_CHARS to raise it"
    )


def page_too_long(page: int, found: str, limit: int) -> UnreadableFileError:
    return UnreadableFileError(
        f"PDF page {page} expands to {found}; the limit is {count(limit)} characters per page, "
        "set ASSISTANT_MAX_PAGE_CHARS to raise it"
    )


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


def short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= 100 else text[:99] + "…"


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
    elif fmt == "md":
        text = markdown_to_text(text)
    if len(text) > limits.max_chars:
        raise too_many_chars(count(len(text)), limits.max_chars)
    return LoadedFile(text, fmt)
