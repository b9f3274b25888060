"""The per-file report a sync returns."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Literal

FileStatus = Literal["added", "changed", "removed", "unchanged", "failed"]


_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def escape_name(name: str) -> str:
    """A file name safe for one table cell or one tab-separated field: backslash, newline, tab
    and other control characters written as escapes (``a\\nb.txt``); letters of any script kept."""
    return "".join(
        _ESCAPES.get(c) or (f"\\x{ord(c):02x}" if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c) for c in name
    )


def _width(text: str) -> int:
    """Terminal columns: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _one_line(text: str) -> str:
    return " ".join(text.split())


@dataclass
class FileReport:
    source: str
    status: FileStatus
    chunks: int = 0
    tokens: int = 0  # tiktoken (cl100k_base) tokens in the file's chunks
    reason: str = ""  # why a file failed


@dataclass
class SyncReport:
    root: str
    files: list[FileReport] = field(default_factory=list)
    seconds: float = 0.0
    embedded_chunks: int = 0  # chunks embedded during this sync (0 when nothing changed)
    total_chunks: int = 0  # chunks in the index after the sync
    checked: str = ""  # why every chunk id of the folder was read and every file hashed ("" = planned from metadata)

    def count(self, status: FileStatus) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def changed_anything(self) -> bool:
        return any(f.status in ("added", "changed", "removed") for f in self.files)

    def summary(self) -> str:
        parts = [f"{self.count(s)} {s}" for s in ("added", "changed", "removed", "unchanged", "failed")]
        checked = f"; every chunk checked: {self.checked}" if self.checked else ""
        return (
            f"{', '.join(parts)} — {self.embedded_chunks} chunks embedded, "
            f"{self.total_chunks} in the index ({self.seconds:.1f} s){checked}"
        )

    def table(self) -> str:
        """A per-file table for the terminal."""
        names = {id(f): escape_name(f.source) for f in self.files}
        width = max([_width(n) for n in names.values()] + [6])
        rows = [f"{'file':<{width}}  {'status':<9} {'chunks':>6} {'tokens':>7}  reason"]
        for f in sorted(self.files, key=lambda f: f.source):
            name = names[id(f)] + " " * (width - _width(names[id(f)]))
            rows.append(f"{name}  {f.status:<9} {f.chunks:>6} {f.tokens:>7}  {_one_line(f.reason)}")
        rows.append(self.summary())
        return "\n".join(rows)
