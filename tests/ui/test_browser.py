"""End to end in a real headless Chromium against the real Assistant on the bundled corpus.

Asks a French question, checks the [n] badge and its source card, asks a follow-up, uploads a
file and asks about it, removes it again, re-ingests the bundled corpus; then, in LLM mode against
the local OpenAI stub, watches an answer stream, a cut stream marked incomplete, and a recovery.
Screenshots go to $ASSISTANT_TEST_ARTIFACTS (default tests/artifacts/).
Needs Debian's chromium (/usr/bin/chromium) and the `playwright` Python package; no browser download.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.ui import screenshot
from tests.ui.browser_support import ARTIFACTS, BROWSER_MARKS, assistant_on, copied_settings, failure_shot, launched

pytestmark = BROWSER_MARKS

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "corpus"
DOCS = REPO / "docs"
UPLOAD = """# Festival de Zorglub

Le festival de Zorglub a lieu chaque printemps à Vernonville. Il attire 4 200 visiteurs venus écouter des fanfares.

Note technique : <img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script>
"""


@pytest.fixture(scope="module")
def e2e_bot(shared_components, tmp_path_factory):
    """A real Assistant over a copy of the ingested corpus, so uploads stay out of the shared index."""
    return assistant_on(copied_settings(shared_components, tmp_path_factory, "ui-e2e"), shared_components.embed_model)


@pytest.fixture(scope="module")
def url(e2e_bot, tmp_path_factory):
    yield from launched(e2e_bot, tmp_path_factory.mktemp("gradio-cache"))


def card(page, n: str):
    return page.locator(f"#sources-panel #src-{n}")


def check_badges_match_cards(page, answer) -> list[str]:
    """Every [n] badge in the answer has source card n in the panel, marked as cited."""
    numbers = re.findall(r"\[(\d+)\]", answer.inner_text())
    assert numbers, f"no [n] marker in {answer.inner_text()!r}"
    assert answer.locator("a.cite").count() == len(numbers)
    for n in numbers:
        assert card(page, n).count() == 1 and "cited" in card(page, n).get_attribute("class")
    return numbers


def test_ask_follow_up_upload_and_ask_again(browser, url, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = screenshot.open_ui(browser, url + "/")
    hosts = set()
    page.on("request", lambda r: hosts.add(urlsplit(r.url).netloc) if r.url.startswith("http") else None)
    with failure_shot(page, "ui-e2e-failure.png"):
        _scenario(page, tmp_path)
    assert hosts == {urlsplit(url).netloc}, f"the page reached other hosts: {hosts}"


def _scenario(page, tmp_path: Path) -> None:
    assert "extractive" in page.locator("#app-header").inner_text()
    assert page.locator("#banner .banner").count() == 0  # the index is not empty

    # A French question about the corpus: a cited answer and its source beside it.
    answer = screenshot.ask(page, "Combien de professionnels le syndicat SAG-AFTRA représente-t-il ?")
    assert "160 000" in answer.inner_text()
    numbers = check_badges_match_cards(page, answer)
    files = [card(page, n).locator(".src-file").inner_text() for n in numbers]
    assert "003_e7bc8926dfa3bc8c.txt" in files
    first = card(page, numbers[0])
    assert first.locator("mark").count() >= 1  # the quoted sentence is highlighted
    answer.locator("a.cite").first.click()
    page.wait_for_selector(f"#sources-panel #src-{numbers[0]}.flash", timeout=5_000)
    page.wait_for_selector("#viewer .viewer-box", state="visible", timeout=30_000)  # the passage in its document
    page.keyboard.press("Escape")
    page.wait_for_selector("#viewer .viewer-box", state="hidden", timeout=10_000)
    page.screenshot(path=str(ARTIFACTS / "ui-answer.png"))

    # A follow-up in the same conversation.
    follow = screenshot.ask(page, "Et qui est son directeur exécutif ?")
    assert "Understood as:" in follow.inner_text()
    check_badges_match_cards(page, follow)
    assert "Crabtree-Ireland" in follow.inner_text() + page.locator("#sources-panel").inner_text()

    # Upload a small file with hostile markup, then ask about it.
    path = tmp_path / "festival-zorglub.md"
    path.write_text(UPLOAD, encoding="utf-8")
    page.get_by_role("tab", name="Corpus").click()
    page.set_input_files("#upload input[type=file]", str(path))
    page.wait_for_selector("#corpus-status .status", timeout=120_000)
    assert "1 added" in page.locator("#corpus-status").inner_text()
    assert "festival-zorglub.md" in page.locator("#report").inner_text()
    page.wait_for_function(
        "() => document.querySelector('#documents').innerText.includes('festival-zorglub.md')", timeout=30_000
    )
    page.get_by_role("tab", name="Chat").click()
    answer = screenshot.ask(page, "Combien de visiteurs attire le festival de Zorglub ?")
    assert "4 200" in answer.inner_text()
    numbers = check_badges_match_cards(page, answer)
    assert "festival-zorglub.md" in [card(page, n).locator(".src-file").inner_text() for n in numbers]
    page.screenshot(path=str(ARTIFACTS / "ui-e2e.png"), full_page=True)

    # The hostile markup stayed text.
    assert page.evaluate("() => window.__pwned") is None
    assert page.locator("#sources-panel img, #chatbot .message-content img").count() == 0

    # Remove the upload: it leaves the documents table, and the question no longer finds it.
    page.get_by_role("tab", name="Corpus").click()
    # Search the list: only the matching document stays in the table and in the picker.
    page.fill("#doc-search textarea, #doc-search input", "zorglub")
    page.wait_for_function(
        "() => !document.querySelector('#documents').innerText.includes('003_e7bc8926dfa3bc8c.txt')", timeout=30_000
    )
    assert "festival-zorglub.md" in page.locator("#documents").inner_text()
    page.click("#remove-pick input")
    page.get_by_role("option", name=re.compile(r"^festival-zorglub\.md ")).click()
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path=str(DOCS / "ui-corpus.png"))
    # Open it in the document viewer.
    page.click("#open-doc")
    page.wait_for_selector("#viewer .viewer-box", state="visible", timeout=30_000)
    assert "Vernonville" in page.locator("#viewer .viewer-text").inner_text()
    assert "festival-zorglub.md" in page.locator("#viewer .viewer-file").inner_text()
    page.keyboard.press("Escape")
    page.wait_for_selector("#viewer .viewer-box", state="hidden", timeout=10_000)
    # Remove asks first: saying no keeps it.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("#remove")
    page.wait_for_function(
        "() => document.querySelector('#corpus-status').innerText.includes('Nothing removed')", timeout=30_000
    )
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#remove")
    page.wait_for_function(
        "() => document.querySelector('#corpus-status').innerText.includes('Removed festival-zorglub.md')",
        timeout=30_000,
    )
    # The refresh that follows the removal lands first (the filtered table empties), then the search is cleared.
    page.wait_for_function(
        "() => !document.querySelector('#documents').innerText.includes('festival-zorglub.md')", timeout=30_000
    )
    page.fill("#doc-search textarea, #doc-search input", "")
    page.wait_for_function(
        "() => !document.querySelector('#documents').innerText.includes('festival-zorglub.md')"
        " && document.querySelector('#documents').innerText.includes('003_e7bc8926dfa3bc8c.txt')", timeout=30_000
    )
    page.get_by_role("tab", name="Chat").click()
    gone = screenshot.ask(page, "Combien de visiteurs attire le festival de Zorglub ?")
    assert gone.locator(".tag-abstain").count() == 1 and "4 200" not in gone.inner_text()
    assert "festival-zorglub.md" not in gone.inner_text() + page.locator("#sources-panel").inner_text()

    # Re-ingest the bundled corpus: a per-file report, nothing changed.
    page.get_by_role("tab", name="Corpus").click()
    page.click("#reingest")
    page.wait_for_function(
        "() => document.querySelector('#corpus-status').innerText.includes('5 unchanged')", timeout=60_000
    )
    assert "0 added, 0 changed, 0 removed, 5 unchanged, 0 failed" in page.locator("#corpus-status").inner_text()
    report = page.locator("#report").inner_text()
    for name in sorted(p.name for p in CORPUS.iterdir()):
        assert name in report
    assert report.count("unchanged") == 5 and "festival-zorglub.md" not in report
    page.get_by_role("tab", name="Chat").click()

    # A new conversation clears the chat and the sources; an example question is one click away.
    page.click("#new-conversation")
    page.wait_for_function("() => !document.querySelector('#chatbot .bot-row')", timeout=10_000)
    assert page.locator("#sources-panel .src-card").count() == 0
    page.get_by_role("button", name=re.compile("Japan's audio music market")).click()
    page.wait_for_function(
        "() => { const m = document.querySelector('#chatbot .bot-row .message-content');"
        " return m && !m.querySelector('.typing'); }",
        timeout=60_000,
    )
    assert "19.3%" in screenshot.bot_messages(page).first.inner_text()


def stub_responder(request: dict) -> str:
    """The stub's default answer; the condense step of a follow-up gets the follow-up back unchanged."""
    from tests.fakes.openai_stub import default_responder

    last = request["messages"][-1]["content"]
    if isinstance(last, str) and last.startswith("Rewrite the user's last message"):
        return last.split("Last message: ", 1)[1].split("\nStandalone question:", 1)[0]
    return default_responder(request)


