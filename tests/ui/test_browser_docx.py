"""A Word document in the UI, in a real headless Chromium: a .docx uploaded through the Corpus tab (a
corrupt one beside it gets its one-line reason), ingested for real (the real e5 model, Chroma), a
question answered from it, its citation opened: the viewer names the .docx and highlights the
passage in the document text the index stores (headings and tables as the loader wrote them, no page
header, no table of contents)."""

from __future__ import annotations

from contextlib import closing

import pytest

from tests.conftest import make_settings
from tests.fakes.sample_docs import write_corpus
from tests.fakes.word_docs import HEADER_TEXT, write_guide
from tests.ui.browser_support import BROWSER_MARKS, SIZE, assistant_on, failure_shot, launched, open_page, send_with_enter

pytestmark = BROWSER_MARKS

QUESTION = "Qui est la responsable de l'accueil de la médiathèque de Quimperlé ?"


@pytest.fixture(scope="module")
def docx_url(embed_model, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ui-docx")
    folder = write_corpus(tmp / "docs")
    settings = make_settings(tmp / "data", corpus_dir=folder)
    bot = assistant_on(settings, embed_model)
    bot.ingest(folder, show_progress=False)
    yield from launched(bot, tmp / "gradio")


def test_an_uploaded_docx_answers_and_its_citation_opens_in_the_viewer(browser, docx_url, tmp_path):
    guide = write_guide(tmp_path / "guide-mediatheque.docx")
    broken = tmp_path / "rapport.docx"
    broken.write_bytes(b"PK\x03\x04 not really")
    context = browser.new_context(viewport=SIZE)
    page = open_page(context, docx_url)
    with closing(context), failure_shot(page, "docx-viewer-failure.png"):
        page.get_by_role("tab", name="Corpus").click()
        assert ".docx" in page.locator("#upload").inner_text()  # the upload's label lists the type
        page.set_input_files("#upload input[type=file]", [str(guide), str(broken)])
        page.wait_for_selector("#corpus-status .status", timeout=180_000)
        assert "1 added" in page.locator("#corpus-status").inner_text()
        report = page.locator("#report").inner_text()
        assert "guide-mediatheque.docx" in report
        assert "rapport.docx" in report and "unreadable .docx (corrupt, or not a Word document)" in report
        page.wait_for_function(
            "() => document.querySelector('#documents').innerText.includes('guide-mediatheque.docx')", timeout=30_000
        )

        page.get_by_role("tab", name="Chat").click()
        answer = send_with_enter(page, QUESTION)
        assert "Maëlle Le Goff" in answer.inner_text()
        badge = answer.locator("a.cite").first
        n = badge.inner_text().strip("[]")
        assert "guide-mediatheque.docx" in page.locator(f"#sources-panel #src-{n} .src-file").inner_text()
        badge.click()
        page.wait_for_selector("#viewer .viewer-box", state="visible", timeout=30_000)
        viewer = page.locator("#viewer")
        assert "guide-mediatheque.docx" in viewer.locator(".viewer-file").inner_text()
        assert viewer.locator(".viewer-page").count() == 0  # pages are a PDF's
        passage = viewer.locator("#viewer-passage")
        assert "Maëlle Le Goff" in passage.inner_text()
        assert "Maëlle Le Goff" in passage.locator("mark").first.inner_text()  # the answer's quote, marked
        assert page.evaluate(
            "() => { const r = document.querySelector('#viewer-passage').getBoundingClientRect();"
            " const box = document.querySelector('#viewer .viewer-text').getBoundingClientRect();"
            " return r.top >= box.top - 1 && r.top < box.bottom; }"
        ), "the passage is scrolled into view"
        document = viewer.locator(".viewer-text").inner_text()
        assert "Horaires d'ouverture" in document and "Salle: Salle Élorn" in document  # the whole document
        assert HEADER_TEXT not in document and "Table des matières" not in document
        page.keyboard.press("Escape")
        page.wait_for_selector("#viewer .viewer-box", state="hidden", timeout=10_000)
