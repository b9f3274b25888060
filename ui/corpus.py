"""Corpus tab handlers: list documents, ingest uploads, remove a document, re-ingest the bundled corpus.

Uploaded files are copied into `settings.uploads_dir` (see ui/uploads.py) and that folder is synced
with `bot.ingest`, like any other folder. Core errors come back as a readable status line.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any, Callable, Sequence

import gradio as gr

from core.errors import AssistantError
from ingest.report import SyncReport
from ui import render
from ingest.loaders import Limits
from ui.uploads import UploadError, delete_upload, is_upload, is_uploads_root, rename_note, save_upload

Progress = Callable[..., Any]


def _no_progress(*args: Any, **kwargs: Any) -> None:
    return None


def refresh(bot: Any, query: str | None = None) -> tuple:
    """(documents table, document dropdown, banner above the chat); with `query`, only the matching
    documents (every word in the name, folder or titles, accents and case ignored)."""
    try:
        docs = bot.documents()
    except AssistantError as err:
        return _table([]), gr.update(choices=[], value=None), render.corpus_banner(0, str(err))
    shown = [d for d in docs if matches(d, query or "")]
    keys = [render.document_key(d) for d in shown]
    table = _table(render.document_rows(shown), render.DOCUMENT_HEADERS)
    return table, gr.update(choices=keys, value=None), render.corpus_banner(len(docs))


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def matches(doc: Any, query: str) -> bool:
    haystack = _fold(" ".join([doc.source, doc.root, *doc.titles]))
    return all(word in haystack for word in _fold(query).split())


def _table(rows: list[list], headers: Sequence[str] = render.REPORT_HEADERS) -> dict:
    return {"headers": list(headers), "data": rows}


def _status(text: str, *, error: bool = False) -> str:
    cls = "status status-error" if error else "status"
    return f'<div class="{cls}">{render.esc(text)}</div>'


def upload(bot: Any, files: Sequence[str] | None, progress: Progress = _no_progress) -> tuple:
    """Save the uploaded files under the uploads folder and sync it: (report table, status)."""
    settings = bot.settings
    saved, rejected, notes = [], [], {}
    limits, names_file = Limits.from_settings(settings), settings.state_dir / "upload-names.json"
    for path in files or []:
        name = Path(path).name
        try:
            dest = save_upload(Path(path), name, settings.uploads_dir, settings.max_file_mb,
                               limits=limits, names_file=names_file)
        except UploadError as err:
            rejected.append((name, str(err)))
            continue
        saved.append(dest)
        if note := rename_note(name, dest):
            notes[dest.name] = note
    if not saved:
        message = "No file was accepted." if rejected else "Choose one or more files first."
        return _table(render.report_rows(SyncReport(root=""), rejected)), _status(message, error=True)
    progress(0, desc=f"Ingesting {len(saved)} file(s)…")
    try:
        report = bot.ingest(settings.uploads_dir, show_progress=True)
    except AssistantError as err:
        return _table(render.report_rows(SyncReport(root=""), rejected)), _status(str(err), error=True)
    failed = report.count("failed") + len(rejected)
    rows = render.report_rows(report, rejected)
    for row in rows:
        if row[0] in notes and not row[4]:
            row[4] = notes[row[0]]
    status = " ".join([report.summary(), *(f"{n}." for n in notes.values())])
    return _table(rows), _status(status, error=failed > 0)


def reingest_corpus(bot: Any, progress: Progress = _no_progress) -> tuple:
    """Sync the bundled corpus folder again: (report table, status)."""
    folder = Path(bot.settings.corpus_dir)
    if not folder.is_dir():
        return _table([]), _status(f"No bundled corpus at {folder}: set ASSISTANT_CORPUS_DIR.", error=True)
    progress(0, desc="Ingesting the bundled corpus…")
    try:
        report = bot.ingest(folder, show_progress=True)
    except AssistantError as err:
        return _table([]), _status(str(err), error=True)
    return _table(render.report_rows(report)), _status(report.summary(), error=report.count("failed") > 0)


def remove(bot: Any, key: str | None, confirmed: str = "yes") -> str:
    """Remove the chosen document from the index (and its file, when it was uploaded here): status.

    `confirmed`: the page asks first; "no" when the user said no."""
    if not key:
        return _status("Pick a document to remove first.", error=True)
    if confirmed == "no":
        return _status(f"Nothing removed: {render.parse_document_key(key)[0]} stays in the index.")
    source, root = render.parse_document_key(key)
    uploads_dir = bot.settings.uploads_dir
    uploaded = is_uploads_root(root, uploads_dir) and is_upload(source, uploads_dir)
    try:
        chunks = bot.remove(source, root)
    except AssistantError as err:
        return _status(str(err), error=True)
    # The core deletes an uploaded file with its document; delete it here too for assistants that do not.
    deleted = uploaded and (delete_upload(source, uploads_dir) or not is_upload(source, uploads_dir))
    extra = " and its uploaded file was deleted" if deleted else ""
    note = "" if uploaded else bot.comes_back(source, root)
    return _status(f"Removed {source}: {chunks} chunks left the index{extra}." + (f" {note}" if note else ""))
