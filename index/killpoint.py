"""Test-only crash injection: `RAG_KILL_AT=<step>` makes the process SIGKILL itself at that step boundary.

The SIGKILL tests (tests/reliability/test_rel_sigkill.py) run real `assistant ingest` / `remove`
processes with this variable set, then check that re-running leaves Chroma, the bookkeeping and BM25
in agreement. Unset (always, outside those tests) it costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal

ENV = "RAG_KILL_AT"


def kill_point(step: str) -> None:
    if os.environ.get(ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)
