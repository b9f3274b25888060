"""Per-file progress of an ingest, with an estimate of the time left.

The work grows with the text, not the file count, so progress is counted in bytes of the files to read
(known from their metadata before any is read: files are read while others are embedded, see
ingest/feed.py) and the time left is the time so far scaled by the bytes still to do. Two outlets:
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

_BAR = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} bytes [{elapsed}<{remaining}{postfix}]"


@dataclass(frozen=True)
class Step:
    done: int  # files finished
    total: int  # files to read in this sync (changed or new by their metadata)
    source: str  # the file just finished (or, when done == 0, about to start)
    chunks: int  # chunks embedded so far
    fraction: float  # share of the bytes done, 0..1
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
    """``files`` are (name, size in bytes) of the files to read."""

    def __init__(self, files: Sequence[tuple[str, int]], bar: Any, on_step: Callable[[Step], None] | None) -> None:
        self._bar, self._on_step = bar, on_step
        self._total, self._bytes = len(files), sum(max(size, 1) for _, size in files) or 1
        self._done = self._chunks = self._bytes_done = 0
        self._started = time.monotonic()

    def start(self, name: str) -> None:
        self._bar.set_description_str(f"[{self._done + 1}/{self._total}] {name}", refresh=False)
        self._bar.set_postfix_str(f"{self._chunks} chunks", refresh=True)
        if self._on_step and self._done == 0:
            self._on_step(Step(0, self._total, name, 0, 0.0, None))

    def done(self, name: str, size: int, chunks: int) -> None:
        self._done += 1
        self._chunks += chunks
        self._bytes_done += max(size, 1)
        self._bar.set_postfix_str(f"{self._chunks} chunks", refresh=False)
        self._bar.update(max(size, 1))
        if self._on_step:
            elapsed = time.monotonic() - self._started
            left = elapsed / self._bytes_done * (self._bytes - self._bytes_done) if self._bytes_done else None
            self._on_step(Step(self._done, self._total, name, self._chunks, self._bytes_done / self._bytes, left))


@contextmanager
def file_progress(
    files: Sequence[tuple[str, int]], show: bool, on_step: Callable[[Step], None] | None = None
) -> Iterator[FileProgress]:
    if not show or not files:
        yield FileProgress(files, _NoBar(), on_step)
        return
    from tqdm import tqdm

    total = sum(max(size, 1) for _, size in files)
    with tqdm(total=total, unit="B", unit_scale=True, dynamic_ncols=True, bar_format=_BAR) as bar:
        yield FileProgress(files, bar, on_step)
