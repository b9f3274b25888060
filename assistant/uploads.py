"""Uploads (`Assistant.upload`): checking, naming and storing files under `settings.uploads_dir`, and
nowhere else, then syncing that folder like any other.

A web UI hands us a path in its own upload cache; we copy the file into the uploads folder under a
sanitised name after checking its type, size and content (the same limits as ingest: bytes and
extracted characters). Nothing outside that folder is written or deleted, except a small record of
which original name each stored name belongs to (``names_file``), so two distinct names never
replace each other: when they would, the second gets a short suffix and the caller says so.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from ingest.loaders import Limits, UnreadableFileError
from ingest.parsing import parse_file
from ingest.report import SyncReport

ALLOWED_SUFFIXES = (".txt", ".md", ".html", ".pdf", ".docx")
MAX_NAME_CHARS = 100
MAX_NAME_BYTES = 200  # file systems stop at 255 bytes; 100 CJK characters are 300


def _join(stem: str, suffix: str, tag: str = "") -> str:
    """stem + tag + "." + suffix, the stem shortened until it fits MAX_NAME_CHARS and MAX_NAME_BYTES."""
    room = len(suffix) + 1 + len(tag)
    stem = stem[: MAX_NAME_CHARS - room]
    while len(stem.encode("utf-8", "surrogatepass")) + room > MAX_NAME_BYTES:
        stem = stem[:-1]
    return f"{stem}{tag}.{suffix}" if suffix else stem + tag


class UploadError(ValueError):
    """An upload refused for a reason the user can fix (type, size, content)."""


def sanitize_filename(name: str) -> str:
    """A safe file name: no folders, letters (any script)/digits/`._-` only, no leading dot, bounded length."""
    base = unicodedata.normalize("NFC", re.split(r"[\\/]", name)[-1])
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = suffix, ""
    stem = re.sub(r"[^\w-]+", "_", stem).strip("._-") or "upload"
    suffix = re.sub(r"[^a-z0-9]", "", suffix.lower())
    return _join(stem, suffix)


def _with_suffix(name: str, original: str) -> str:
    """``name`` with a short suffix drawn from ``original`` ("report~3fa2c1.txt"), still bounded."""
    tag = "~" + hashlib.sha1(original.encode("utf-8", "surrogatepass")).hexdigest()[:6]
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = suffix, ""
    return _join(stem, suffix, tag)


def check_upload(
    path: Path, name: str, max_mb: float, limits: Limits | None = None, cpu_seconds: float = 30.0
) -> bytes:
    """Raise UploadError unless `path` is a regular, non-empty file of an allowed type under the limits;
    return its bytes (read once: what is checked is what is stored).

    With ``limits`` the bytes are also parsed as ingest parses them (in a worker, under the
    ``cpu_seconds`` budget), so a file that expands past the limits is refused here, before it is
    stored; the result is remembered, so the ingest that follows does not parse it again.
    """
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
        data = f.read(int(max_mb * 1024 * 1024) + 1)
    if len(data) > max_mb * 1024 * 1024:
        raise UploadError(f"{len(data) / 1024 / 1024:.1f} MB is over the {max_mb:g} MB limit")
    head = data[:8192]
    if suffix == ".pdf":
        if not head.startswith(b"%PDF-"):
            raise UploadError("not a PDF file (no %PDF header)")
    elif suffix == ".docx":
        if not head.startswith(b"PK\x03\x04"):
            raise UploadError("not a Word .docx file (not a zip archive)")
    elif b"\x00" in head and not _utf16(head):
        raise UploadError("looks like a binary file, not text")
    if limits is not None:
        try:
            parse_file(data, sanitize_filename(name), limits, cpu_seconds)
        except UnreadableFileError as err:
            raise UploadError(str(err)) from None
    return data


def _utf16(head: bytes) -> bool:
    """UTF-16 text (with or without a BOM) has NUL bytes too; the parser decides whether it is text."""
    return head[:2] in (b"\xff\xfe", b"\xfe\xff") or head[1::2].count(0) > len(head) // 5 or head[0::2].count(0) > len(head) // 5


def _read_names(names_file: Path | None) -> dict[str, str]:
    try:
        return json.loads(names_file.read_text(encoding="utf-8")) if names_file else {}
    except (OSError, ValueError):
        return {}


def _write_names(names_file: Path | None, names: dict[str, str]) -> None:
    if names_file is None:
        return
    names_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = names_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(names, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, names_file)


def _stored_name(name: str, uploads_dir: Path, names: dict[str, str]) -> str:
    """The sanitised name, or that name with a suffix when another original name already holds it."""
    wanted = sanitize_filename(name)
    original = unicodedata.normalize("NFC", re.split(r"[\\/]", name)[-1])
    holder = names.get(wanted, wanted if (uploads_dir / wanted).exists() else None)
    if holder is None or holder == original:
        return wanted
    return _with_suffix(wanted, original)


def rename_note(name: str, stored: Path) -> str:
    """What to tell the user when an upload was stored under another name ("" when it was not)."""
    wanted, base = sanitize_filename(name), re.split(r"[\\/]", name)[-1]
    if stored.name == wanted:
        return ""
    return f"{base} was stored as {stored.name} (another upload already has the name {wanted})"


def save_upload(
    src: Path, name: str, uploads_dir: Path, max_mb: float, *, limits: Limits | None = None,
    names_file: Path | None = None, cpu_seconds: float = 30.0,
) -> Path:
    """Check `src` and copy it to uploads_dir/<sanitised name>.

    A file uploaded again under the same name replaces the stored one; a different name that
    sanitises to a stored name gets a short suffix instead (see `rename_note`).
    """
    data = check_upload(src, name, max_mb, limits, cpu_seconds)
    uploads_dir.mkdir(parents=True, exist_ok=True)
    names = _read_names(names_file)
    stored = _stored_name(name, uploads_dir, names)
    dest = _inside(uploads_dir, stored)
    fd, tmp = tempfile.mkstemp(dir=uploads_dir, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    names[stored] = unicodedata.normalize("NFC", re.split(r"[\\/]", name)[-1])
    _write_names(names_file, names)
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


@dataclass
class UploadReport:
    """What `Assistant.upload` did: the sync of the uploads folder, the files refused before it (name,
    reason) and the notes about files stored under another name (stored name -> note)."""

    report: SyncReport
    rejected: list[tuple[str, str]] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def stored(self) -> bool:
        return bool(self.report.files)

    def summary(self) -> str:
        if not self.report.root:
            return "No file was accepted." if self.rejected else "Choose one or more files first."
        return " ".join([self.report.summary(), *(f"{n}." for n in self.notes.values())])


def upload(
    bot: Any, files: Sequence[str | Path], *, show_progress: bool = False, progress: Callable[[str], Any] | None = None,
    on_step: Any = None,
) -> UploadReport:
    """Check and store `files` (paths; each file keeps its own name) in the uploads folder, then sync
    that folder with `bot.ingest`. Refused files are listed with the reason; nothing is synced when
    no file was accepted. `progress` is told what happens before the sync starts."""
    settings = bot.settings
    limits, names_file = Limits.from_settings(settings), settings.state_dir / "upload-names.json"
    result = UploadReport(SyncReport(root=""))
    saved = 0
    for path in files:
        name = Path(path).name
        try:
            dest = save_upload(Path(path), name, settings.uploads_dir, settings.max_file_mb,
                               limits=limits, names_file=names_file,
                               cpu_seconds=settings.max_parse_seconds)
        except UploadError as err:
            result.rejected.append((name, str(err)))
            continue
        saved += 1
        if note := rename_note(name, dest):
            result.notes[dest.name] = note
    if saved:
        if progress is not None:
            progress(f"Ingesting {saved} file(s)…")
        result.report = bot.ingest(settings.uploads_dir, show_progress=show_progress, on_step=on_step)
    return result
