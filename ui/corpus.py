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
from ui import render

Progress = Callable[..., Any]


def _no_progress(*args: Any, **kwargs: Any) -> None:
    return None


def _steps(progress: Progress) -> Callable[[Any], None]:
    """Per-file ingest progress into the UI's progress bar: "[3/91] guide.html, 40 chunks — about 2 min left"."""
    return lambda step: progress(step.fraction, desc=step.describe())


def refresh(bot: Any, query: str | None = None, picked: str | None = None) -> tuple:
    """(documents table, document dropdown, banner above the chat); with `query`, only the matching
    documents (every word in the name, folder or titles, accents and case ignored). The dropdown keeps
    `picked` while that document is still listed (a removal the user said no to leaves it chosen)."""
    try:
        docs = bot.documents()
    except AssistantError as err:
        return _table([]), gr.update(choices=[], value=None), render.corpus_banner(0, str(err))
    shown = [d for d in docs if matches(d, query or "")]
    keys = [render.document_key(d) for d in shown]
    table = _table(render.document_rows(shown), render.DOCUMENT_HEADERS)
    return table, gr.update(choices=keys, value=picked if picked in keys else None), render.corpus_banner(len(docs))


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
    """Store the uploaded files and sync them (`Assistant.upload`): (report table, status)."""
    try:
        done = bot.upload(list(files or []), show_progress=False, progress=lambda text: progress(0, desc=text),
                          on_step=_steps(progress))
    except AssistantError as err:
        return _table([]), _status(str(err), error=True)
    rows = render.report_rows(done.report, done.rejected)
    for row in rows:
        if row[0] in done.notes and not row[4]:
            row[4] = done.notes[row[0]]
    failed = done.report.count("failed") + len(done.rejected)
    return _table(rows), _status(done.summary(), error=failed > 0 or not done.report.root)


def reingest_corpus(bot: Any, progress: Progress = _no_progress) -> tuple:
    """Sync the bundled corpus folder again: (report table, status)."""
    folder = Path(bot.settings.corpus_dir)
    if not folder.is_dir():
        return _table([]), _status(f"No bundled corpus at {folder}: set ASSISTANT_CORPUS_DIR.", error=True)
    progress(0, desc="Ingesting the bundled corpus…")
    try:
        report = bot.ingest(folder, show_progress=False, on_step=_steps(progress))
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
    uploaded = bot.uploaded(source, root)
    try:
        chunks = bot.remove(source, root)  # an uploaded file is deleted with its document
    except AssistantError as err:
        return _status(str(err), error=True)
    deleted = uploaded and not bot.uploaded(source, root)
    extra = " and its uploaded file was deleted" if deleted else ""
    note = "" if uploaded else bot.comes_back(source, root)
    return _status(f"Removed {source}: {chunks} chunks left the index{extra}." + (f" {note}" if note else ""))
