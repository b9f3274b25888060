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
from tests.servers import stop_process

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
        stop_process(proc, timeout=30, sig=signal.SIGINT)
        log.close()
    output = (tmp_path / "serve.log").read_text(errors="replace")
    assert f"HTTP API on {url}/v1, web UI on {url}/" in output
    assert "GET /v1/models" in output and "401" in output  # the access log is there ...
    assert KEY not in output and "Traceback" not in output  # ... and the key is not
    assert "/v1/models?api_key=***&token=***&n=1" in output


def test_serve_with_two_worker_processes(tmp_path, ingested_assistant):
    """`assistant serve --workers 2`: two processes answer on one port, exactly as the Python API does,
    with the key masked in every worker's log; Ctrl-C ends the parent and both workers."""
    from concurrent.futures import ThreadPoolExecutor

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO), "ASSISTANT_DATA_DIR": str(ingested_assistant.settings.data_dir),
           "ASSISTANT_LLM": "none", "ASSISTANT_API_KEY": KEY, "ASSISTANT_API_PORT": str(port)}
    log_path = tmp_path / "serve.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--no-sync", "--workers", "2"], cwd=tmp_path,
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    url, auth = f"http://127.0.0.1:{port}/v1", {"Authorization": f"Bearer {KEY}"}
    questions = ["Qui a composé la musique du film 2050 ?", "Combien de membres compte le syndicat ?",
                 "What is the capital of Australia?", "Quel est le budget annoncé ?"] * 3

    def ask(question: str) -> dict:
        reply = httpx.post(f"{url}/chat/completions", json={"messages": [{"role": "user", "content": question}]},
                           headers=auth, timeout=120)
        reply.raise_for_status()
        return reply.json()

    try:
        deadline = time.monotonic() + 180
        while log_path.read_text(errors="replace").count("Application startup complete") < 2:
            assert proc.poll() is None, log_path.read_text(errors="replace")
            assert time.monotonic() < deadline, "the two workers did not start"
            time.sleep(0.2)
        workers = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
        assert len(workers) >= 2  # uvicorn's supervisor and its worker processes
        with ThreadPoolExecutor(6) as pool:
            replies = list(pool.map(ask, questions))
        for question, reply in zip(questions, replies):
            expected = ingested_assistant.ask(question)
            assert reply["choices"][0]["message"]["content"] == expected.text
            assert reply["abstained"] == expected.abstained
            assert reply["usage"]["prompt_tokens"] > 0 and reply["usage"]["completion_tokens"] > 0
        assert httpx.get(f"{url}/models", timeout=10).status_code == 401
        assert httpx.get(f"{url}/models?api_key={KEY}", timeout=10).status_code == 401
    finally:
        stop_process(proc, timeout=60, sig=signal.SIGINT)
        log.close()
    output = log_path.read_text(errors="replace")
    assert proc.returncode == 0, output
    assert f"HTTP API on http://127.0.0.1:{port}/v1 (2 worker processes)" in output
    assert output.count("Application startup complete") == 2 and output.count("POST /v1/chat/completions") == 12
    assert KEY not in output and "Traceback" not in output and "/v1/models?api_key=***" in output
    assert "leaked semaphore" not in output  # nothing alarming on Ctrl-C
    def alive(pid: str) -> bool:
        status = Path(f"/proc/{pid}/status")
        return status.exists() and "zombie" not in status.read_text().lower()

    deadline = time.monotonic() + 15  # multiprocessing's resource tracker ends just after its parent
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in workers if alive(pid)]  # no worker outlives Ctrl-C
