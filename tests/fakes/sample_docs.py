"""Three tiny articles (French and English) used by the sync and reliability tests."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.hostile import assemble_pdf

ARTICLE_A = """Le film imaginaire

Le compositeur Aurélien Varga a écrit la bande originale du film imaginaire en 2021. Elle a été enregistrée à Lyon avec quarante musiciens.
"""
ARTICLE_B = """Energy report

The data centre in Reykjavik used 42 gigawatt-hours of electricity in 2022. Most of it came from geothermal plants.
"""
ARTICLE_C = """Les abeilles urbaines

Les ruches installées sur les toits de Lille produisent environ 300 kilos de miel par an.
"""


def write_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.txt").write_text(ARTICLE_A, encoding="utf-8")
    (folder / "b.md").write_text("# " + ARTICLE_B, encoding="utf-8")
    (folder / "sub").mkdir(exist_ok=True)
    (folder / "sub" / "c.txt").write_text(ARTICLE_C, encoding="utf-8")
    return folder


def text_pdf(pages: list[list[str]]) -> bytes:
    """A hand-written PDF: one Helvetica text line per string (Latin-1), one list of lines per page."""
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, lines in enumerate(pages):
        ops = ["BT", "/F1 12 Tf", "14 TL", "72 720 Td", *(f"({line}) Tj T*" for line in lines), "ET"]
        stream = "\n".join(ops).encode("latin-1")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    return assemble_pdf(objects)


# A four-page report (PDF tests): each page holds its own facts, so a passage has a known page.
REPORT_PAGES = [
    [
        "Annual report of the Norrland Lighthouse Society",
        "The Norrland Lighthouse Society looks after eleven historic lighthouses along the northern coast.",
        "It was founded in 1962 by a group of retired pilots and fishermen from Lulea and Pitea.",
        "Volunteers restore the towers, guide visitors in summer and keep the logbooks of each station.",
        "The society publishes this report every spring for its members and for the regional council.",
        "Membership rose again this year, mostly among young families who visit the islands by ferry.",
        "The board met six times and approved a new plan for the care of the wooden towers.",
        "Most of the work described below was done by volunteers during weekends and holidays.",
    ],
    [
        "The keepers",
        "The keeper of the Halvmane lighthouse in 2023 was Ingrid Solberg, a former ferry captain.",
        "She lived on the island from May to October and recorded the weather three times a day.",
        "Her assistant, Tomas Berg, repaired the fog bell and repainted the gallery railing.",
        "At the Storklack station the keeper's house was opened to visitors for the first time.",
        "Two new volunteers were trained to light the old paraffin lamp for the midsummer evening.",
        "The keepers reported that the seal colony near the northern reef had grown to forty animals.",
        "Every keeper now carries a satellite telephone, paid for by a gift from a local shipping firm.",
    ],
    [
        "Finances",
        "The society spent 81 400 euros repairing the lantern room roof of the Storklack lighthouse.",
        "The regional council paid half of this sum and members' donations covered the rest.",
        "Ticket sales for guided tours brought in 23 900 euros, slightly more than the year before.",
        "The ferry company offered free crossings to volunteers, which saved about 4 000 euros.",
        "Insurance for the eleven towers cost 6 200 euros, the same as in the previous year.",
        "The accounts were checked by an independent auditor from Umea in February.",
        "The society ends the year with a small surplus that will go to the restoration fund.",
    ],
    [
        "Plans for next year",
        "Next year the society will restore the wooden staircase of the Halvmane tower.",
        "A photography exhibition about the keepers will open in the Lulea library in June.",
        "The board also hopes to open a second keeper's house to overnight guests.",
    ],
]
