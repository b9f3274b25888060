"""Per-file progress of an ingest, with an estimate of the time left.

The work grows with the text, not the file count, so progress is counted in characters to embed and
the time left is the time so far scaled by the characters still to do. Two outlets:
* ``show=True``: one tqdm bar on stderr (the CLI; ``--quiet`` sets TQDM_DISABLE), its description
  naming the file in hand ("[3/91] guide.html"), tqdm's own estimate of the time left;
* ``on_step``: a callback given a ``Step`` after each file (the web UI feeds it to ``gr.Progress``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

_BAR = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} chars [{elapsed}<{remaining}{postfix}]"


@dataclass(frozen=True)
class Step:
    done: int  # files finished
    total: int  # files to embed in this sync
    source: str  # the file just finished (or, when done == 0, about to start)
    chunks: int  # chunks embedded so far
    fraction: float  # share of the characters done, 0..1
    seconds_left: float | None  # None until a file is finished

    def describe(self) -> str:
        left = "" if self.seconds_left is None else f" — about {_duration(self.seconds_left)} left"
        return f"[{self.done}/{self.total}] {self.source}, {self.chunks} chunks{left}"


def _duration(seconds: float) -> str:
    seconds = max(int(round(seconds)), 0)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes} min {seconds:02d} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


class _NoBar:
    def set_description_str(self, *args: Any, **kwargs: Any) -> None: ...
    def set_postfix_str(self, *args: Any, **kwargs: Any) -> None: ...
    def update(self, *args: Any) -> None: ...


class FileProgress:
    def __init__(self, docs: Sequence[Any], bar: Any, on_step: Callable[[Step], None] | None) -> None:
        self._bar, self._on_step = bar, on_step
        self._total, self._chars = len(docs), sum(len(d.text) for d in docs) or 1
        self._done = self._chunks = self._chars_done = 0
        self._started = time.monotonic()

    def start(self, doc: Any) -> None:
        name = str(doc.metadata.get("source", doc.doc_id))
        self._bar.set_description_str(f"[{self._done + 1}/{self._total}] {name}", refresh=False)
        self._bar.set_postfix_str(f"{self._chunks} chunks", refresh=True)
        if self._on_step and self._done == 0:
            self._on_step(Step(0, self._total, name, 0, 0.0, None))

    def done(self, doc: Any, chunks: int) -> None:
        self._done += 1
        self._chunks += chunks
        self._chars_done += len(doc.text)
        self._bar.set_postfix_str(f"{self._chunks} chunks", refresh=False)
        self._bar.update(len(doc.text))
        if self._on_step:
            elapsed = time.monotonic() - self._started
            left = elapsed / self._chars_done * (self._chars - self._chars_done) if self._chars_done else None
            name = str(doc.metadata.get("source", doc.doc_id))
            self._on_step(Step(self._done, self._total, name, self._chunks, self._chars_done / self._chars, left))


@contextmanager
def file_progress(
    docs: Sequence[Any], show: bool, on_step: Callable[[Step], None] | None = None
) -> Iterator[FileProgress]:
    if not show or not docs:
        yield FileProgress(docs, _NoBar(), on_step)
        return
    from tqdm import tqdm

    total = sum(len(d.text) for d in docs)
    with tqdm(total=total, unit="char", unit_scale=True, dynamic_ncols=True, bar_format=_BAR) as bar:
        yield FileProgress(docs, bar, on_step)
