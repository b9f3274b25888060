"""Kept conversations and the document viewer, in a real headless Chromium against the real Assistant.

Two browsers (two playwright contexts: separate localStorage) keep separate conversations; a page
reload and a restart of the UI server keep them; rename, export (Markdown with the quoted
citations), delete; a click on an [n] badge or a source card opens the passage in its document.
The screenshots in docs/ (ui-chat.png, ui-viewer.png, ui-narrow.png) are taken here, from the real app.
"""

from __future__ import annotations

import re
from contextlib import closing
from pathlib import Path

import pytest

from tests.ui import screenshot
from tests.ui.browser_support import BROWSER_MARKS, SIZE, copied_settings, failure_shot, open_page, send_with_enter, serving

pytestmark = BROWSER_MARKS

DOCS = Path(__file__).resolve().parents[2] / "docs"
SAG = "Combien de professionnels le syndicat SAG-AFTRA représente-t-il ?"
FOLLOW = "Et qui est son directeur exécutif ?"
JAPAN = "What share of Japan's audio music market revenues did streaming claim in 2019?"


@pytest.fixture(scope="module")
def data_settings(shared_components, tmp_path_factory):
    return copied_settings(shared_components, tmp_path_factory, "ui-kept")


@pytest.fixture(scope="module")
def server(data_settings, shared_components, tmp_path_factory):
    yield from serving(data_settings, shared_components, tmp_path_factory, "kept")


def titles(page) -> list[str]:
    return [t.strip() for t in page.locator("#conversations label").all_inner_texts()]


def wait_titles(page, expected: list[str], timeout: int = 30_000) -> None:
    page.wait_for_function(
        "([want]) => JSON.stringify(Array.from(document.querySelectorAll('#conversations label'))"
        ".map(l => l.innerText.trim())) === JSON.stringify(want)",
        arg=[expected], timeout=timeout,
    )


def test_two_browsers_reload_restart_rename_export_delete(browser, server):
    alice = browser.new_context(viewport=SIZE)
    bob = browser.new_context(viewport=SIZE)
    try:
        _kept_scenario(alice, bob, server)
    except BaseException:
        for i, ctx in enumerate((alice, bob)):
            for page in ctx.pages:
                page.screenshot(path=str(DOCS.parent / "tests" / "artifacts" / f"kept-failure-{i}.png"), full_page=True)
        raise
    finally:
        alice.close()
        bob.close()


def _kept_scenario(alice, bob, server) -> None:
    (DOCS.parent / "tests" / "artifacts").mkdir(parents=True, exist_ok=True)
    page = open_page(alice, server.url)
    assert titles(page) == []

    # Enter sends; Shift+Enter adds a line without sending.
    page.fill("#question textarea", "ligne 1")
    page.press("#question textarea", "Shift+Enter")
    page.keyboard.type("ligne 2")
    assert page.input_value("#question textarea") == "ligne 1\nligne 2"
    assert screenshot.bot_messages(page).count() == 0
    answer = send_with_enter(page, SAG)
    assert "160 000" in answer.inner_text()
    wait_titles(page, [SAG])
    follow = send_with_enter(page, FOLLOW)
    assert "Understood as:" in follow.inner_text()

    # Bob, in another browser, sees none of it and keeps his own.
    other = open_page(bob, server.url)
    assert titles(other) == []
    send_with_enter(other, JAPAN)
    wait_titles(other, [JAPAN])

    # A reload keeps Alice's conversation; opening it shows both turns, and a follow-up continues it.
    page.reload()
    page.wait_for_selector("#question textarea")
    wait_titles(page, [SAG])
    page.locator("#conversations label").first.click()
    page.wait_for_function("() => document.querySelectorAll('#chatbot .bot-row .message-content').length === 2")
    assert "160 000" in screenshot.bot_messages(page).first.inner_text()

    # A restart of the UI server keeps it too.
    server.stop()
    server.start()
    page.reload()
    page.wait_for_selector("#question textarea", timeout=60_000)
    wait_titles(page, [SAG])
    page.locator("#conversations label").first.click()
    page.wait_for_function("() => document.querySelectorAll('#chatbot .bot-row .message-content').length === 2")
    third = send_with_enter(page, "Et combien de membres compte-t-il ?")
    assert "Understood as:" in third.inner_text() and "SAG" in third.inner_text()
    assert titles(open_page(bob, server.url)) == [JAPAN]

    # Rename, then export: the Markdown holds the question, the answer and the quoted passages.
    page.click("#conversation-tools button, #conversation-tools .label-wrap")
    page.fill("#rename-box textarea, #rename-box input", "Syndicat SAG-AFTRA")
    page.press("#rename-box textarea, #rename-box input", "Enter")
    wait_titles(page, ["Syndicat SAG-AFTRA"])
    page.click("#export")
    link = page.locator("#export-file a").first
    link.wait_for(timeout=30_000)
    markdown = page.request.get(link.get_attribute("href")).text()
    assert markdown.startswith("# Syndicat SAG-AFTRA") and f"## {SAG}" in markdown and f"## {FOLLOW}" in markdown
    assert "003_e7bc8926dfa3bc8c.txt" in markdown and "\n> " in markdown and "160 000" in markdown
    page.screenshot(path=str(DOCS / "ui-chat.png"))

    # A new conversation goes on top; deleting (after confirming) removes only that one.
    page.click("#new-conversation")
    page.wait_for_function("() => !document.querySelector('#chatbot .bot-row')")
    send_with_enter(page, JAPAN)
    wait_titles(page, [JAPAN, "Syndicat SAG-AFTRA"])
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#delete-conversation")
    wait_titles(page, ["Syndicat SAG-AFTRA"])
    assert screenshot.bot_messages(page).count() == 0
    assert titles(open_page(bob, server.url)) == [JAPAN]  # Bob's own conversation of the same title stays


