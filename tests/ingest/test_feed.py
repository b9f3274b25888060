"""The feed thread (ingest/feed.py): files prepared ahead of the embedding, in order, never more than
its queue's depth ahead; its errors reach the consumer; a consumer that stops stops it."""

from __future__ import annotations

import threading
import time
from contextlib import nullcontext

import pytest

from ingest.feed import Feed


class Closable:
    def __init__(self) -> None:
        self.entered = self.closed = False

    def __enter__(self) -> "Closable":
        self.entered = True
        return self

    def __exit__(self, *exc: object) -> None:
        self.closed = True

    def close(self) -> None:
        self.closed = True


def test_the_feed_runs_ahead_in_order_but_never_more_than_its_depth():
    prepared: list[int] = []
    ahead: list[int] = []
    consumed = 0

    def prepare(item: int, ctx: object) -> int:
        prepared.append(item)
        return item * 10

    out = []
    with Feed(list(range(40)), prepare, nullcontext(), depth=3) as feed:
        for value in feed:
            time.sleep(0.01)  # a slow consumer (the embedding)
            ahead.append(len(prepared) - consumed)
            consumed += 1
            out.append(value)
    assert out == [i * 10 for i in range(40)]
    # queued (3) + the one being put when the consumer looked (1) + the one it holds
    assert max(ahead) <= 3 + 2 and max(ahead) >= 3, ahead


def test_the_feed_overlaps_preparing_with_consuming():
    def prepare(item: int, ctx: object) -> int:
        time.sleep(0.05)  # parsing and splitting
        return item

    started = time.perf_counter()
    with Feed(list(range(10)), prepare, nullcontext()) as feed:
        for _ in feed:
            time.sleep(0.05)  # embedding
    assert time.perf_counter() - started < 0.85  # sequential would be 1.0 s; overlapped about 0.55 s


def test_an_error_while_preparing_is_raised_to_the_consumer_and_the_context_is_closed():
    ctx = Closable()

    def prepare(item: int, c: Closable) -> int:
        assert c is ctx and c.entered
        if item == 2:
            raise ValueError("bad file")
        return item

    got = []
    with pytest.raises(ValueError, match="bad file"):
        with Feed([0, 1, 2, 3], prepare, ctx) as feed:
            got.extend(feed)
    assert got == [0, 1] and ctx.closed


def test_a_consumer_that_stops_early_stops_the_thread():
    ctx = Closable()
    prepared: list[int] = []

    def prepare(item: int, c: object) -> int:
        prepared.append(item)
        return item

    before = threading.active_count()
    with pytest.raises(KeyboardInterrupt):
        with Feed(list(range(1000)), prepare, ctx, depth=2) as feed:
            for value in feed:
                if value == 5:
                    raise KeyboardInterrupt
    assert len(prepared) < 20 and ctx.closed
    assert threading.active_count() == before


def test_depth_zero_prepares_each_item_when_asked_in_the_consumers_thread():
    ctx = Closable()
    threads = set()

    def prepare(item: int, c: object) -> int:
        threads.add(threading.get_ident())
        return item

    with Feed([1, 2, 3], prepare, ctx, depth=0) as feed:
        assert list(feed) == [1, 2, 3]
    assert threads == {threading.get_ident()} and ctx.closed
