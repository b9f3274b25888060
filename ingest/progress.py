"""Per-file progress of an ingest, with an estimate of the time left.

One tqdm bar over the characters to embed (the work grows with the text, not the file count), its
description naming the file being embedded ("[3/91] guide.html"): the CLI shows it on stderr, the
web UI's ``gr.Progress(track_tqdm=True)`` shows the same bar, and tqdm computes the time left from
the characters done so far. ``--quiet`` (TQDM_DISABLE) or ``show_progress=False`` turns it off.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any


class FileProgress:
    def __init__(self, docs: Sequence[Any], bar: Any) -> None:
        self._bar = bar
        self._total = len(docs)
        self._started = 0
        self._chunks = 0

    def start(self, doc: Any) -> None:
        self._started += 1
        name = str(doc.metadata.get("source", doc.doc_id))
        self._bar.set_description_str(f"[{self._started}/{self._total}] {name}", refresh=False)
        self._bar.set_postfix_str(f"{self._chunks} chunks", refresh=True)

    def done(self, doc: Any, chunks: int) -> None:
        self._chunks += chunks
        self._bar.set_postfix_str(f"{self._chunks} chunks", refresh=False)
        self._bar.update(len(doc.text))


@contextmanager
def file_progress(docs: Sequence[Any], show: bool) -> Iterator[FileProgress]:
    from tqdm import tqdm

    total = sum(len(d.text) for d in docs)
    with tqdm(total=total, unit="char", unit_scale=True, disable=not show or not docs, dynamic_ncols=True,
              bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} chars [{elapsed}<{remaining}, {postfix}]") as bar:
        yield FileProgress(docs, bar)
