"""Checking, naming and storing uploaded files under `settings.uploads_dir`, and nowhere else.

Gradio hands us a path in its own upload cache; we copy the file into the uploads folder under a
sanitised name after checking its type, size and content. Nothing outside that folder is written
or deleted.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import unicodedata
from pathlib import Path

ALLOWED_SUFFIXES = (".txt", ".md", ".html", ".pdf")
MAX_NAME_CHARS = 100


class UploadError(ValueError):
    """An upload refused for a reason the user can fix (type, size, content)."""


def sanitize_filename(name: str) -> str:
    """A safe file name: no folders, ASCII letters/digits/`._-` only, no leading dot, bounded length."""
    base = re.split(r"[\\/]", name)[-1]
    ascii_name = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    stem, dot, suffix = ascii_name.rpartition(".")
    if not dot:
        stem, suffix = suffix, ""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("._-") or "upload"
    suffix = re.sub(r"[^a-z0-9]", "", suffix.lower())
    stem = stem[: MAX_NAME_CHARS - len(suffix) - 1]
    return f"{stem}.{suffix}" if suffix else stem


def check_upload(path: Path, name: str, max_mb: float) -> None:
    """Raise UploadError unless `path` is a regular, non-empty file of an allowed type under the limit."""
    suffix = Path(sanitize_filename(name)).suffix
    if suffix not in ALLOWED_SUFFIXES:
        raise UploadError(f"{suffix or 'no extension'}: only {', '.join(ALLOWED_SUFFIXES)} files are accepted")
    if path.is_symlink() or not path.is_file():
        raise UploadError("not a regular file")
    size = path.stat().st_size
    if size == 0:
        raise UploadError("the file is empty")
    if size > max_mb * 1024 * 1024:
        raise UploadError(f"{size / 1024 / 1024:.1f} MB is over the {max_mb:g} MB limit")
    with path.open("rb") as f:
        head = f.read(8192)
    if suffix == ".pdf":
        if not head.startswith(b"%PDF-"):
            raise UploadError("not a PDF file (no %PDF header)")
    elif b"\x00" in head:
        raise UploadError("looks like a binary file, not text")


def save_upload(src: Path, name: str, uploads_dir: Path, max_mb: float) -> Path:
    """Check `src` and copy it to uploads_dir/<sanitised name> (replacing a file of that name)."""
    check_upload(src, name, max_mb)
    uploads_dir.mkdir(parents=True, exist_ok=True)
    dest = _inside(uploads_dir, sanitize_filename(name))
    fd, tmp = tempfile.mkstemp(dir=uploads_dir, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out, src.open("rb") as inp:
            shutil.copyfileobj(inp, out)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return dest


def delete_upload(source: str, uploads_dir: Path) -> bool:
    """Delete an uploaded file by its source name; False when it is not a file in uploads_dir."""
    try:
        path = _inside(uploads_dir, source)
    except UploadError:
        return False
    if path.is_file():
        path.unlink()
        return True
    return False


def is_upload(source: str, uploads_dir: Path) -> bool:
    """True when `source` names a regular file directly in uploads_dir."""
    try:
        return _inside(uploads_dir, source).is_file()
    except UploadError:
        return False


def is_uploads_root(root: str, uploads_dir: Path) -> bool:
    return Path(root).resolve() == uploads_dir.resolve()


def _inside(folder: Path, name: str) -> Path:
    """folder/name, refusing names that escape the folder or point at a symlink."""
    base = folder.resolve()
    if "\x00" in name:  # os calls raise ValueError on NUL bytes
        raise UploadError(f"{name!r} is not a plain file name")
    path = base / name
    if path.is_symlink() or path.resolve().parent != base:
        raise UploadError(f"{name!r} is not a plain file name")
    return path
