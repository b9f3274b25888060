"""Reading, parsing and splitting run ahead of the embedding, in a thread, through a bounded queue.

The embedding engine is the ingest's floor (it uses every core); the rest of a file's work (reading,
hashing, parsing in the budgeted worker process, cleaning, splitting with the e5 tokenizer) is done
for the next files while the current one is embedded, so a cold ingest costs about the embedding
time. The queue holds at most QUEUE_FILES prepared files: memory stays bounded whatever the folder.
The files come out in order; an error in the thread is raised in the consumer; a consumer that stops
early (an error, Ctrl-C) stops the thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar

QUEUE_FILES = 4  # prepared files waiting for the embedding, at most
T = TypeVar("T")
R = TypeVar("R")
_DONE = object()


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class Feed(Generic[T, R]):
    """``with Feed(items, prepare, context) as results: for r in results: ...`` — ``prepare(item, ctx)``
    runs in one thread, item by item, at most ``depth`` results ahead of the consumer. ``context`` is
    a context manager entered in that thread (e.g. the parse worker) and handed to ``prepare``.
    ``depth=0`` prepares each item only when the consumer asks for it, in the consumer's thread (no
    overlap: what a sync did before, kept for benchmarks)."""

    def __init__(self, items: Sequence[T], prepare: Callable[[T, Any], R], context: Any, depth: int = QUEUE_FILES) -> None:
        self._items, self._prepare, self._context = items, prepare, context
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ingest-feed", daemon=True)

    def __enter__(self) -> Iterator[R]:
        if self._queue.maxsize == 0:
            self._gen = self._inline()
            return self._gen
        self._thread.start()
        return self._results()

    def _inline(self) -> Iterator[R]:
        with self._context as ctx:
            for item in self._items:
                yield self._prepare(item, ctx)

    def __exit__(self, *exc: Any) -> None:
        if self._queue.maxsize == 0:
            self._gen.close()  # leaves the context (the parse worker) if the consumer stopped early
            return
        self._stop.set()
        self._thread.join(1.0)
        if self._thread.is_alive() and hasattr(self._context, "close"):
            self._context.close()  # a parse in progress is not waited for (the parse worker is killed)
        while self._thread.is_alive():
            try:  # unblock a producer waiting on a full queue
                self._queue.get_nowait()
            except queue.Empty:
                pass
            self._thread.join(0.1)

    def _put(self, value: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(value, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            with self._context as ctx:
                for item in self._items:
                    if self._stop.is_set() or not self._put(self._prepare(item, ctx)):
                        return
        except BaseException as err:  # noqa: BLE001 - handed to the consumer, raised there
            self._put(_Failure(err))
            return
        self._put(_DONE)

    def _results(self) -> Iterator[R]:
        while True:
            value = self._queue.get()
            if value is _DONE:
                return
            if isinstance(value, _Failure):
                raise value.error
            yield value
