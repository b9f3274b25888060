"""Test hooks: the named step boundaries of index writes (ingest, removal), where nothing happens
unless a test listens.

Product code calls `kill_point("sync:planned")` at each boundary a crash must leave consistent.
The SIGKILL tests (tests/reliability/test_rel_sigkill.py) install, in the child process they start,
a listener that kills that process at one step (tests/fakes/killpoint.py). Without a listener (always,
outside those tests) a call costs one empty loop.
"""

from __future__ import annotations

from collections.abc import Callable

_LISTENERS: list[Callable[[str], None]] = []


def kill_point(step: str) -> None:
    """A step boundary of an index write: tell the listeners (none outside the fault-injection tests)."""
    for listener in _LISTENERS:
        listener(step)


def listen(listener: Callable[[str], None]) -> None:
    """Call `listener(step)` at every step boundary (tests only)."""
    _LISTENERS.append(listener)
