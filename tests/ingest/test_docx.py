"""Word .docx as a reader sees it (issues 19 and 22): real documents built with python-docx, read by
the loader, cut by the splitter, and ingested into a real Chroma (the fast HashEmbedding: the model
is not the point here)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from llama_index.core import Document

from assistant.api import Assistant
from assistant.components import Components
from ingest.loaders import Limits, UnreadableFileError, load_bytes, load_file
from ingest.splitter import SectionSplitter
from tests.conftest import make_settings
from tests.fakes.chunk_hygiene import PageFacts, chunk_kind, rows_with_header
from tests.fakes.hash_embedding import HashEmbedding
from tests.fakes.sample_docs import write_corpus
from tests.fakes.word_docs import (CONTACT, FOOTER_TEXT, HEADER_TEXT, SMALL_HEADER, SMALL_ROWS, TOC_ENTRIES, WIDE_HEADER,
                                   WIDE_ROWS, guide_docx)


def _bytes(document: docx.document.Document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _text(document: docx.document.Document) -> str:
    return load_bytes(_bytes(document), "d.docx").text


def _reason(data: bytes, limits: Limits | None = None) -> str:
    with pytest.raises(UnreadableFileError) as err:
        load_bytes(data, "d.docx", limits)
    return str(err.value)


def _append(document: docx.document.Document, xml: str) -> None:
    """Raw WordprocessingML appended to the body (before its final section properties)."""
    document.element.body.sectPr.addprevious(parse_xml(xml.replace("<w:p>", f"<w:p {nsdecls('w')}>", 1)
                                                      if xml.startswith("<w:p>") else xml))


def _chunks(text: str) -> list:
    doc = Document(text=text, doc_id="guide.docx", metadata={"source": "guide.docx", "format": "docx"})
    return SectionSplitter().split_document(doc)


# --- the loader ------------------------------------------------------------------------------
def test_the_guide_reads_in_document_order_with_its_headings_lists_and_tables() -> None:
    loaded = load_bytes(guide_docx(), "guide.docx")
    text = loaded.text
    assert loaded.format == "docx"
    assert text.startswith("# Guide de la médiathèque\n\n# Horaires d'ouverture\n\nLa médiathèque ouvre à 9 h 30")
    assert "\n\n## Les salles de travail\n\n" in text and "\n\n# Contact\n\n" + CONTACT in text
    positions = [text.index(f" {entry}\n") for entry in TOC_ENTRIES]
    assert positions == sorted(positions)  # document order
    for entry in TOC_ENTRIES:  # each heading once: the table of contents is gone
        assert text.count(entry) == 1, entry
    assert "Table des matières" not in text and "\t" not in text
    assert HEADER_TEXT not in text and FOOTER_TEXT not in text  # page chrome lives in other parts
    assert "- Prêt de livres : trois semaines\n- Prêt de disques et de films : deux semaines\n- Prêt de liseuses" in text
    assert "| Abonnement | Prix annuel |\n| --- | --- |\n| Adulte | 15 € |\n| Étudiant | gratuit |" in text
    assert "Salle: Salle Élorn\nÉtage: 3e étage\nPlaces: 26\nÉquipement: bornes d'écoute" in text
    assert "\n\n\n" not in text  # empty paragraphs leave nothing


def test_a_table_of_contents_goes_whichever_way_word_marks_it() -> None:
    document = docx.Document()
    document.styles.add_style("toc 2", WD_STYLE_TYPE.PARAGRAPH).style_id = "TOC2"
    document.add_paragraph("Sommaire")
    document.add_paragraph("Entrée stylée\t4", style="toc 2")  # a "TOC n" style, no field
    # A TOC field whose entries have the Normal style (the field alone marks them).
    _append(document, '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> TOC \\o "1-3" </w:instrText></w:r>'
                      '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>Entrée de champ</w:t></w:r></w:p>')
    _append(document, '<w:p><w:r><w:t>Seconde entrée de champ</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')
    # Word's own wrapper: a "Table of Contents" content control.
    _append(document, f'<w:sdt {nsdecls("w")}><w:sdtPr><w:docPartObj><w:docPartGallery w:val="Table of Contents"/>'
                      '<w:docPartUnique/></w:docPartObj></w:sdtPr><w:sdtContent><w:p><w:r><w:t>Entrée encadrée</w:t></w:r></w:p>'
                      '</w:sdtContent></w:sdt>')
    # Any other content control is content.
    _append(document, f'<w:sdt {nsdecls("w")}><w:sdtPr><w:alias w:val="Résumé"/></w:sdtPr><w:sdtContent>'
                      '<w:p><w:r><w:t>Le résumé du rapport tient en une phrase.</w:t></w:r></w:p></w:sdtContent></w:sdt>')
    _append(document, '<w:p><w:fldSimple w:instr=" TOC \\o "><w:r><w:t>Entrée simple</w:t></w:r></w:fldSimple></w:p>')
    document.add_paragraph("Le corps du document commence ici.")
    assert _text(document) == "Le résumé du rapport tient en une phrase.\n\nLe corps du document commence ici."


def test_headings_come_from_styles_and_outline_levels() -> None:
    document = docx.Document()
    chapter = document.styles.add_style("Chapitre", WD_STYLE_TYPE.PARAGRAPH)
    chapter.element.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="0"/>'))
    derived = document.styles.add_style("Chapitre annexe", WD_STYLE_TYPE.PARAGRAPH)
    derived.base_style = chapter  # inherits the outline level
    french = document.styles["Heading 3"]  # as Word in French names it: id "Titre3", name "heading 3"
    french.style_id = "Titre3"
    outline = french.element.pPr.find(qn("w:outlineLvl"))
    outline.getparent().remove(outline)  # and without its outline level: the name says the level
    document.add_paragraph("Premier chapitre", style="Chapitre")
    document.add_paragraph("Du texte.")
    document.add_paragraph("Annexe A", style="Chapitre annexe")
    document.add_paragraph("Titre de niveau trois", style="heading 3")
    direct = document.add_paragraph("Niveau donné au paragraphe")
    direct._p.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="1"/>'))
    body = document.add_paragraph("Corps de texte malgré son style", style="Heading 2")
    body._p.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="9"/>'))  # "body text"
    assert _text(document) == (
        "# Premier chapitre\n\nDu texte.\n\n# Annexe A\n\n### Titre de niveau trois\n\n## Niveau donné au paragraphe"
        "\n\nCorps de texte malgré son style"
    )


def test_the_core_title_goes_on_top_only_without_a_title_of_the_body() -> None:
    document = docx.Document()
    document.core_properties.title = "Rapport annuel"
    document.add_heading("Introduction", 2)
    document.add_paragraph("Le rapport couvre l'année 2025.")
    assert _text(document).startswith("# Rapport annuel\n\n## Introduction\n\n")
    title = document.add_paragraph("Rapport annuel 2025", style="Title")
    document.element.body.insert(0, title._p)  # a Title paragraph first
    assert _text(document).startswith("# Rapport annuel 2025\n\n## Introduction")


def test_lists_numbered_and_bulleted_are_lines_of_one_paragraph_each() -> None:
    document = docx.Document()
    for text in ("Ouvrir le capot", "Vérifier l'huile", "Refermer"):
        document.add_paragraph(text, style="List Number")
    document.add_paragraph("Outils :")
    for text in ("une clé", "un chiffon"):
        document.add_paragraph(text, style="List Bullet")
    assert _text(document) == "1. Ouvrir le capot\n2. Vérifier l'huile\n3. Refermer\n\nOutils :\n\n- une clé\n- un chiffon"


def test_hidden_and_deleted_text_is_not_read_inserted_text_is() -> None:
    document = docx.Document()
    paragraph = document.add_paragraph("Visible ")
    paragraph.add_run("caché ").font.hidden = True
    paragraph.add_run("et lisible.")
    _append(document, '<w:p><w:r><w:t xml:space="preserve">Le prix est </w:t></w:r><w:del w:id="1" w:author="A"><w:r>'
                      '<w:delText>12 €</w:delText></w:r></w:del><w:ins w:id="2" w:author="A"><w:r><w:t>15 €</w:t></w:r></w:ins>'
                      '<w:r><w:t>.</w:t></w:r></w:p>')
    assert _text(document) == "Visible et lisible.\n\nLe prix est 15 €."


def test_tables_without_a_header_row_and_layout_tables() -> None:
    document = docx.Document()
    document.add_table(rows=2, cols=2)  # a table without text leaves nothing
    plain = document.add_table(rows=2, cols=2)
    look = plain._tbl.tblPr.find(qn("w:tblLook"))  # Word's "Header Row" and "First Column" options off
    look.set(qn("w:firstRow"), "0")
    look.set(qn("w:firstColumn"), "0")
    for r, (a, b) in enumerate([("Lundi", "fermé"), ("Mardi", "9 h – 18 h")]):
        plain.rows[r].cells[0].text, plain.rows[r].cells[1].text = a, b
    marked = document.add_table(rows=3, cols=2)  # "Repeat as header row" marks the header, whatever the look
    marked._tbl.tblPr.find(qn("w:tblLook")).set(qn("w:firstRow"), "0")
    marked.rows[0]._tr.get_or_add_trPr().append(parse_xml(f'<w:tblHeader {nsdecls("w")}/>'))
    for r, (a, b) in enumerate([("Jour", "Atelier"), ("Samedi", "Reliure"), ("Dimanche", "Calligraphie")]):
        marked.rows[r].cells[0].text, marked.rows[r].cells[1].text = a, b
    merged_down = document.add_table(rows=3, cols=2)  # a vertically merged cell belongs to each of its rows
    for r, (a, b) in enumerate([("Ville", "Marché"), ("Quimper", "mercredi"), ("", "samedi")]):
        merged_down.rows[r].cells[0].text, merged_down.rows[r].cells[1].text = a, b
    merged_down.cell(1, 0).merge(merged_down.cell(2, 0))
    box = document.add_table(rows=1, cols=1)  # a one-cell frame around text: layout
    box.rows[0].cells[0].text = "Un encadré."
    box.rows[0].cells[0].add_paragraph("Sa deuxième phrase.")
    merged = document.add_table(rows=2, cols=3)
    merged.rows[0].cells[0].text, merged.rows[0].cells[1].text, merged.rows[0].cells[2].text = "Nom", "Tél.", "Ville"
    merged.rows[1].cells[0].text = "Accueil"
    merged.rows[1].cells[1].merge(merged.rows[1].cells[2]).text = "02 98 00 00 00"
    assert _text(document) == (
        "Lundi | fermé\nMardi | 9 h – 18 h\n\n"
        "| Jour | Atelier |\n| --- | --- |\n| Samedi | Reliure |\n| Dimanche | Calligraphie |\n\n"
        "| Ville | Marché |\n| --- | --- |\n| Quimper | mercredi |\n| Quimper | samedi |\n\nUn encadré.\n\nSa deuxième phrase.\n\n"
        "| Nom | Tél. | Ville |\n| --- | --- | --- |\n| Accueil | 02 98 00 00 00 |   |"
    )


# --- refused files: one line, never a traceback ------------------------------------------------
def test_a_corrupt_docx_gives_a_one_line_reason() -> None:
    for data in (b"PK\x03\x04 not really", b"not a zip at all"):
        reason = _reason(data)
        assert reason.startswith("unreadable .docx (corrupt, or not a Word document): ") and "\n" not in reason
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("notes.txt", "pas un document Word")
    assert _reason(archive.getvalue()).startswith("unreadable .docx (corrupt, or not a Word document): ")
    assert _reason(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512).startswith("an old Word .doc or a password-protected .docx")
    assert _reason(_bytes(docx.Document())) == "no text content"


def _rezipped(change) -> bytes:  # noqa: ANN001
    """The guide with each part passed through ``change(name, data)``."""
    source, out = zipfile.ZipFile(io.BytesIO(guide_docx())), io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():
            archive.writestr(info.filename, change(info.filename, source.read(info.filename)))
    return out.getvalue()


_DEEP = b"<w:sdt><w:sdtContent>" * 300 + b"<w:p><w:r><w:t>profond</w:t></w:r></w:p>" + b"</w:sdtContent></w:sdt>" * 300


@pytest.mark.parametrize("damage", [
    lambda: guide_docx()[:6000],  # cut short
    lambda: _rezipped(lambda name, data: data[: len(data) // 2] if name == "word/document.xml" else data),
    lambda: _rezipped(lambda name, data: b"<w:styles" if name == "word/styles.xml" else data),
    lambda: _rezipped(lambda name, data: data.replace(b"<w:body>", b"<w:body>" + _DEEP) if name == "word/document.xml" else data),
], ids=["truncated", "broken-body-xml", "broken-styles", "nested-too-deep"])
def test_a_damaged_docx_gives_a_one_line_reason(damage) -> None:  # noqa: ANN001
    reason = _reason(damage())
    assert reason.startswith("unreadable .docx (corrupt, or not a Word document): ") and "\n" not in reason
    assert len(reason) < 180


def test_a_docx_that_unpacks_to_too_much_is_refused_before_unpacking() -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"\0" * 50_000_000)
    assert len(archive.getvalue()) < 100_000
    reason = _reason(archive.getvalue(), Limits(max_chars=1_000_000))
    assert reason == ".docx unpacks to 50M bytes; the limit is 41M, set ASSISTANT_MAX_FILE_CHARS to raise it"
    many = docx.Document()
    many.add_paragraph("mot " * 3000)
    assert "set ASSISTANT_MAX_FILE_CHARS" in _reason(_bytes(many), Limits(max_chars=5000))


# --- chunks ------------------------------------------------------------------------------------
def test_guide_chunks_hold_content_with_their_section_titles_and_rows_carry_their_header() -> None:
    nodes = _chunks(load_bytes(guide_docx(), "guide.docx").text)
    texts = [n.get_content() for n in nodes]
    headings = {h.casefold() for h in [*TOC_ENTRIES, "Guide de la médiathèque", "Table des matières"]}
    assert [t for t in texts if chunk_kind(t, headings) != "ok"] == []
    assert all(HEADER_TEXT not in t and FOOTER_TEXT not in t for t in texts)
    facts = PageFacts(tables=[([h.casefold() for h in SMALL_HEADER], [[c.casefold() for c in r] for r in SMALL_ROWS]),
                              ([h.casefold() for h in WIDE_HEADER], [[c.casefold() for c in r] for r in WIDE_ROWS])])
    assert rows_with_header(facts, texts) == (14, 14)
    small = [t for t in texts if "| Abonnement | Prix annuel |" in t]
    assert len(small) == 1 and "| Étudiant | gratuit |" in small[0]  # the small table stays whole
    titles = {n.metadata["title"] for n in nodes}  # the document's own headings (a title with no body joins the next)
    assert titles == {"Guide de la médiathèque — Horaires d'ouverture", "Tarifs des abonnements", "Les salles de travail", "Contact"}
    assert next(n for n in nodes if "Maëlle Le Goff" in n.get_content()).metadata["title"] == "Contact"


@pytest.fixture
def hash_bot(tmp_path: Path) -> Assistant:
    settings = make_settings(tmp_path / "data")
    return Assistant(settings, components=Components(settings, embed_model=HashEmbedding()))


def test_a_docx_ingests_into_chroma_like_the_other_formats(hash_bot: Assistant, tmp_path: Path) -> None:
    folder = write_corpus(tmp_path / "docs")
    (folder / "guide.docx").write_bytes(guide_docx())
    report = hash_bot.ingest(folder, show_progress=False)
    got = {f.source: f for f in report.files}
    assert got["guide.docx"].status == "added" and got["guide.docx"].chunks >= 5
    nodes = [n for n in hash_bot._components.store.all_nodes() if n.metadata["source"] == "guide.docx"]
    assert len(nodes) == got["guide.docx"].chunks and {n.metadata["format"] for n in nodes} == {"docx"}
    contact = next(n for n in nodes if "Maëlle Le Goff" in n.get_content())
    assert contact.metadata["title"] == "Contact"
    source = hash_bot.source_text("guide.docx")  # what the viewer shows
    assert source[contact.metadata["start_char"]: contact.metadata["end_char"]].endswith("du mardi au samedi.")
    assert "Contact" in {t for d in hash_bot.documents() if d.source == "guide.docx" for t in d.titles}
    assert any("Salle: Salle Odet" in n.get_content() and "Équipement: postes informatiques" in n.get_content() for n in nodes)
    # The same file corrupted: a one-line reason, and the version stored before is kept.
    (folder / "guide.docx").write_bytes(b"PK\x03\x04 not really")
    again = {f.source: f for f in hash_bot.ingest(folder, show_progress=False).files}["guide.docx"]
    assert again.status == "failed" and "\n" not in again.reason
    assert again.reason.startswith("unreadable .docx (corrupt, or not a Word document): ") and "previous version kept" in again.reason
    assert "Maëlle Le Goff" in hash_bot.source_text("guide.docx")


def test_load_file_reads_a_docx_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "Guide Médiathèque.DOCX"
    path.write_bytes(guide_docx())
    assert load_file(path).text.endswith(CONTACT)
