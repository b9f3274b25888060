"""Cancelling an answer that is still waiting for the local model.

The local model answers one question at a time (core/llamacpp.py queues the rest on a lock). When
the asker of a queued answer presses Stop, that answer must never take the model once it is free:
otherwise the model spends seconds reading a prompt nobody will see, and the next asker waits for
it. The caller (the web UI's answer worker) runs the answer inside `cancelled_by(event)`; the model's
queue checks that event while it waits and gives up at once when it is set.

A context variable, not an argument: the event crosses the Assistant, the pipeline and LlamaIndex's
LLM interface unchanged, and only the code that waits for the model reads it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_CANCEL: ContextVar[threading.Event | None] = ContextVar("answer_cancel", default=None)


@contextmanager
def cancelled_by(event: threading.Event) -> Iterator[None]:
    """Within this block (this thread), an answer waiting for the model stops waiting once `event` is set."""
    token = _CANCEL.set(event)
    try:
        yield
    finally:
        _CANCEL.reset(token)


def cancelled() -> bool:
    """True when the answer being produced in this context was stopped by its asker."""
    event = _CANCEL.get()
    return event is not None and event.is_set()
