"""A Chroma failure as the one-line error a user can act on (raised by the store's `_guard`).

chromadb raises many unrelated types (SQLite's, its Rust engine's, httpx's for a server); none may reach a
user raw. A full disk, a collection deleted or rebuilt by another process, and anything else (the store
unreachable or failing) are told apart here.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
from pathlib import Path

from core.errors import EmptyIndexError, StoreUnavailableError
from core.settings import Settings
from index.localfs import LocalDiskError, disk_error


# How Chroma (SQLite, its Rust engine, the OS) words "the disk is full".
_DISK_FULL = re.compile(r"disk is full|No space left|os error 28|ENOSPC|disk full|quota exceeded", re.IGNORECASE)
_FULL_BELOW = 4 * 1024 * 1024  # bytes free under which any failed write is put down to a full disk


def _nearly_full(folder: Path) -> bool:
    """Whether the disk holding `folder` is (nearly) full: Chroma's engine sometimes reports a full
    disk as a bare InternalError, which would otherwise read as "the store is unreachable"."""
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        return shutil.disk_usage(probe).free < _FULL_BELOW
    except OSError:
        return False


class IndexChangedError(EmptyIndexError):
    """A collection was deleted or rebuilt by another process while this one was using it."""


def chroma_failure(err: Exception, settings: Settings) -> Exception:
    """The error to raise for Chroma's `err`: a full disk (here or on the server), a collection changed
    elsewhere (`IndexChangedError`), or the store unreachable."""
    text = str(err)
    name = type(err).__name__
    if _DISK_FULL.search(text) or (not settings.chroma_host and _nearly_full(settings.data_dir)):
        if settings.chroma_host:
            return LocalDiskError(f"The Chroma server's disk ({settings.chroma_host}) is full: free some space there, then retry.")
        return disk_error(settings.data_dir, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))
    if name in ("NotFoundError", "InvalidCollectionException") or re.search(r"does not exist", text):
        return IndexChangedError(
            "The index collection was deleted or rebuilt meanwhile: retry, or run `assistant ingest PATH` to fill it."
        )
    return StoreUnavailableError(
        f"The Chroma store is unreachable or failed ({name}). Check the server or ASSISTANT_DATA_DIR, then retry."
    )
