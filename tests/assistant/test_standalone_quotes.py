"""Quotes that stand alone (issue 22): a quoted sentence that points back ("cette entrée", "this
file", "Il") is quoted with the sentence before it, which holds what it points to."""

from __future__ import annotations

import pytest

from assistant.extractive import extract, refers_back

SOURCES = (
    "Le miroir principal est deb.debian.org, joignable partout. L'installateur ajoute cette entrée au "
    "fichier sources.list pendant l'installation.\n\nLes autres miroirs sont listés sur le site."
)


def test_a_quote_that_points_back_brings_its_antecedent() -> None:
    quotes = extract("Quelle entrée l'installateur ajoute-t-il au fichier sources.list ?", [SOURCES]).quotes
    assert quotes[0].text.startswith("Le miroir principal est deb.debian.org")
    assert quotes[0].text.endswith("pendant l'installation.")
    assert SOURCES[quotes[0].start : quotes[0].end] == quotes[0].text  # the citation span grows with it


def test_the_antecedent_never_comes_from_another_paragraph() -> None:
    text = "Le miroir principal est deb.debian.org.\n\nCette entrée est ajoutée au fichier sources.list."
    quotes = extract("Quelle entrée est ajoutée au fichier sources.list ?", [text]).quotes
    assert quotes[0].text == "Cette entrée est ajoutée au fichier sources.list."


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Cette entrée est ajoutée par l'installateur.", True),
        ("Ce fichier contient la liste des miroirs.", True),
        ("Il contient la liste des miroirs.", True),
        ("The installer adds this entry to the file.", True),
        ("It is installed by default.", True),
        ("Il faut ensuite redémarrer.", False),
        ("Il y a trois miroirs.", False),
        ("Ce que vous installez reste en place.", False),
        ("Debian est un système libre.", False),
    ],
)
def test_what_points_back(sentence: str, expected: bool) -> None:
    assert refers_back(sentence) is expected
