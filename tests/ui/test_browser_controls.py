"""Control over the answer and feedback, in a real headless Chromium.

Extractive (the real Assistant on the bundled corpus, no LLM to offer): Regenerate replaces the last
answer with one from the next-best evidence (other passages cited, still one turn), an edited last
question is answered again, 👍/👎 with a comment lands in the store and `assistant eval --feedback`
lists it and drafts a dev question from it. With the local model installed, Regenerate on an
extractive answer has the model write the new one.
Local model (the real GGUF through llama.cpp): the evidence shows before the model's first word,
Stop ends a real generation within a second and keeps what was written, a second user waiting
for the model sees "Waiting for the model", and Escape stops.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.ui import screenshot
from tests.ui.browser_support import BROWSER_MARKS, SIZE, copied_settings, launched, open_page, send_with_enter, serving
from tests.ui.test_browser_kept import JAPAN, SAG, data_settings, server  # noqa: F401 - fixtures

pytestmark = BROWSER_MARKS

REPO = Path(__file__).resolve().parents[2]
DIRECTOR = "Qui est le directeur exécutif du syndicat SAG-AFTRA ?"


@pytest.fixture(scope="module")
def plain_settings(shared_components, tmp_path_factory):
    """The bundled corpus's index with no LLM to offer (an empty models folder): the extractive answerer only."""
    return copied_settings(shared_components, tmp_path_factory, "ui-plain", models_dir=tmp_path_factory.mktemp("no-models"))


@pytest.fixture(scope="module")
def plain_server(plain_settings, shared_components, tmp_path_factory):
    yield from serving(plain_settings, shared_components, tmp_path_factory, "plain")


CITED = "() => Array.from(document.querySelectorAll('#sources-panel .src-card.cited .src-text')).map(c => c.innerText)"


def test_regenerate_edit_and_feedback_that_feeds_the_eval(browser, plain_server, plain_settings):
    context = browser.new_context(viewport=SIZE)
    page = open_page(context, plain_server.url)
    try:
        first = send_with_enter(page, JAPAN).inner_text()
        assert "19.3%" in first and "Answered by: extractive" in first
        page.wait_for_function("() => document.querySelectorAll('#conversations label').length === 1")
        cited = page.evaluate(CITED)
        assert cited and any("19.3%" in c for c in cited)
        # Regenerate: the next-best evidence answers (other passages cited), still one turn.
        page.click("#chatbot button[aria-label=Retry]")
        page.wait_for_function(
            "() => { const m = document.querySelectorAll('#chatbot .bot-row .message-content');"
            " return m.length === 1 && !m[0].querySelector('.typing') && m[0].innerText.includes('doubled'); }",
            timeout=120_000,
        )
        again = screenshot.bot_messages(page).first.inner_text()
        assert "19.3%" not in again and "Answered by: extractive" in again
        page.wait_for_function(f"() => ({CITED})().length > 0 && !({CITED})().some(t => t.includes('19.3%'))", timeout=30_000)
        assert not set(page.evaluate(CITED)) & set(cited)  # other passages
        assert page.locator("#chatbot .user-row").count() == 1
        # Edit the last question and resend it.
        page.click("#chatbot button[aria-label=Edit]")
        page.fill("#chatbot textarea.edit-textarea", SAG)
        page.click("#chatbot button[aria-label=Submit]")
        page.wait_for_function(
            "() => { const m = document.querySelectorAll('#chatbot .bot-row .message-content');"
            " return m.length === 1 && !m[0].querySelector('.typing') && m[0].innerText.includes('160 000'); }",
            timeout=120_000,
        )
        assert "SAG-AFTRA" in page.locator("#chatbot .user-row").first.inner_text()
        # Thumbs down with a comment.
        page.click("#chatbot button[aria-label=Dislike]")
        page.wait_for_selector("#feedback-comment textarea", state="visible", timeout=30_000)
        page.fill("#feedback-comment textarea", "Il manque la date.")
        page.press("#feedback-comment textarea", "Enter")
        page.wait_for_selector("#feedback-comment", state="hidden", timeout=30_000)
    finally:
        context.close()

    from assistant.conversations import FILE_NAME, ConversationStore

    store = ConversationStore(plain_settings.data_dir / FILE_NAME)
    (conversation,) = [c for c in store.conversations(None) if c.title == JAPAN]
    assert [t.question for t in store.turns(conversation.id)] == [SAG]  # regenerated, then edited: one turn
    fb = next(f for f in store.feedback() if f.question == SAG)
    assert fb.rating == -1 and fb.comment == "Il manque la date." and "160 000" in fb.answer
    assert fb.answerer == "extractive" and fb.citations and fb.citations[0]["source"] == "003_e7bc8926dfa3bc8c.txt"

    env = {**os.environ, "PYTHONPATH": str(REPO), "ASSISTANT_DATA_DIR": str(plain_settings.data_dir)}
    listed = subprocess.run([sys.executable, "-m", "cli", "eval", "--feedback"], env=env, cwd=REPO,
                            capture_output=True, text=True, timeout=300)
    assert listed.returncode == 0, listed.stderr
    assert SAG in listed.stdout and "Il manque la date." in listed.stdout and "-1" in listed.stdout
    drafted = subprocess.run([sys.executable, "-m", "cli", "eval", "--feedback", "--draft", str(fb.id)], env=env,
                             cwd=REPO, capture_output=True, text=True, timeout=300)
    assert drafted.returncode == 0, drafted.stderr
    assert "split: dev" in drafted.stdout and "003_e7bc8926dfa3bc8c.txt" in drafted.stdout


