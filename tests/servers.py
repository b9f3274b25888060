"""Real local servers for the tests and the benchmarks: a free loopback port, stopping a child
process (terminate, then kill), and a real `chroma run` server that may be stopped and started again."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(proc: subprocess.Popen, timeout: float = 10, sig: int = signal.SIGTERM) -> None:
    """Ask `proc` to end (`sig`: SIGTERM, or SIGINT for Ctrl-C); kill it when it has not ended within
    `timeout` seconds."""
    proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


class ChromaServer:
    """`chroma run` on 127.0.0.1 over `path`/db (its log in `path`/server.log), on `port` or a free one."""

    def __init__(self, path: Path, port: int | None = None) -> None:
        self.path = path
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None

    def start(self) -> "ChromaServer":
        """Start it and wait (30 s at most) until it accepts connections."""
        exe = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
        if not exe:
            raise RuntimeError("the `chroma` command (installed with chromadb) is missing")
        self.path.mkdir(parents=True, exist_ok=True)
        log = open(self.path / "server.log", "ab")
        self.proc = subprocess.Popen(
            [exe, "run", "--path", str(self.path / "db"), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError((self.path / "server.log").read_text(errors="replace"))
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("chroma run did not start within 30 s")

    def stop(self, timeout: float = 10) -> None:
        if self.proc is None:
            return
        stop_process(self.proc, timeout)
        self.proc = None
