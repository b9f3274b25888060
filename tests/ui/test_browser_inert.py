"""Document text is inert in the UI (issue 18, case 7), checked in a real headless Chromium: Markdown
from a document (`![x](http://host/track.png)`, `[ici](http://host/x)`) quoted in the chat answer and
shown in the sources panel is text: the browser fetches no image and no link from it is active."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.ui import screenshot
from tests.ui.browser_support import BROWSER_MARKS, assistant_on, copied_settings, launched

pytestmark = BROWSER_MARKS

TRACKER = "tracker.example.invalid"
LINKED = "phish.example.invalid"
DOCUMENT = f"""# Festival de Zorglub

Le festival de Zorglub attire 4 200 visiteurs chaque printemps ![x](http://{TRACKER}/track.png) selon [ici](http://{LINKED}/x) les organisateurs, voir www.{LINKED} ou http://{LINKED}/y.
"""


@pytest.fixture(scope="module")
def url(shared_components, tmp_path_factory):
    settings = copied_settings(shared_components, tmp_path_factory, "ui-inert")
    bot = assistant_on(settings, shared_components.embed_model)
    folder = tmp_path_factory.mktemp("inert-docs")
    # A .txt file: the Markdown loader (ingest/markdown.py) already reduces a .md file's image and link
    # syntax to its text at ingest, so only plain text carries raw Markdown to the chat.
    (folder / "zorglub.txt").write_text(DOCUMENT, encoding="utf-8")
    bot.ingest(folder, show_progress=False)
    yield from launched(bot, tmp_path_factory.mktemp("gradio-cache"))


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