@pytest.fixture(scope="module")
def local_bot(ingested_assistant):
    from core import local_model

    if not local_model.installed(ingested_assistant.settings):
        pytest.skip("the local GGUF is not installed (scripts/setup assembles it)")
    # The excerpts prompt: its answers run long enough to be stopped midway (evidence-first ones are a sentence)
    bot = ingested_assistant.variant(llm="local", tuning={"evidence_first": False})
    bot.llm.load()
    return bot


@pytest.fixture(scope="module")
def local_url(local_bot, tmp_path_factory):
    yield from launched(local_bot, tmp_path_factory.mktemp("gradio-cache-local"))


def streamed_text(page) -> str:
    return page.evaluate(
        "() => { const m = Array.from(document.querySelectorAll('#chatbot .bot-row .message-content')).pop();"
        " return m && m.querySelector('.typing') && m.innerText.includes('▍') ? m.innerText.replace('▍', '').trim() : ''; }"
    )


WAITING_SHOWN = (
    "() => { const m = Array.from(document.querySelectorAll('#chatbot .bot-row .message-content')).pop();"
    " const w = m && m.querySelector('.waiting'); return w && w.innerText.includes('Waiting for the model'); }"
)


def wait_streaming(page, timeout_ms: int = 120_000) -> str:
    page.wait_for_function(
        "() => { const m = Array.from(document.querySelectorAll('#chatbot .bot-row .message-content')).pop();"
        " return m && m.querySelector('.typing') && m.innerText.includes('▍') && m.innerText.replace('▍', '').trim().length > 0; }",
        timeout=timeout_ms,
    )
    return streamed_text(page)


def test_stop_ends_a_real_local_generation_within_a_second(browser, local_bot, local_url):
    alice = browser.new_context(viewport=SIZE)
    bob = browser.new_context(viewport=SIZE)
    try:
        page = open_page(alice, local_url)
        page.fill("#question textarea", JAPAN)
        page.click("#ask")
        # The evidence at once, a "thinking" state, then the model's words.
        page.wait_for_function(
            "() => document.querySelector('#sources-panel').innerText.includes('the model is writing')", timeout=120_000
        )
        assert streamed_text(page) == ""
        assert page.locator("#chatbot .bot-row .typing").count() == 1
        wait_streaming(page)
        time.sleep(1.0)  # a few more tokens
        written = streamed_text(page)
        started = time.perf_counter()
        page.click("#stop")
        page.wait_for_selector("#chatbot .bot-row .tag-stopped", timeout=10_000)
        shown = time.perf_counter() - started
        while local_bot.llm_busy() and time.perf_counter() - started < 5:
            time.sleep(0.02)
        freed = time.perf_counter() - started
        print(f"Stop: shown stopped after {shown:.3f} s, model free after {freed:.3f} s; load {os.getloadavg()[0]:.1f}")
        assert shown < 1.0 and freed < 1.0
        final = screenshot.bot_messages(page).last.inner_text()
        assert " ".join(written.split())[:40] in " ".join(final.split())  # what was written stays

        # Another answer holds the model: the test holds the model's own lock, as a long answer would (a real
        # short answer can end before a second page has even asked, a race a fast machine loses). Bob's question
        # and then Alice's wait for it, saying so; Escape stops Alice's waiting turn; once the model is free,
        # Bob's answer is written and Escape stops it, and the model is free again within a second.
        other = open_page(bob, local_url)
        lock = local_bot.llm.shared.lock
        assert lock.acquire(timeout=60)
        try:
            assert local_bot.llm_busy()
            other.fill("#question textarea", JAPAN)
            other.click("#ask")
            other.wait_for_function(WAITING_SHOWN, timeout=60_000)
            page.fill("#question textarea", SAG)
            page.press("#question textarea", "Enter")
            page.wait_for_function(WAITING_SHOWN, timeout=60_000)
            page.keyboard.press("Escape")
            page.wait_for_function("() => document.querySelectorAll('#chatbot .tag-stopped').length === 2", timeout=30_000)
            assert other.locator("#chatbot .bot-row .tag-stopped").count() == 0  # Bob still waits
        finally:
            lock.release()
        wait_streaming(other)
        other.keyboard.press("Escape")
        other.wait_for_selector("#chatbot .bot-row .tag-stopped", timeout=30_000)
        deadline = time.perf_counter() + 1.0
        while local_bot.llm_busy() and time.perf_counter() < deadline:
            time.sleep(0.02)
        assert not local_bot.llm_busy()
    finally:
        alice.close()
        bob.close()


# Last in the file, and another question than the Stop test's: the model keeps the last prompt it read.
def test_regenerate_an_extractive_answer_has_the_local_model_write_it(browser, server, data_settings):  # noqa: F811
    from assistant.conversations import FILE_NAME, ConversationStore
    from core import local_model

    if not local_model.installed(data_settings):
        pytest.skip("the local GGUF is not installed (scripts/setup assembles it)")
    context = browser.new_context(viewport=SIZE)
    page = open_page(context, server.url)
    try:
        assert "Answered by: extractive" in send_with_enter(page, DIRECTOR).inner_text()
        page.click("#chatbot button[aria-label=Retry]")
        page.wait_for_function(
            "([who]) => { const m = document.querySelectorAll('#chatbot .bot-row .message-content');"
            " return m.length === 1 && !m[0].querySelector('.typing') && m[0].innerText.includes(who); }",
            arg=[f"Answered by: LLM · {local_model.MODEL_NAME}"], timeout=600_000,
        )
        assert page.locator("#chatbot .user-row").count() == 1
    finally:
        context.close()
    store = ConversationStore(data_settings.data_dir / FILE_NAME)
    (conversation,) = [c for c in store.conversations(None) if c.title == DIRECTOR]
    assert [t.answer.mode for t in store.turns(conversation.id)] == [local_model.MODEL_NAME]  # replaced: one turn
