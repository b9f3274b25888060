"""The example questions are answerable from the bundled corpus (their evidence is in it)."""

from __future__ import annotations

from pathlib import Path

from ui.examples import EVIDENCE, EXAMPLES, questions

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def test_examples_cover_french_and_english():
    assert {lang for lang, _ in EXAMPLES} == {"fr", "en"}
    assert len(questions()) == len(EVIDENCE) == len(set(questions()))


def test_each_example_has_its_evidence_in_the_corpus():
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt")))
    for question, words in zip(questions(), EVIDENCE):
        missing = [w for w in words if w not in text]
        assert not missing, f"{question!r}: {missing} not in the corpus"