@pytest.fixture(scope="module")
def stub():
    from tests.fakes.openai_stub import OpenAIStub

    with OpenAIStub(fault_paths=["/v1/chat/completions"], responder=stub_responder) as stub:
        stub.stream_delay = 0.02
        yield stub


@pytest.fixture(scope="module")
def llm_url(ingested_assistant, stub, tmp_path_factory):
    bot = ingested_assistant.variant(
        llm="openai_like", llm_base_url=stub.base_url, llm_model="stub-model", llm_api_key="sk-test",
        llm_max_retries=0, llm_timeout=2,
        # The excerpts prompt: the stub's naive answer (passage 1's first sentence) then holds the fact asked; from the
        # evidence-first prompt it quotes the antecedent sentence, and the answer falls back to the quoted evidence
        # (tests/assistant/test_evidence_first.py). The UI streams both prompts' answers the same way.
        tuning={"evidence_first": False},
    )
    yield from launched(bot, tmp_path_factory.mktemp("gradio-cache-llm"))


def test_llm_mode_streams_survives_a_cut_stream(browser, llm_url, stub):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = screenshot.open_ui(browser, llm_url + "/")
    try:
        with failure_shot(page, "ui-llm-failure.png"):
            _llm_scenario(page, stub)
    finally:
        stub.faults = []
        page.close()


