"""A PDF's passage in the document viewer, in a real headless Chromium: a four-page PDF ingested for
real (the real e5 model, Chroma), a question answered from page 2, its citation opened: the viewer
and the source card say "page 2", and the passage is highlighted in the document."""

from __future__ import annotations

import re
from contextlib import closing

import pytest

from tests.conftest import pdf_corpus_bot
from tests.ui.browser_support import BROWSER_MARKS, SIZE, failure_shot, launched, open_page, send_with_enter

pytestmark = BROWSER_MARKS

KEEPER = "Who was the keeper of the Halvmane lighthouse in 2023?"
ROOF = "How much did the society spend repairing the lantern room roof?"


@pytest.fixture(scope="module")
def pdf_url(embed_model, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ui-pdf")
    bot, report = pdf_corpus_bot(tmp, embed_model)
    assert {f.source: f.status for f in report.files}["report.pdf"] == "added"
    yield from launched(bot, tmp / "gradio")


def test_a_pdf_citation_opens_on_its_page(browser, pdf_url):
    context = browser.new_context(viewport=SIZE)
    page = open_page(context, pdf_url)
    with closing(context), failure_shot(page, "pdf-viewer-failure.png"):
        answer = send_with_enter(page, KEEPER)
        assert "Ingrid Solberg" in answer.inner_text()
        badge = answer.locator("a.cite").first
        n = badge.inner_text().strip("[]")
        card = page.locator(f"#sources-panel #src-{n}")
        assert "report.pdf" in card.locator(".src-file").inner_text()
        assert card.locator(".src-page").inner_text() == "page 2"
        badge.click()
        page.wait_for_selector("#viewer .viewer-box", state="visible", timeout=30_000)
        viewer = page.locator("#viewer")
        assert viewer.locator(".viewer-page").inner_text() == "page 2"
        assert "report.pdf" in viewer.locator(".viewer-file").inner_text()
        passage = viewer.locator("#viewer-passage")
        assert "Ingrid Solberg" in passage.inner_text() and "The keepers" in passage.inner_text()
        assert "Ingrid Solberg" in passage.locator("mark").first.inner_text()  # the answer's quote, marked
        document = viewer.locator(".viewer-text").inner_text()
        assert "Annual report of the Norrland" in document and "Plans for next year" in document  # the whole PDF
        page.keyboard.press("Escape")
        page.wait_for_selector("#viewer .viewer-box", state="hidden", timeout=10_000)

        # A passage of page 3, opened from its source card.
        answer = send_with_enter(page, ROOF)
        assert "81 400" in answer.inner_text()
        n = answer.locator("a.cite").first.inner_text().strip("[]")
        page.locator(f"#sources-panel #src-{n}").click()
        page.wait_for_function(
            "() => { const p = document.querySelector('#viewer .viewer-page');"
            " return p && p.innerText === 'page 3' && document.querySelector('#viewer-passage').innerText.includes('81 400'); }",
            timeout=30_000,
        )
        page.keyboard.press("Escape")
        page.wait_for_selector("#viewer .viewer-box", state="hidden", timeout=10_000)

        # A text file's passage says no page.
        answer = send_with_enter(page, "Qui a écrit la bande originale du film imaginaire ?")
        assert "Aurélien Varga" in answer.inner_text()
        answer.locator("a.cite").first.click()
        page.wait_for_function(
            "() => document.querySelector('#viewer-passage') && document.querySelector('#viewer-passage').innerText.includes('Varga')",
            timeout=30_000,
        )
        assert page.locator("#viewer .viewer-page").count() == 0
        assert re.search(r"\ba\.txt\b", page.locator("#viewer .viewer-file").inner_text())
