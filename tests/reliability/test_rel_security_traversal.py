"""Security (issue 5), path traversal: no request path or name, no Gradio event and no upload or remove
handler reads, writes or deletes a file outside what the app owns (tests/reliability/security_site.py
builds the app under attack)."""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import quote

import httpx

from tests.conftest import REPO
from ui import corpus as ui_corpus
from ui import render
from assistant.uploads import UploadError, delete_upload, save_upload
from tests.reliability.security_probes import (
    all_routes, call_api, check_body, fill, payloads_for, raw_request, snapshot, traversal_payloads,
)
from tests.reliability.security_site import SECRET, SECRET_FILE_TEXT, SECURITY_MARKS, site, stub  # noqa: F401 - site, stub: fixtures

pytestmark = SECURITY_MARKS


# --- 2. path traversal ----------------------------------------------------------------------------


def test_every_route_with_a_path_or_name_parameter_refuses_traversal(site):
    url, app = site["url"], site["demo"].app
    before = snapshot(site["root"], skip=(site["gradio_tmp"],))
    tried: dict[str, int] = {}
    for route in all_routes(app):
        dependant = getattr(route, "dependant", None)
        params = [p.name for p in dependant.path_params] if dependant else list(getattr(route, "param_convertors", {}))
        queries = [p.name for p in dependant.query_params] if dependant else []
        if not params and not queries:
            continue
        for method in sorted(getattr(route, "methods", None) or {"GET"}):
            body = b'{"data": [], "session_hash": "x"}' if method == "POST" else None
            headers = {"Content-Type": "application/json"} if body else {}
            for param in params:
                for payload in payloads_for(site, param, route.path):
                    target = fill(route.path, param, payload)
                    status, data = raw_request(url, method, target, body, headers)
                    check_body(site, status, data, f"{method} {target}")
                    tried[f"{method} {route.path}"] = tried.get(f"{method} {route.path}", 0) + 1
            for query in queries:
                for payload in payloads_for(site, query, route.path):
                    target = f"{fill(route.path, '', '')}?{query}={payload}"
                    status, data = raw_request(url, method, target, body, headers)
                    check_body(site, status, data, f"{method} {target}")
                    tried[f"{method} {route.path}?{query}"] = tried.get(f"{method} {route.path}?{query}", 0) + 1
    # The file-serving routes were really exercised (the known Gradio traversal sinks).
    for must in ("GET /gradio_api/file={path_or_url:path}", "GET /gradio_api/file/{path:path}",
                 "GET /static/{path:path}", "GET /assets/{path:path}", "GET /svelte/{path:path}",
                 "GET /gradio_api/custom_component/{id}/{environment}/{type}/{file_name}"):
        assert tried.get(must), f"{must} was not tried; routes tried: {sorted(tried)}"
    # The same sinks under the legacy prefix-less spelling, and with HEAD.
    for target in traversal_payloads(site):
        for prefix in ("/file=", "/gradio_api/file="):
            for method in ("GET", "HEAD"):
                status, data = raw_request(url, method, prefix + target)
                check_body(site, status, data, f"{method} {prefix}{target}")
                if method == "GET" and prefix == "/gradio_api/file=":
                    assert status in (400, 403, 404, 405), f"{prefix}{target}: HTTP {status}"
    assert snapshot(site["root"], skip=(site["gradio_tmp"],)) == before, "a request changed files on disk"
    assert site["secret_file"].read_text(encoding="utf-8").strip() == SECRET_FILE_TEXT


def test_index_files_and_uploads_cannot_be_downloaded(site):
    """Blocked explicitly: every file under the data dir, by absolute path, with any spelling."""
    url = site["url"]
    files = [site["sqlite"], *site["docstores"], site["uploads"] / "note.md", *site["data_dir"].rglob("*.json")]
    for f in files:
        for spelling in (str(f), quote(str(f)), str(f).replace("/", "//"), str(f.parent) + "/./" + f.name,
                         str(f.parent / ".." / f.parent.name / f.name)):
            for route in ("/gradio_api/file=", "/file=", "/gradio_api/file/"):
                status, data = raw_request(url, "GET", route + spelling)
                assert status in (403, 404, 405), f"{route}{spelling}: HTTP {status}"
                check_body(site, status, data, route + spelling)


