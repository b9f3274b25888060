"""A long-lived process on the embedded store follows another process's ingest in dense search too
(issue 18, case 2). Chroma's embedded client keeps the vector index it loaded; before, BM25 and the
document list followed while dense retrieval never did (checked for 60 s)."""

from __future__ import annotations

import pytest

from tests.reliability.dense_follow import seconds_until_dense_sees_a_new_file

pytestmark = pytest.mark.slow


def test_dense_search_of_a_long_lived_process_returns_a_file_another_process_added(tmp_path):
    seconds = seconds_until_dense_sees_a_new_file(tmp_path, give_up=20.0)
    # The figure (target <= 2 s: STATE_TTL is 1 s) is measured by benchmarks/bench_updates.py; a busy
    # machine may stretch it, so the test only asserts that it happens, which it never did before.
    assert seconds is not None, "dense search never returned the file added by the other process"
