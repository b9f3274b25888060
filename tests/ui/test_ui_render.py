"""Rendering answers, sources and tables: markers become badges, document/model text is escaped."""

from __future__ import annotations

import html

from assistant.answer import Answer, Passage
from ingest.report import FileReport, SyncReport
from tests.fakes.fake_assistant import DocumentInfo
from ui import render

EVIL = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def passage(n: int, text: str = "Some passage text.", **kw) -> Passage:
    values = dict(number=n, source=f"doc{n}.txt", title=f"Title {n}", text=text, score=0.5 + n / 100)
    values.update(kw)
    return Passage(**values)


def answer(text: str = "It is so [1].", **kw) -> Answer:
    values = dict(question="Q?", text=text, citations=[passage(1)], retrieved=[passage(1), passage(2)], standalone_question="Q?")
    values.update(kw)
    return Answer(**values)


def test_markers_become_badges_linking_to_their_source_card():
    out = render.cite_badges("A [1] and B [12].")
    assert '<a class="cite" href="#src-1" title="Source 1">[1]</a>' in out
    assert 'href="#src-12"' in out


def test_markers_without_a_retrieved_passage_are_marked_dangling():
    out = render.answer_markdown(answer("Claim [3]."))
    assert 'class="cite cite-dangling" href="#src-3"' in out


def test_answer_text_is_escaped_before_badges_are_added():
    out = render.answer_markdown(answer(f"{EVIL} [1]"))
    assert "<script" not in out and "<img" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in out
    assert 'class="cite"' in out


def test_markdown_from_documents_stays_text():
    text = "Voir ![x](http://host/track.png) et [ici](http://host/x), www.host.example, **gras** [1]"
    out = render.answer_markdown(answer(text))
    assert "[" not in out.split(" <a class")[0] and "://" not in out and "www." not in out and "**" not in out
    assert html.unescape(out.split(" <a class")[0]) == text[:-4]  # the browser shows exactly the text
    assert 'href="#src-1"' in out  # citation badges stay live


def test_streaming_text_is_escaped_and_shows_a_cursor():
    out = render.streaming_markdown(f"{EVIL} [1]")
    assert "<script" not in out and "typing" in out and 'href="#src-1"' in out


def test_abstention_is_tagged_and_points_to_the_nearest_sources():
    out = render.answer_markdown(answer("Ce n'est pas dans le corpus.", abstained=True, citations=[]))
    assert "tag-abstain" in out and "Not in the corpus" in out
    assert "nearest passages" in out
    panel = render.sources_html(answer("x", abstained=True, citations=[]))
    assert "Not in the corpus · 2 nearest passages" in panel
    assert 'id="src-1"' in panel and 'id="src-2"' in panel and "cited" not in panel.split("sources-head")[1][:60]


def test_abstention_without_any_passage():
    panel = render.sources_html(answer("x", abstained=True, citations=[], retrieved=[]))
    assert "no passage came close" in panel and "src-card" not in panel


def test_incomplete_answer_keeps_the_text_and_shows_the_error():
    out = render.answer_markdown(answer("Partial [1].", error="The LLM timed out <after 60 s>."))
    assert "Partial" in out and "tag-error" in out and "Incomplete" in out
    assert "&lt;after 60 s&gt;" in out


def test_rewritten_follow_up_and_warnings_are_shown_escaped():
    out = render.answer_markdown(answer(question="et <b>2018</b> ?", standalone_question="Japan 2018 <b>", warnings=[EVIL]))
    assert "Understood as: Japan 2018 &lt;b&gt;" in out
    assert "<script" not in out


def test_same_standalone_question_is_not_repeated():
    assert "Understood as" not in render.answer_markdown(answer())


def test_error_message_is_escaped():
    out = render.error_markdown(EVIL)
    assert "<script" not in out and "tag-error" in out


def test_highlight_marks_spans_and_escapes_everything():
    text = "One <b>. Two & three. Four."
    out = render.highlighted(text, [(9, 21)])
    assert out == "One &lt;b&gt;. <mark>Two &amp; three.</mark> Four."