def test_no_ssrf_through_the_file_and_proxy_routes(site, stub):
    """Gradio fetches http(s) URLs given to /file= itself: a loopback URL must be refused, unfetched."""
    url = site["url"]
    before = len(stub.requests)
    for target in (f"/gradio_api/file={stub.base_url}/models", f"/gradio_api/file=http://localhost:{stub.port}/v1/models",
                   f"/gradio_api/proxy={stub.base_url}/models", f"/file={stub.base_url}/models"):
        status, data = raw_request(url, "GET", target)
        assert 400 <= status < 500, f"{target}: HTTP {status}"
        assert b"stub-model" not in data
    assert len(stub.requests) == before, "the app fetched a loopback URL for a client"


def test_gradio_upload_with_traversal_filenames_stays_in_its_cache(site):
    url, cache = site["url"], Path(site["demo"].app.uploaded_file_dir).resolve()
    tag = uuid.uuid4().hex[:8]
    names = [f"../../evil-{tag}.txt", f"../../../../../../../tmp/evil-{tag}-abs.txt", f"/tmp/evil-{tag}-root.txt",
             f"..\\..\\evil-{tag}-bs.txt", f"a/../../evil-{tag}-mid.md", f"%2e%2e%2fevil-{tag}-enc.txt",
             f"{site['outside']}/evil-{tag}-out.txt", f"evil-{tag}-nul.txt\x00.md"]
    before = snapshot(site["root"], skip=(site["gradio_tmp"],))
    for name in names:
        files = {"files": (name, f"EVIL {tag}".encode(), "text/plain")}
        resp = httpx.post(f"{url}/gradio_api/upload", files=files, timeout=10)
        assert resp.status_code < 500, (name, resp.status_code, resp.text)
        if resp.status_code == 200:
            for stored in resp.json():
                path = Path(stored).resolve()
                assert cache in path.parents, f"{name!r} was stored at {path}, outside {cache}"
                assert path.read_text() == f"EVIL {tag}"
    assert snapshot(site["root"], skip=(site["gradio_tmp"],)) == before
    for folder in (Path("/tmp"), site["root"], site["outside"], Path.cwd(), cache.parent, site["data_dir"]):
        assert not list(folder.glob(f"evil-{tag}*")), f"an upload escaped into {folder}"


def test_upload_event_does_not_read_files_it_was_not_given(site):
    """The known Gradio hole: a client names a server path in a FileData; the app must not ingest it."""
    url, uploads = site["url"], site["uploads"]
    before_uploads = sorted(p.name for p in uploads.iterdir())
    docs_before = {d.source for d in site["bot"].documents()}
    for path in (str(site["secret_file"]), "/etc/passwd", str(site["sqlite"]), str(REPO / "README.md"),
                 f"{site['demo'].app.uploaded_file_dir}/../../outside/secret.md"):
        out = call_api(url, "upload", [[{"path": path, "meta": {"_type": "gradio.FileData"}, "orig_name": "x.md"}]])
        check_body(site, 200, out.encode(), f"upload event with {path}")
        assert "event: error" in out or "HTTP 4" in out or "No file was accepted" in out, out[:500]
    assert sorted(p.name for p in uploads.iterdir()) == before_uploads
    assert {d.source for d in site["bot"].documents()} == docs_before
    assert SECRET_FILE_TEXT not in "".join(site["bot"].source_text(s) for s in docs_before if s.endswith(".md"))

    # Control: the same request with a file really uploaded through Gradio is accepted and ingested.
    files = {"files": ("glacier.md", "Le glacier de Zorglub recule de 12 mètres par an.\n".encode(), "text/markdown")}
    stored = httpx.post(f"{url}/gradio_api/upload", files=files, timeout=10).json()[0]
    out = call_api(url, "upload", [[{"path": stored, "meta": {"_type": "gradio.FileData"}, "orig_name": "glacier.md"}]])
    assert "1 added" in out, out[:500]
    assert (uploads / "glacier.md").is_file()
    site["bot"].remove("glacier.md", str(uploads))
    assert sorted(p.name for p in uploads.iterdir()) == before_uploads


