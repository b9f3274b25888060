"""Helpers for the HTTP API tests: a real uvicorn server on 127.0.0.1 (a free port), in a thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.servers import free_port

KEY = "sk-corpus-test-7f3a9c2e11d54b08"


@contextmanager
def running(app: Any, **config: Any) -> Iterator[str]:
    """Serve `app` with uvicorn in a thread; yield its base URL (http://127.0.0.1:PORT)."""
    import uvicorn

    port = free_port()
    config.setdefault("log_level", "warning")
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, **config))
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the API server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
