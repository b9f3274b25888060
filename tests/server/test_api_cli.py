"""`assistant serve --ui`: one process serves the API under /v1 and the web UI at /; the key set in
ASSISTANT_API_KEY guards the API and never shows in the process's output."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from cli.main import main
from tests.server.apihelpers import KEY, free_port

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


def test_serve_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--help"])
    assert exit_info.value.code == 0 and "--ui" in capsys.readouterr().out


def test_serve_with_ui_one_process(tmp_path):
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO), "ASSISTANT_DATA_DIR": str(tmp_path / "data"), "ASSISTANT_LLM": "none",
           "ASSISTANT_API_KEY": KEY, "ASSISTANT_API_PORT": str(port), "GRADIO_TEMP_DIR": str(tmp_path / "gradio")}
    log = open(tmp_path / "serve.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--no-sync", "--ui"], cwd=tmp_path, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text(errors="replace")
            assert time.monotonic() < deadline, "`assistant serve` did not start"
            try:
                models = httpx.get(f"{url}/v1/models", headers={"Authorization": f"Bearer {KEY}"}, timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.5)
        from core import local_model
        from core.settings import Settings

        local = [local_model.MODEL_NAME] if local_model.installed(Settings(_env_file=None)) else []  # scripts/setup installs it
        assert [m["id"] for m in models.json()["data"]] == ["extractive", *local]
        assert httpx.get(f"{url}/v1/models", timeout=10).status_code == 401
        assert httpx.get(f"{url}/v1/models", headers={"Authorization": "Bearer nope"}, timeout=10).status_code == 401
        empty = {"messages": [{"role": "user", "content": " "}]}
        reply = httpx.post(f"{url}/v1/chat/completions", json=empty, headers={"Authorization": f"Bearer {KEY}"}, timeout=30)
        assert reply.status_code == 422
        page = httpx.get(f"{url}/", timeout=30)
        assert page.status_code == 200 and "Corpus assistant" in page.text  # the web UI, same port
        from gradio_client import Client

        ui = Client(f"{url}/", verbose=False, analytics_enabled=False, download_files=False, httpx_kwargs={"timeout": 60})
        history = ui.predict("Qui a composé la musique du film 2050 ?", [], 5, "extractive", api_name="/ask")[0]
        assert "assistant ingest" in str(history[-1])  # the UI answers (here: the index is empty)
        assert httpx.get(f"{url}/v1/nope", headers={"Authorization": f"Bearer {KEY}"}, timeout=10).json()["error"]
        # A key sent in the query string (issue 18, case 8) is refused and never reaches the access log.
        assert httpx.get(f"{url}/v1/models?api_key={KEY}&token={KEY}&n=1", timeout=10).status_code == 401
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    output = (tmp_path / "serve.log").read_text(errors="replace")
    assert f"HTTP API on {url}/v1, web UI on {url}/" in output
    assert "GET /v1/models" in output and "401" in output  # the access log is there ...
    assert KEY not in output and "Traceback" not in output  # ... and the key is not
    assert "/v1/models?api_key=***&token=***&n=1" in output
