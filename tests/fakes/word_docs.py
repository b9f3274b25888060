"""Real Word documents built with python-docx for the .docx tests: a French library guide with the
parts a reader skips (a table of contents as Word writes it, the page header and footer) and the
parts that must keep their meaning (headings, a list, a small table, a wide 12-row table)."""

from __future__ import annotations

import io
from pathlib import Path

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

HEADER_TEXT = "Médiathèque de Quimperlé — document interne"
FOOTER_TEXT = "Page 1 sur 3 — mise à jour de septembre"
TOC_ENTRIES = ["Horaires d'ouverture", "Tarifs des abonnements", "Les salles de travail", "Contact"]
SMALL_HEADER = ["Abonnement", "Prix annuel"]
SMALL_ROWS = [["Adulte", "15 €"], ["Étudiant", "gratuit"]]
WIDE_HEADER = ["Salle", "Étage", "Places", "Équipement", "Réservation", "Remarque"]
WIDE_ROWS = [
    [f"Salle {name}", f"{1 + i % 3}e étage", str(4 + 2 * i), equipment, f"{('lundi', 'mardi', 'jeudi')[i % 3]} matin",
     f"La salle {name} convient aux groupes de {2 + i} personnes."]
    for i, (name, equipment) in enumerate([
        ("Aulne", "vidéoprojecteur"), ("Ellé", "tableau blanc"), ("Isole", "écran tactile"), ("Laïta", "piano droit"),
        ("Odet", "postes informatiques"), ("Scorff", "imprimante 3D"), ("Blavet", "table lumineuse"),
        ("Steir", "micro et enceintes"), ("Jet", "machine à coudre"), ("Goyen", "lecteur de microfilms"),
        ("Trieux", "visioconférence"), ("Élorn", "bornes d'écoute"),
    ])
]
CONTACT = ("La responsable de l'accueil de la médiathèque de Quimperlé est Maëlle Le Goff ; "
           "on la joint au 02 98 39 12 34 du mardi au samedi.")


def _toc_field(document: docx.document.Document, entries: list[str]) -> None:
    """A table of contents as Word writes it: a TOC field whose result is one "TOC 1" paragraph per
    heading, each with its page number in a PAGEREF field nested inside."""
    for i, entry in enumerate(entries):
        begin = (
            f'<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> TOC \\o "1-3" \\h \\z \\u </w:instrText></w:r>'
            f'<w:r><w:fldChar w:fldCharType="separate"/></w:r>' if i == 0 else ""
        )
        end = '<w:r><w:fldChar w:fldCharType="end"/></w:r>' if i == len(entries) - 1 else ""
        xml = (
            f'<w:p {nsdecls("w")}><w:pPr><w:pStyle w:val="TOC1"/></w:pPr>{begin}'
            f'<w:r><w:t xml:space="preserve">{entry}</w:t></w:r><w:r><w:tab/></w:r>'
            f'<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGEREF _Toc{i} \\h </w:instrText></w:r>'
            f'<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>{i + 2}</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>'
            f"{end}</w:p>"
        )
        document.element.body.append(parse_xml(xml))
    document.element.body.append(document.element.body.sectPr)  # the section properties stay last


def _table(document: docx.document.Document, header: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1 + len(rows), cols=len(header))
    for r, values in enumerate([header, *rows]):
        for c, value in enumerate(values):
            table.rows[r].cells[c].text = value


def guide_docx() -> bytes:
    """The library guide (see the module docstring) as .docx bytes."""
    document = docx.Document()
    document.core_properties.title = "Guide de la médiathèque"
    section = document.sections[0]
    section.header.paragraphs[0].text = HEADER_TEXT
    section.footer.paragraphs[0].text = FOOTER_TEXT
    toc_style = document.styles.add_style("toc 1", WD_STYLE_TYPE.PARAGRAPH)
    toc_style.style_id = "TOC1"  # the id Word gives its built-in "toc 1" style
    document.add_paragraph("Guide de la médiathèque", style="Title")
    document.add_paragraph("Table des matières", style="TOC Heading")
    _toc_field(document, TOC_ENTRIES)
    document.add_paragraph("")
    document.add_heading(TOC_ENTRIES[0], 1)
    document.add_paragraph("La médiathèque ouvre à 9 h 30 du mardi au samedi et ferme à 18 h, "
                           "sauf le mercredi où elle reste ouverte jusqu'à 19 h.")
    for item in ("Prêt de livres : trois semaines", "Prêt de disques et de films : deux semaines",
                 "Prêt de liseuses : un mois, sur réservation"):
        document.add_paragraph(item, style="List Bullet")
    document.add_heading(TOC_ENTRIES[1], 1)
    document.add_paragraph("L'abonnement donne accès au prêt et aux salles de travail.")
    _table(document, SMALL_HEADER, SMALL_ROWS)
    document.add_heading(TOC_ENTRIES[2], 2)
    document.add_paragraph("Les salles se réservent à l'accueil ou par téléphone, une semaine à l'avance.")
    _table(document, WIDE_HEADER, WIDE_ROWS)
    document.add_heading(TOC_ENTRIES[3], 1)
    document.add_paragraph(CONTACT)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def write_guide(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(guide_docx())
    return path