def test_a_citation_opens_its_passage_in_the_document(browser, server):
    context = browser.new_context(viewport=SIZE)
    page = open_page(context, server.url)
    with closing(context), failure_shot(page, "viewer-failure.png"):
        answer = send_with_enter(page, SAG)
        badge = answer.locator("a.cite").first
        n = badge.inner_text().strip("[]")
        card = page.locator(f"#sources-panel #src-{n}")
        card_text = " ".join(card.locator(".src-text").inner_text().split())
        card_marks = [" ".join(m.split()) for m in card.locator("mark").all_inner_texts()]
        card_mark = card_marks[0]
        badge.click()
        page.wait_for_selector("#viewer .viewer-box", state="visible", timeout=30_000)
        viewer = page.locator("#viewer")
        assert "003_e7bc8926dfa3bc8c.txt" in viewer.locator(".viewer-file").inner_text()
        passage = viewer.locator("#viewer-passage")
        # The cited passage, in its document (the source's own characters: the chunk's are normalised).
        shown, cited = re.findall(r"\w+", passage.inner_text()), re.findall(r"\w+", card_text)
        assert shown[:10] == cited[:10] and shown[-5:] == cited[-5:]
        assert " ".join(passage.locator("mark").first.inner_text().split()) == card_mark  # the answer's quote
        assert any("160 000" in m for m in card_marks)  # the quote (after the sentence it points back to)
        assert len(viewer.locator(".viewer-text").inner_text()) > len(card_text)  # the document around it
        page.wait_for_function(
            """() => { const p = document.querySelector('#viewer-passage').getBoundingClientRect();
                       const v = document.querySelector('#viewer .viewer-text').getBoundingClientRect();
                       return p.top >= v.top - 1 && p.top < v.bottom; }""", timeout=10_000,
        )  # scrolled into view
        page.screenshot(path=str(DOCS / "ui-viewer.png"))
        page.keyboard.press("Escape")
        page.wait_for_selector("#viewer .viewer-box", state="hidden", timeout=10_000)

        # A source card opens it too, and Copy puts the answer with its sources on the clipboard.
        page.locator(f"#sources-panel #src-{n}").click()
        page.wait_for_selector("#viewer .viewer-box", state="visible", timeout=30_000)
        page.click("#viewer .viewer-close")
        page.wait_for_selector("#viewer .viewer-box", state="hidden", timeout=10_000)
        answer.locator("a.act-copy").click()
        page.wait_for_function("() => window.__caCopied", timeout=30_000)
        copied = page.evaluate("() => window.__caCopied")
        assert "160 000" in copied and "Sources:" in copied and "003_e7bc8926dfa3bc8c.txt" in copied

        # Why this answer: folded, with the answerer, the standalone question and the scores.
        why = answer.locator("details.why")
        why.locator("summary").click()
        text = why.inner_text()
        assert "Answerer: extractive" in text and "Decision: answered" in text and "Retrieval scores" in text

        # A narrow window: everything stacks, nothing is cut off sideways.
        page.set_viewport_size({"width": 420, "height": 860})
        page.wait_for_timeout(500)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 421
        page.screenshot(path=str(DOCS / "ui-narrow.png"))
