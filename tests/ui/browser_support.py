"""What the browser tests (tests/ui/test_browser*.py) share: their marks, a copy of the ingested corpus,
the real Assistant over it, the UI served on loopback, and the kept-conversation page helpers.
The `browser` fixture (one headless Chromium a module) is in tests/ui/conftest.py."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.ui import screenshot
from ui.app import free_port, launch

BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.slow,
    # Gradio 6.31's local per-event statistics use pandas options that pandas 3 deprecates (no network).
    pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword is deprecated).*:pandas.errors.Pandas4Warning"),
]
SIZE = {"width": 1280, "height": 800}
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("ASSISTANT_TEST_ARTIFACTS") or REPO / "tests" / "artifacts")


def copied_settings(shared_components, tmp_path_factory, name: str, **update):
    """The shared ingested corpus's settings over a copy of its data folder, so a test's writes stay out of it."""
    data_dir = tmp_path_factory.mktemp(name) / "data"
    shutil.copytree(shared_components.settings.data_dir, data_dir)
    return shared_components.settings.model_copy(update={"data_dir": data_dir, **update})


def assistant_on(settings, embed_model):
    """A real Assistant on `settings` sharing the already loaded embedding model."""
    from assistant.api import Assistant
    from assistant.components import Components

    return Assistant(settings, components=Components(settings, embed_model=embed_model))


def launched(bot, gradio_tmp: Path) -> Iterator[str]:
    """For a fixture: the UI for `bot` on a free loopback port with its own Gradio cache folder;
    yields its URL (no trailing /) and closes it after."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADIO_TEMP_DIR", str(gradio_tmp))
        demo = launch(bot, port=free_port(), block=False)
        yield demo.local_url.rstrip("/")
        demo.close()


class Server:
    """The UI on one fixed port (the browser's localStorage belongs to host:port), restartable."""

    def __init__(self, settings, embed_model, gradio_tmp: Path) -> None:
        self.settings, self.embed_model, self.port, self.tmp = settings, embed_model, free_port(), gradio_tmp
        self.demo = None

    def start(self) -> str:
        self.demo = launch(assistant_on(self.settings, self.embed_model), port=self.port, block=False)
        return self.url

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def stop(self) -> None:
        if self.demo is not None:
            self.demo.close()
            self.demo = None


def serving(settings, shared_components, tmp_path_factory, name: str):
    """A started `Server` on `settings` with its own Gradio cache folder, stopped after the module."""
    with pytest.MonkeyPatch.context() as mp:
        tmp = tmp_path_factory.mktemp(f"gradio-cache-{name}")
        mp.setenv("GRADIO_TEMP_DIR", str(tmp))
        srv = Server(settings, shared_components.embed_model, tmp)
        srv.start()
        yield srv
        srv.stop()


def open_page(context, url: str):
    """A new page of `context` on the UI, once the session knows this browser (its kept conversations)."""
    page = context.new_page()
    page.goto(url)
    # Generous waits: on a loaded CI machine a UI just restarted took over a minute to load a second page.
    page.wait_for_selector("#question textarea", timeout=120_000)
    page.wait_for_function("() => localStorage.getItem('corpus-assistant-browser')", timeout=30_000)
    page.wait_for_function("() => window.__caLoaded === true", timeout=120_000)  # the session knows the browser
    return page


def send_with_enter(page, question: str, timeout_ms: int = 120_000):
    """Type a question and press Enter; wait for the finished answer."""
    return screenshot.ask(page, question, timeout_ms, press_enter=True)


@contextmanager
def failure_shot(page, name: str) -> Iterator[None]:
    """On a failure inside, a full-page screenshot of `page` as $ASSISTANT_TEST_ARTIFACTS (default
    tests/artifacts/) / `name`, then the failure goes on."""
    try:
        yield
    except BaseException:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / name), full_page=True)
        raise
