"""The probes of the path-traversal tests (tests/reliability/test_rel_security_traversal.py): raw
requests sent exactly as written, the payloads for each route parameter, the markers a response must
never carry, and snapshots of the files on disk."""

from __future__ import annotations

import http.client
import os
import re
import time
from pathlib import Path
from urllib.parse import quote

import httpx

from tests.conftest import REPO
from tests.reliability.security_site import PASSWD_MARK, PYPROJECT_MARK, SECRET, SECRET_FILE_TEXT, SQLITE_MARK


def raw_request(url: str, method: str, target: str, body: bytes | None = None,
                headers: dict | None = None, limit: int = 2_000_000) -> tuple[int, bytes]:
    """Send `target` exactly as given (httpx would normalise `..` and re-encode); read at most `limit`
    bytes, and only the first second of an event stream (heartbeats would never end)."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        conn.request(method, target, body=body, headers=headers or {})
        resp = conn.getresponse()
        streaming = "text/event-stream" in (resp.getheader("content-type") or "")
        if streaming:
            conn.sock.settimeout(1)
        data = b""
        deadline = time.monotonic() + (1 if streaming else 5)
        try:
            while method != "HEAD" and len(data) < limit and time.monotonic() < deadline:
                piece = resp.read1(65536)
                if not piece:
                    break
                data += piece
        except (TimeoutError, http.client.IncompleteRead):
            pass
        return resp.status, data
    finally:
        conn.close()


def secret_markers(site) -> list[bytes]:
    """Byte strings that must never come back: the secret file, /etc/passwd, the index files, the repo."""
    marks = [SECRET_FILE_TEXT.encode(), PASSWD_MARK.encode(), SQLITE_MARK, PYPROJECT_MARK.encode(), SECRET.encode(),
             b"Le phare de Brest mesure 57"]  # the uploaded file's content (stored under the data dir)
    for docstore in site["docstores"]:
        marks.append(docstore.read_bytes()[:60])
    return marks


def target_paths(site) -> list[str]:
    """Absolute and relative names of files that must not be served."""
    cwd = Path.cwd()
    files = [Path("/etc/passwd"), site["secret_file"], site["sqlite"], *site["docstores"], REPO / "pyproject.toml",
             site["uploads"] / "note.md"]
    out = []
    for f in files:
        out.append(str(f))
        out.append(os.path.relpath(f, cwd))
    return out


def traversal_payloads(site) -> list[str]:
    """Values for a path segment, already in their on-the-wire form."""
    up = "../" * 12
    payloads = [
        f"{up}etc/passwd",
        "..%2f" * 12 + "etc%2fpasswd",
        "%2e%2e%2f" * 12 + "etc%2fpasswd",
        "%2e%2e/" * 12 + "etc/passwd",
        "%252e%252e%252f" * 12 + "etc%252fpasswd",  # double-encoded
        "..%5c" * 12 + "etc%5cpasswd",  # backslashes
        "....//" * 12 + "etc/passwd",
        "%2fetc%2fpasswd",
        "/etc/passwd%00.png",
        "etc/passwd%00",
        "file:///etc/passwd",
        f"{up}{quote(str(REPO / 'pyproject.toml').lstrip('/'))}",
    ]
    for name in target_paths(site):
        payloads.append(name)
        payloads.append(quote(name, safe=""))
        payloads.append(quote(quote(name, safe=""), safe=""))
        if name.startswith("/"):
            payloads.append("/" + name)  # //abs
            payloads.append(up + name.lstrip("/"))
    return payloads


SHORT_PAYLOADS = [
    "../../../../../../../../etc/passwd",
    "..%2f..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "%252e%252e%252f%252e%252e%252f%252e%252e%252fetc%252fpasswd",
    "..%5c..%5c..%5c..%5cetc%5cpasswd",
    "%2fetc%2fpasswd",
    "/etc/passwd%00.png",
]


def payloads_for(site, param: str, template: str) -> list[str]:
    """Every payload for parameters that can name a file (`:path` converters, *path*, *file*, *name*...);
    a short set (each encoding once) for the rest."""
    if f"{{{param}:path}}" in template or re.search(r"path|file|asset", param, re.IGNORECASE):
        return traversal_payloads(site)
    short = list(SHORT_PAYLOADS)
    short += [quote(str(site["secret_file"]), safe=""), str(site["sqlite"])]
    if param in ("upload_id",):  # Gradio waits 3 s for an upload that never starts: two tries are enough
        return short[:2]
    return short


def all_routes(app) -> list:
    """Every route of the running FastAPI app, including Gradio's /gradio_api router."""
    out = []
    for route in app.routes:
        if hasattr(route, "original_router"):
            out.extend(route.original_router.routes)
        elif hasattr(route, "path"):
            out.append(route)
    return out


def fill(path: str, param: str, value: str) -> str:
    """The route template with `param` set to `value` and the other parameters to a harmless value."""
    path = re.sub(r"\{" + re.escape(param) + r"(:[a-z]+)?\}", lambda _: value, path)
    return re.sub(r"\{[^}]+\}", "x", path)


def snapshot(folder: Path, skip: tuple[Path, ...] = ()) -> dict[str, tuple[int, int]]:
    out = {}
    for p in folder.rglob("*"):
        if any(p == s or s in p.parents for s in skip):
            continue
        if p.is_file():
            st = p.stat()
            out[str(p)] = (st.st_size, st.st_mtime_ns)
    return out


# Gradio 6.31 answers a few malformed requests with an unhandled exception (HTTP 500, generic body, nothing
# read): `/?page=<unknown page>` (KeyError in get_page_config), `/gradio_api/proxy=<path with %00>`, and an
# api_name holding `%5c` or `%252e` on /gradio_api/{api,run,call}/. Robustness bugs in Gradio, not leaks:
# tolerated only there, only with the generic body.
GRADIO_500_ROUTES = re.compile(r"^(GET|HEAD) /\?page=|^(GET|HEAD) /gradio_api/proxy=|^POST /gradio_api/(api|run|call|call/v2)/")


def check_body(site, status: int, body: bytes, what: str) -> None:
    if status >= 500:
        assert GRADIO_500_ROUTES.match(what) and body in (b"", b"Internal Server Error"), f"{what}: HTTP {status} {body[:300]!r}"
    for mark in secret_markers(site):
        assert mark not in body, f"{what}: HTTP {status} leaked {mark[:40]!r}"


def call_api(url: str, api_name: str, data: list) -> str:
    """Gradio's two-step HTTP API: POST the inputs, then read the event stream to the end."""
    start = httpx.post(f"{url}/gradio_api/call/{api_name}", json={"data": data}, timeout=10)
    if start.status_code != 200:
        return f"HTTP {start.status_code} {start.text}"
    event_id = start.json()["event_id"]
    with httpx.stream("GET", f"{url}/gradio_api/call/{api_name}/{event_id}", timeout=60) as resp:
        return "".join(resp.iter_text())
