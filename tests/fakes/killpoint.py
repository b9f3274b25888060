"""Crash injection for the SIGKILL tests: `RAG_KILL_AT=<step>` makes a child process SIGKILL itself at
that step boundary (core/hooks.py). `SITECUSTOMIZE` installs the listener in a child process: put a
folder holding it as `sitecustomize.py` first on the child's PYTHONPATH (see tests/index/procs.py)."""

ENV = "RAG_KILL_AT"

SITECUSTOMIZE = '''
import os
import signal

import core.hooks

_step = os.environ.get("RAG_KILL_AT")
if _step:
    core.hooks.listen(lambda step: os.kill(os.getpid(), signal.SIGKILL) if step == _step else None)
'''
