"""Distinct upload names stay distinct (issue 12): the pairs that used to collide, through the
Corpus tab's upload handler and a real Assistant, each answerable afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.api import Assistant
from tests.conftest import make_settings
from ui import corpus

LONG = "Procès-verbal de la réunion annuelle du conseil d'administration de la coopérative Orion, séance "
LONG_2022, LONG_2023 = ((LONG + f"du 14 mars {y} — version finale")[:116] + ".txt" for y in (2022, 2023))
assert len(LONG_2022) == len(LONG_2023) == 120 and LONG_2022[:100] == LONG_2023[:100] != LONG_2022

# (name, a sentence only that file holds, a question about it)
PAIRS = [
    ("报告.txt", "Le rapport Kestrel chiffre le budget du phare à 41 millions d'euros.", "Quel est le budget du phare selon le rapport Kestrel ?"),
    ("数据.txt", "Les données Vireo comptent 7 300 ruches sur le plateau.", "Combien de ruches comptent les données Vireo ?"),
    ("café.txt", "Le café Brunel ouvre à 6 h 30 chaque matin.", "À quelle heure ouvre le café Brunel ?"),
    ("cafe.txt", "La cafétéria Ostrander ferme à 22 h le samedi.", "À quelle heure ferme la cafétéria Ostrander le samedi ?"),
    ("résumé.md", "# Résumé\n\nMarguerite Lantier a dirigé l'observatoire Quillon de 2004 à 2011.", "Qui a dirigé l'observatoire Quillon ?"),
    ("resume.md", "# Resume\n\nThe Tallis relay station was rebuilt in 1987 after the flood.", "When was the Tallis relay station rebuilt?"),
    (LONG_2022, "En 2022, le conseil a voté l'achat de 12 tracteurs Garnier.", "Combien de tracteurs Garnier le conseil a-t-il votés en 2022 ?"),
    (LONG_2023, "En 2023, le conseil a voté la vente du moulin de Saint-Aubrac.", "Qu'a voté le conseil en 2023 à propos du moulin ?"),
]


@pytest.fixture
def bot(tmp_path: Path, embed_model) -> Assistant:
    from assistant.components import Components

    settings = make_settings(tmp_path / "data")
    return Assistant(settings, components=Components(settings, embed_model=embed_model))


def test_colliding_names_stay_distinct_and_each_document_answers(bot, tmp_path):
    files = []
    for i, (name, text, _) in enumerate(PAIRS):
        folder = tmp_path / "gradio" / str(i)  # Gradio keeps each upload in its own folder
        folder.mkdir(parents=True)
        (folder / name).write_text(text + "\n", encoding="utf-8")
        files.append(str(folder / name))
    table, status = corpus.upload(bot, files)

    stored = sorted(p.name for p in bot.settings.uploads_dir.iterdir())
    assert len(stored) == len(PAIRS), stored
    assert f"{len(PAIRS)} added" in status and "0 changed" in status, status
    assert "was stored as" in status and "another upload already has the name" in status  # said so
    assert {"报告.txt", "数据.txt", "café.txt", "cafe.txt", "résumé.md", "resume.md"} <= set(stored)
    assert [row[1] for row in table["data"]] == ["added"] * len(PAIRS)

    sources = {}
    for name, text, question in PAIRS:
        answer = bot.ask(question)
        assert answer.citations, (name, answer.text)
        sources[name] = answer.citations[0].source
        assert text.split("\n")[-1].split(",")[0][:30] in bot.source_text(sources[name], str(bot.settings.uploads_dir))
    assert len(set(sources.values())) == len(PAIRS), sources


def test_uploading_the_same_name_again_replaces_it(bot, tmp_path):
    for version in ("un", "deux"):
        folder = tmp_path / version
        folder.mkdir()
        (folder / "notes du jour.txt").write_text(f"Version {version} des notes du jour.\n", encoding="utf-8")
        table, status = corpus.upload(bot, [str(folder / "notes du jour.txt")])
        assert "was stored as" not in status
    assert [p.name for p in bot.settings.uploads_dir.iterdir()] == ["notes_du_jour.txt"]
    assert "deux" in (bot.settings.uploads_dir / "notes_du_jour.txt").read_text(encoding="utf-8")
