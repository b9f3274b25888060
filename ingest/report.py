"""The per-file report a sync returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

FileStatus = Literal["added", "changed", "removed", "unchanged", "failed"]


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

    def count(self, status: FileStatus) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def changed_anything(self) -> bool:
        return any(f.status in ("added", "changed", "removed") for f in self.files)

    def summary(self) -> str:
        parts = [f"{self.count(s)} {s}" for s in ("added", "changed", "removed", "unchanged", "failed")]
        return (
            f"{', '.join(parts)} — {self.embedded_chunks} chunks embedded, "
            f"{self.total_chunks} in the index ({self.seconds:.1f} s)"
        )

    def table(self) -> str:
        """A per-file table for the terminal."""
        width = max([len(f.source) for f in self.files] + [6])
        rows = [f"{'file':<{width}}  {'status':<9} {'chunks':>6} {'tokens':>7}  reason"]
        for f in sorted(self.files, key=lambda f: f.source):
            rows.append(f"{f.source:<{width}}  {f.status:<9} {f.chunks:>6} {f.tokens:>7}  {f.reason}")
        rows.append(self.summary())
        return "\n".join(rows)
