"""The HTTP side of the OpenAI stub (tests/fakes/openai_stub.py): a threading server that can drop every
open connection at close, and the request plumbing (read, record, send JSON or an OpenAI-style error)."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class StubHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that knows its open connections, to drop them all when the stub closes."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, stub: Any, handler: type[BaseHTTPRequestHandler]) -> None:
        self.stub = stub
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        super().__init__((stub.host, stub.requested_port), handler)

    def process_request(self, request, client_address):  # type: ignore[override]
        with self._conns_lock:
            self._conns.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):  # type: ignore[override]
        with self._conns_lock:
            self._conns.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        with self._conns_lock:
            conns = list(self._conns)
            self._conns.clear()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request, client_address) -> None:  # quiet: clients hang up on purpose
        pass


class Abort(Exception):
    """Stop handling this request and drop the connection."""


class StubRequestHandler(BaseHTTPRequestHandler):
    """Reading, recording and answering one request; `_handle` (openai_stub_wire.OpenAIHandler) routes it."""

    protocol_version = "HTTP/1.1"
    server_version = "OpenAIStub/1.0"
    sys_version = ""
    server: StubHTTPServer

    # -- plumbing -----------------------------------------------------------------

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    @property
    def stub(self) -> Any:  # the OpenAIStub serving
        return self.server.stub

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        stub = self.stub
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        path = self.path.split("?", 1)[0]
        if path != "/" and path.endswith("/"):
            path = path.rstrip("/")
        fault = stub._take_fault(path)
        stub._record(
            {
                "path": path,
                "method": self.command,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "json": body,
                "fault": fault,
            }
        )
        request = body if isinstance(body, dict) else {}
        try:
            self._handle(path, request, fault)
        except (Abort, OSError):
            self.close_connection = True
            self._hard_close()

    def _hard_close(self) -> None:
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _sleep(self, seconds: float) -> None:
        """Sleep, but abort promptly if the stub is closing."""
        if seconds > 0 and self.stub._stop.wait(seconds):
            raise Abort

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", f"req_stub_{self.stub._next_id()}")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _send_error(self, status: int, message: str, err_type: str, code: str | None,
                    headers: dict[str, str] | None = None) -> None:
        self._send_json(
            status,
            {"error": {"message": message, "type": err_type, "param": None, "code": code}},
            headers,
        )

    def _handle(self, path: str, request: dict, fault: str | None) -> None:
        raise NotImplementedError  # openai_stub_wire.OpenAIHandler
