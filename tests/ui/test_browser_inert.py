"""Document text is inert in the UI (issue 18, case 7), checked in a real headless Chromium: Markdown
from a document (`![x](http://host/track.png)`, `[ici](http://host/x)`) quoted in the chat answer and
shown in the sources panel is text: the browser fetches no image and no link from it is active."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.ui import screenshot
from ui.app import free_port, launch

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword is deprecated).*:pandas.errors.Pandas4Warning"),
]

TRACKER = "tracker.example.invalid"
LINKED = "phish.example.invalid"
DOCUMENT = f"""# Festival de Zorglub

Le festival de Zorglub attire 4 200 visiteurs chaque printemps ![x](http://{TRACKER}/track.png) selon [ici](http://{LINKED}/x) les organisateurs, voir www.{LINKED} ou http://{LINKED}/y.
"""


@pytest.fixture(scope="module")
def url(shared_components, tmp_path_factory):
    from assistant.api import Assistant
    from assistant.components import Components

    data_dir = tmp_path_factory.mktemp("ui-inert") / "data"
    shutil.copytree(shared_components.settings.data_dir, data_dir)
    settings = shared_components.settings.model_copy(update={"data_dir": data_dir})
    bot = Assistant(settings, components=Components(settings, embed_model=shared_components.embed_model))
    folder = tmp_path_factory.mktemp("inert-docs")
    # A .txt file: the Markdown loader (ingest/markdown.py) already reduces a .md file's image and link
    # syntax to its text at ingest, so only plain text carries raw Markdown to the chat.
    (folder / "zorglub.txt").write_text(DOCUMENT, encoding="utf-8")
    bot.ingest(folder, show_progress=False)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADIO_TEMP_DIR", str(tmp_path_factory.mktemp("gradio-cache")))
        demo = launch(bot, port=free_port(), block=False)
        yield demo.local_url.rstrip("/")
        demo.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    assert Path(screenshot.CHROMIUM).exists(), f"{screenshot.CHROMIUM} is missing: apt-get install -y chromium"
    with screenshot.chromium(tmp_path_factory.mktemp("chromium-home")) as browser:
        yield browser


def test_markdown_from_a_document_fetches_nothing_and_links_nowhere(browser, url):
    page = screenshot.open_ui(browser, url + "/")
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    answer = screenshot.ask(page, "Combien de visiteurs attire le festival de Zorglub ?")
    shown = answer.inner_text()
    assert "4 200" in shown and f"![x](http://{TRACKER}/track.png)" in shown and f"[ici](http://{LINKED}/x)" in shown
    page.wait_for_timeout(1000)  # time for an image request to leave, if one would
    hosts = {urlsplit(u).netloc for u in requested}
    assert TRACKER not in hosts and LINKED not in hosts and hosts <= {urlsplit(url).netloc}, hosts
    for where in ("#chatbot", "#sources-panel"):
        assert page.locator(f"{where} img").count() == 0
        assert page.locator(f"{where} a[href*='invalid']").count() == 0, page.locator(where).inner_html()
    panel = page.locator("#sources-panel").inner_text()
    assert f"![x](http://{TRACKER}/track.png)" in panel