def test_remove_event_refuses_values_outside_the_choices(site):
    """The dropdown only offers what `refresh` listed for that session: forged keys never reach remove()."""
    url = site["url"]
    docs_before = {d.source for d in site["bot"].documents()}
    for key in ("../../pyproject.toml  ⟨/⟩", f"secret.md  ⟨{site['outside']}⟩", f"note.md  ⟨{site['uploads']}⟩"):
        out = call_api(url, "remove", [key])
        assert "event: error" in out or "HTTP 4" in out, out[:500]
    assert {d.source for d in site["bot"].documents()} == docs_before
    assert (site["uploads"] / "note.md").is_file() and site["victim"].is_file() and site["secret_file"].is_file()


EVIL_NAMES = ["../../pyproject.toml", "/etc/passwd", "..\\..\\x.txt", "a/../../b.md", "../outside/victim.txt",
              "../../outside/victim.txt", "x\x00.md", "note.md\x00../../victim.txt", "..", ".", "", "/",
              "uploads/../../outside/victim.txt", "%2e%2e%2fvictim.txt", "~/.bashrc", "../" * 20 + "etc/passwd"]


def test_app_upload_and_remove_handlers_stay_in_the_uploads_dir(site, tmp_path):
    bot, uploads, data_dir = site["bot"], site["uploads"].resolve(), site["data_dir"]
    # Ingesting an upload legitimately rewrites the index (data/chroma, data/state); every other file counts.
    index = (data_dir / "chroma", data_dir / "state", data_dir / "ingest.lock")
    before = snapshot(site["root"], skip=(uploads, site["gradio_tmp"], *index))
    names_before = {p.name for p in data_dir.rglob("*")}
    # A file that a name like "../../outside/victim.txt" would reach from the uploads dir.
    assert (uploads / "../../outside/victim.txt").resolve() == site["victim"].resolve()

    # assistant.uploads directly: every evil name is either refused or lands inside the uploads dir.
    src = tmp_path / "src.md"
    src.write_text("Le lac de Zorglub gèle en décembre.\n", encoding="utf-8")
    for name in EVIL_NAMES:
        try:
            dest = save_upload(src, name, uploads, bot.settings.max_file_mb)
        except UploadError:
            continue
        assert dest.resolve().parent == uploads, f"{name!r} saved at {dest}"
        dest.unlink()
    for name in EVIL_NAMES:
        assert delete_upload(name, uploads) is False, name

    # ui.corpus.upload, as Gradio calls it: paths in its cache whose file names are hostile.
    cache = tmp_path / "cache"
    hostile = []
    for i, name in enumerate(["..", "....md", "evil\\..\\..\\x.md", "x\x01y.md", "-rf .md", ".hidden.md"]):
        folder = cache / str(i)
        folder.mkdir(parents=True)
        try:
            (folder / name).write_text("Le lac de Zorglub gèle en décembre.\n", encoding="utf-8")
        except (OSError, ValueError):
            continue
        hostile.append(str(folder / name))
    table, status = ui_corpus.upload(bot, hostile)
    for p in uploads.iterdir():
        assert p.resolve().parent == uploads and not p.name.startswith("."), p

    # ui.corpus.remove, as the Corpus tab calls it, with every evil name and every root.
    roots = [str(uploads), str(data_dir), str(site["outside"]), str(site["root"]), "/", "/etc", str(REPO)]
    for name in EVIL_NAMES:
        for root in roots:
            message = ui_corpus.remove(bot, f"{name}  ⟨{root}⟩")
            assert "status" in message and SECRET not in message
    assert snapshot(site["root"], skip=(uploads, site["gradio_tmp"], *index)) == before, "a handler touched a file outside uploads"
    new_names = {p.name for p in data_dir.rglob("*") if uploads not in p.parents} - names_before
    assert not {n for n in new_names if "Zorglub" in n or "passwd" in n or "victim" in n or n.endswith(".md")}, new_names
    assert site["victim"].is_file() and site["secret_file"].is_file() and (REPO / "pyproject.toml").is_file()
    assert (uploads / "note.md").is_file(), "removing hostile names deleted a real upload"
    # The real upload still removes cleanly (and its file with it) through the same handler.
    key = next(render.document_key(d) for d in bot.documents() if d.source == "note.md")
    assert "its uploaded file was deleted" in ui_corpus.remove(bot, key)
    assert not (uploads / "note.md").exists()