def _llm_scenario(page, stub) -> None:
    header = page.locator("#app-header").inner_text()
    assert "stub-model" in header and "extractive" not in header

    # The answer streams in word by word (a partial text with the cursor shows), then gets its badge and card.
    before = screenshot.bot_messages(page).count()
    page.fill("#question textarea", "Combien de professionnels le syndicat SAG-AFTRA représente-t-il ?")
    page.click("#ask")
    page.wait_for_function(
        """([before]) => {
            const m = document.querySelectorAll('#chatbot .bot-row .message-content')[before];
            const t = m && m.querySelector('.typing');
            return t && t.innerText.includes('▍') && m.innerText.replace('▍', '').trim().length > 0;
        }""",
        arg=[before], timeout=60_000,
    )
    page.wait_for_function(
        "([n]) => !document.querySelectorAll('#chatbot .bot-row .message-content')[n].querySelector('.typing')",
        arg=[before], timeout=60_000,
    )
    answer = screenshot.bot_messages(page).nth(before)
    numbers = check_badges_match_cards(page, answer)
    assert numbers == ["1"]  # the stub quotes the first sentence of passage 1
    # The quote without its marker (placed before the final stop) and without the "Answered by" footer.
    quoted = " ".join(answer.inner_text().split("Answered by:")[0].replace("[1]", "").split()).replace(" .", ".")
    assert quoted and quoted in " ".join(card(page, "1").locator(".src-text").inner_text().split())
    assert not stub.faults and len(stub.chat_requests()) == 1

    # The stream is cut midway: the partial answer stays, marked incomplete, with a readable error.
    stub.faults = ["ok", "cut"]  # a follow-up: the condense step succeeds, the answer stream is cut
    cut = screenshot.ask(page, "Et qui est son directeur exécutif ?", timeout_ms=60_000)
    text = cut.inner_text()
    assert cut.locator(".tag-error").inner_text() == "Incomplete"
    assert "stub-model" in text and "Traceback" not in text and "sk-test" not in text
    partial = "\n".join(line for line in text.split("Incomplete")[0].splitlines() if not line.startswith("Understood as:")).strip()
    assert partial and len(partial.split()) <= 3  # the two words sent before the cut
    assert "incomplete" in text.split("Incomplete", 1)[1].lower()  # the warning note
    page.screenshot(path=str(ARTIFACTS / "ui-llm.png"), full_page=True)

    # The app keeps working: the next question is answered normally.
    again = screenshot.ask(page, "What share of Japan's audio music market revenues did streaming claim in 2019?",
                           timeout_ms=60_000)
    assert again.locator(".tag-error").count() == 0
    check_badges_match_cards(page, again)
    assert "japan" in page.locator("#sources-panel").inner_text().lower()  # the cited passage is about the question
