"""Drive the UI in a real headless Chromium; by itself, take the README screenshot.

    python -m tests.ui.screenshot                 # -> docs/screenshot.png
    python -m tests.ui.screenshot --out shot.png --question "What share of Japan's audio music market…"

It syncs the bundled corpus (settings from ASSISTANT_* / .env as usual), serves the UI on a free
loopback port and drives Debian's `chromium` (apt-get install chromium) through playwright's
Python package pointed at /usr/bin/chromium; it never downloads a browser. The browser tests use
the same helpers.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("ASSISTANT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage", "--disable-quic",
]
VIEWPORT = {"width": 1400, "height": 900}
DEFAULT_QUESTION = "Combien de professionnels le syndicat SAG-AFTRA représente-t-il ?"


@contextmanager
def chromium(home: Path) -> Iterator[Any]:
    """A headless Chromium (playwright Browser) with HOME set to `home`."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, env={**os.environ, "HOME": str(home)}
        )
        try:
            yield browser
        finally:
            browser.close()


def open_ui(browser: Any, url: str) -> Any:
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(url)
    page.wait_for_selector("#question textarea", timeout=30_000)
    return page


def bot_messages(page: Any) -> Any:
    return page.locator("#chatbot .bot-row .message-content")


def ask(page: Any, question: str, timeout_ms: int = 120_000, press_enter: bool = False) -> Any:
    """Type a question, send it (the Ask button, or Enter), wait until its answer stops streaming;
    return the answer's locator."""
    before = bot_messages(page).count()
    page.fill("#question textarea", question)
    if press_enter:
        page.press("#question textarea", "Enter")
    else:
        page.click("#ask")
    page.wait_for_function(
        """([before]) => {
            const msgs = document.querySelectorAll('#chatbot .bot-row .message-content');
            return msgs.length > before && !msgs[msgs.length - 1].querySelector('.typing');
        }""",
        arg=[before],
        timeout=timeout_ms,
    )
    return bot_messages(page).nth(before)


def take(url: str, out: Path, question: str = DEFAULT_QUESTION) -> Path:
    """Screenshot of the UI at `url` after answering `question`."""
    with tempfile.TemporaryDirectory() as home, chromium(Path(home)) as browser:
        page = open_ui(browser, url)
        ask(page, question)
        page.wait_for_timeout(300)  # let the sources panel settle
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshot.png"))
    parser.add_argument("--question", default=DEFAULT_QUESTION)
    args = parser.parse_args(argv)

    from assistant import Assistant
    from ui.app import free_port, launch

    bot = Assistant()
    print(bot.ingest(bot.settings.corpus_dir, show_progress=False).summary())
    demo = launch(bot, host="127.0.0.1", port=free_port(), block=False)
    try:
        print(f"saved {take(demo.local_url, args.out, args.question)}")
    finally:
        demo.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
