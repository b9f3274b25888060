"""What one file may become, and the one-line reasons a file is refused: shared by the loaders
(ingest/loaders.py) and the PDF reader (ingest/pdf.py), which both import it (no import loop)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class UnreadableFileError(Exception):
    """A file that can't be ingested; ``str(error)`` is a one-line reason for the user."""


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


def short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= 100 else text[:99] + "…"
