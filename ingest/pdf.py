"""PDF text, bounded: decompression capped as it streams, each page's text counted as it comes out,
a content stream shared by many pages parsed once. Time is bounded by the caller (ingest/parsing.py
parses in a worker process under a CPU budget)."""

from __future__ import annotations

import bisect
import contextlib
import io
import logging
import warnings
from pathlib import Path
from typing import Any, Iterator, Sequence

from ingest.limits import Limits, UnreadableFileError, count, page_too_long, short, too_many_chars


@contextlib.contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """Silence pypdf's logger and warnings while reading (malformed files are common)."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def page_numbers(starts: Sequence[int], start: int, end: int) -> tuple[int, int]:
    """(first, last) page holding the text ``[start, end)``, from where each page starts (``pdf_to_text``)."""
    return bisect.bisect_right(starts, start), bisect.bisect_right(starts, max(start, end - 1))


class _PageTooLong(Exception):
    pass


class _TooManyOperators(Exception):
    def __init__(self, found: int) -> None:
        self.found = found


def _content_key(page: Any) -> tuple | None:
    """What a page's text depends on: its content streams by object reference, and its resources
    (by reference, small direct dictionaries by value, inherited ones by parent). Pages with equal
    keys have equal text; None when the content is not a shared object."""
    contents = page.get("/Contents")
    refs = contents if isinstance(contents, list) else [contents]
    if contents is None or not all(hasattr(r, "idnum") for r in refs):
        return None
    resources = page.get("/Resources")
    if resources is None:
        parent = page.get("/Parent")
        held: Any = ("parent", parent.idnum) if hasattr(parent, "idnum") else None
    elif hasattr(resources, "idnum"):
        held = ("ref", resources.idnum, resources.generation)
    else:
        shown = repr(resources)
        held = ("direct", shown) if len(shown) < 4096 else None
    if held is None:
        return None
    return tuple((r.idnum, r.generation) for r in refs), held


def _page_text(page: Any, limit: int) -> str:
    """Text of one page, aborting as soon as more than ``limit`` characters have come out."""
    seen = 0

    def tally(text: str, *_: Any) -> None:
        nonlocal seen
        seen += len(text)
        if seen > limit:
            raise _PageTooLong

    contents = page.get_contents()  # decoded under the caller's decompression cap
    data = contents.get_data() if contents is not None else b""
    if len(data) > 10 * limit:
        raise _PageTooLong
    # Operators and operands, counted in C before pypdf's pure-Python parser walks them: a page of
    # `limit` characters needs fewer, a page of millions of empty text operators costs seconds each.
    tokens = len(data.split())
    if tokens > limit:
        raise _TooManyOperators(tokens)
    return page.extract_text(visitor_text=tally) or ""


def pdf_to_text(source: Path | bytes, limits: Limits = Limits()) -> tuple[str, tuple[int, ...]]:
    """Text of all pages joined with blank lines, and where each page starts in it (page n at
    ``starts[n - 1]``), never holding more than the limits allow.

    Decompression is capped while it streams (pypdf's zlib/LZW/... output limits), each page's
    text is counted as pypdf produces it, and reading stops at the first page over a limit. Pages
    drawing the very same content stream with the same resources (a hostile file's way of making
    one costly stream cost once per page) are parsed once.
    """
    from pypdf import PasswordType, PdfReader, apply_configuration
    from pypdf.errors import DependencyError, LimitReachedError

    cap = limits.max_page_bytes
    caps = {f"{k}_maximum_output_length": cap for k in ("zlib", "lzw", "run_length", "brotli", "jbig2")}
    pages: list[str] = []
    seen: dict[tuple, str] = {}
    total = 0
    with _quiet_pypdf(), apply_configuration(array_based_stream_maximum_output_length=cap, **caps):
        try:
            reader = PdfReader(io.BytesIO(source) if isinstance(source, bytes) else source)
            if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
                raise UnreadableFileError("encrypted PDF")
            for number, page in enumerate(reader.pages, 1):
                key = _content_key(page)
                try:
                    text = seen[key] if key in seen else _page_text(page, limits.max_page_chars)
                except _TooManyOperators as many:
                    raise UnreadableFileError(
                        f"PDF page {number} holds {count(many.found)} operators and operands; the limit is "
                        f"{count(limits.max_page_chars)} per page, set ASSISTANT_MAX_PAGE_CHARS to raise it"
                    ) from None
                except (_PageTooLong, LimitReachedError):
                    raise page_too_long(number, f"more than {count(limits.max_page_chars)} characters", limits.max_page_chars) from None
                total += len(text) + 2
                if total > limits.max_chars:
                    raise too_many_chars(f"more than {count(limits.max_chars)}", limits.max_chars)
                pages.append(text)
                if key is not None:
                    seen[key] = text
        except UnreadableFileError:
            raise
        except DependencyError:
            raise UnreadableFileError("encrypted PDF (decrypting it needs the 'cryptography' package)") from None
        except Exception as exc:
            raise UnreadableFileError(f"unreadable PDF: {short(exc)}") from None
    pages = [p.strip("\n") for p in pages]
    text = "\n\n".join(pages)
    if not text.strip():
        raise UnreadableFileError("PDF has no extractable text (scanned? run OCR first)")
    starts, at = [], 0
    for page in pages:
        starts.append(at)
        at += len(page) + 2
    return text, tuple(starts)
