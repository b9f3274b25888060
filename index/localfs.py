"""Local cache files: written atomically and fsynced; a full disk or an unwritable folder is one line.

Nothing written here is the truth (Chroma is): a missing, stale or corrupt file is rebuilt from Chroma.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path
from typing import Any

from core.errors import AssistantError


class LocalDiskError(AssistantError):
    """The data folder cannot be written (disk full, read-only, no permission)."""


def disk_error(path: Path, err: OSError) -> LocalDiskError:
    """One line saying which folder failed and what to do about it."""
    folder = path if path.is_dir() else path.parent
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        free = _free_mb(folder)
        return LocalDiskError(
            f"The disk holding {folder} is full ({free} MB free): free some space there "
            "(or point ASSISTANT_DATA_DIR elsewhere), then retry."
        )
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return LocalDiskError(
            f"Cannot write to {folder} ({os.strerror(err.errno or 0)}): make it writable "
            "or point ASSISTANT_DATA_DIR at a writable folder, then retry."
        )
    return LocalDiskError(f"Cannot write to {folder} ({err.strerror or err}): check the folder, then retry.")


def _free_mb(folder: Path) -> int:
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        return shutil.disk_usage(probe).free // (1024 * 1024)
    except OSError:
        return 0


def write_bytes_atomic(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write so that a crash leaves the old file or the new one, never half of one (fsync + rename).

    `durable=False` skips the fsyncs: for cache files that are re-read from Chroma when torn."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
        if durable:
            _fsync_dir(path.parent)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise disk_error(path, err) from None


def write_json_atomic(path: Path, data: Any, *, durable: bool = True) -> None:
    write_bytes_atomic(path, json.dumps(data, ensure_ascii=False).encode("utf-8"), durable=durable)


def read_json(path: Path) -> Any | None:
    """The file's JSON, or None when it is missing, unreadable or corrupt (the caller rebuilds it)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