def test_highlight_merges_overlaps_and_clips_out_of_range_spans():
    out = render.highlighted("abcdefgh", [(5, 99), (1, 3), (2, 4), (6, 6)])
    assert out == "a<mark>bcd</mark>e<mark>fgh</mark>"
    assert render.highlighted("abc", []) == "abc"


def test_sources_panel_lists_cited_cards_then_folds_the_others():
    cited = passage(1, text="Lyrakis composed it. Other.", highlights=((0, 20),))
    ans = answer(citations=[cited], retrieved=[cited, passage(2), passage(3)])
    panel = render.sources_html(ans)
    assert "Sources · 1 cited of 3 retrieved" in panel
    card1 = panel[panel.index('id="src-1"') : panel.index("</details>")]
    assert "Title 1" in card1 and "doc1.txt" in card1 and "0.510" in card1
    assert "<mark>Lyrakis composed it.</mark>" in card1
    folded = panel[panel.index("<details") :]
    assert "2 more retrieved, not cited" in folded and 'id="src-2"' in folded and 'id="src-3"' in folded
    assert panel.index('id="src-1"') < panel.index("<details")


def test_sources_panel_escapes_titles_sources_and_passages():
    evil = passage(1, text=EVIL, title=EVIL, source="<b>x</b>.txt")
    panel = render.sources_html(answer(citations=[evil], retrieved=[evil]))
    assert "<script" not in panel and "<img" not in panel and "<b>x" not in panel
    assert "&lt;img src=x onerror=alert(2)&gt;" in panel


def test_no_fold_when_everything_retrieved_is_cited():
    assert "<details" not in render.sources_html(answer(retrieved=[passage(1)]))


def test_mode_label_escapes_the_model_name():
    assert "extractive" in render.mode_markdown("extractive")
    out = render.mode_markdown("<i>gpt</i>")
    assert "LLM" in out and "&lt;i&gt;gpt&lt;/i&gt;" in out


def test_document_rows_and_keys():
    doc = DocumentInfo("sub/a file.md", "/data/uploads", ["T1", "T2", "T3", "T4"], 3, 120, "2026-01-02T03:04:05+00:00")
    assert render.document_rows([doc]) == [["sub/a file.md", "uploads", "T1; T2; T3 (+1)", 3, 120, "2026-01-02 03:04"]]
    assert render.parse_document_key(render.document_key(doc)) == ("sub/a file.md", "/data/uploads")


def test_document_rows_keep_unparseable_dates():
    doc = DocumentInfo("a.txt", "corpus", [], 1, 2, "yesterday")
    assert render.document_rows([doc])[0][-1] == "yesterday"


def test_report_rows_include_rejected_uploads():
    report = SyncReport(root="r", files=[FileReport("b.txt", "added", 2, 30), FileReport("a.pdf", "failed", reason="no text")])
    rows = render.report_rows(report, [("x.exe", "not allowed")])
    assert rows == [["a.pdf", "failed", 0, 0, "no text"], ["b.txt", "added", 2, 30, ""], ["x.exe", "rejected", 0, 0, "not allowed"]]


def test_banner_prompts_to_ingest_on_an_empty_index_and_escapes_errors():
    assert "index is empty" in render.corpus_banner(0)
    assert render.corpus_banner(5) == ""
    assert "&lt;host&gt;" in render.corpus_banner(0, "Chroma at <host> is unreachable")


def test_a_pdf_passage_says_its_page_in_the_card_the_viewer_and_the_copy():
    one, two = passage(1, source="r.pdf", page=3, page_end=3), passage(2, source="r.pdf", page=3, page_end=4)
    assert (one.pages, two.pages, passage(3).pages) == ("page 3", "pages 3–4", "")
    assert '<span class="src-page">page 3</span>' in render.passage_card(one, cited=True)
    assert "src-page" not in render.passage_card(passage(3), cited=True)  # not a PDF (or an older index): no page
    assert '<span class="viewer-page">pages 3–4</span>' in render.document_html("T", "r.pdf", "text", None, (), "", two.pages)
    assert "viewer-page" not in render.document_html("T", "a.txt", "text")
    assert "[1] Title 1 (r.pdf, page 3)" in render.copy_text(answer(citations=[one]))
    assert "[1] 0.510 (page 3), [2] 0.520 (pages 3–4)" in render.why_panel(answer(retrieved=[one, two]))
