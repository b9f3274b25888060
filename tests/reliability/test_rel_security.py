"""Security (issue 5): the UI binds loopback and warns when exposed without a login; no request path or
name reads, writes or deletes a file outside what the app owns; API keys never appear in answers, logs,
CLI output, the UI or the eval report.

The app under attack is the real UI (ui.app.launch, non-blocking, on a free loopback port) over a real
Assistant with its own data dir (embedded Chroma + docstore json + uploads), configured with an LLM that
is a local OpenAI stub and an API key we can grep for.

Here: binding and login. Path traversal: test_rel_security_traversal.py; secrets: test_rel_security_secrets.py;
the app under attack: security_site.py (the probes: security_probes.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from core.settings import Settings
from ui import app as ui_app
from tests.reliability.security_site import SECURITY_MARKS

pytestmark = SECURITY_MARKS


# --- 1. binding and login -------------------------------------------------------------------------


def listening_hosts(port: int) -> set[str]:
    """Local addresses listening on `port`, read from /proc/net/tcp (what the kernel really bound)."""
    hosts = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state = fields[1], fields[3]
            addr, hexport = local.rsplit(":", 1)
            if state == "0A" and int(hexport, 16) == port:  # 0A = LISTEN
                hosts.add({"0100007F": "127.0.0.1", "00000000": "0.0.0.0"}.get(addr, addr))
    return hosts


def test_default_bind_is_loopback_and_exposed_without_login_warns(fake_bot_settings, capfd):
    settings, bot = fake_bot_settings
    assert Settings(_env_file=None).ui_host == "127.0.0.1"

    port = ui_app.free_port()
    demo = ui_app.launch(bot, settings, port=port, block=False)
    try:
        assert demo.local_url.startswith("http://127.0.0.1:")
        assert listening_hosts(port) == {"127.0.0.1"}
        assert httpx.get(demo.local_url).status_code == 200
    finally:
        demo.close()
    assert "without a login" not in capfd.readouterr().err

    port = ui_app.free_port("0.0.0.0")
    demo = ui_app.launch(bot, settings, host="0.0.0.0", port=port, block=False)
    try:
        err = capfd.readouterr().err
        assert "warning: the UI listens on 0.0.0.0 without a login" in err and "ASSISTANT_UI_PASSWORD" in err
        assert listening_hosts(port) == {"0.0.0.0"}
    finally:
        demo.close()


def test_exposed_with_login_requires_it(fake_bot_settings, capfd, tmp_path):
    settings, bot = fake_bot_settings
    secure = settings.model_copy(update={"ui_user": "ann", "ui_password": SecretStr("s3cret-PW")})
    port = ui_app.free_port("0.0.0.0")
    demo = ui_app.launch(bot, secure, host="0.0.0.0", port=port, block=False)
    try:
        assert "without a login" not in capfd.readouterr().err
        url = f"http://127.0.0.1:{port}"
        anon = httpx.Client(base_url=url)
        assert anon.get("/config").status_code == 401
        assert anon.get("/gradio_api/info").status_code == 401
        assert anon.get(f"/gradio_api/file={settings.corpus_dir / '000_9fbf024f9cdb4384.txt'}").status_code == 401
        assert anon.post("/gradio_api/call/ask", json={"data": ["hi", [], 5, "extractive"]}).status_code == 401
        page = anon.get("/")
        # The page is Gradio's shell; without the config (401 above) it shows the login form, not the app.
        assert page.status_code == 200 and "sources-panel" not in page.text and "Corpus assistant" not in page.text
        assert "s3cret-PW" not in page.text and "s3cret-PW" not in anon.get("/config").text
        assert anon.post("/login", data={"username": "ann", "password": "wrong"}).status_code == 400
        assert anon.post("/login", data={"username": "eve", "password": "s3cret-PW"}).status_code == 400
        assert anon.get("/config").status_code == 401
        with httpx.Client(base_url=url) as client:
            assert client.post("/login", data={"username": "ann", "password": "s3cret-PW"}).status_code == 200
            config = client.get("/config")
            assert config.status_code == 200 and "s3cret-PW" not in config.text
            assert client.get("/gradio_api/info").status_code == 200
        anon.close()
    finally:
        demo.close()


@pytest.fixture
def fake_bot_settings(tmp_path, monkeypatch):
    from tests.fakes.fake_assistant import FakeAssistant
    from tests.ui.conftest import CORPUS, ui_settings

    shutil.copytree(CORPUS, tmp_path / "corpus")
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio-tmp"))
    settings = ui_settings(tmp_path)
    bot = FakeAssistant(settings)
    bot.ingest(settings.corpus_dir)
    return settings, bot
