"""Three tiny articles (French and English) used by the sync and reliability tests."""

from __future__ import annotations

from pathlib import Path

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
