"""Integrity of eval/questions_debian_docs.yaml against the debian-docs corpus built from the Debian packages.

Quotes are checked against each page's visible text computed here, independently of the assistant's HTML
loader: <head>, scripts and styles dropped, block tags as a space, other tags removed, entities decoded,
then the light normalisation of test_questions_file (NFKC, ’ -> ', non-breaking spaces, whitespace runs).
"""

from __future__ import annotations

import html
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest

from eval.corpora import get, selected_files
from eval.dataset import load_questions
from tests.eval.test_questions_file import fold, looks_french, normalise

CORPUS = get("debian-docs")
QUESTIONS = load_questions(CORPUS.questions)
BLOCK = r"p|div|br|li|ul|ol|dl|dt|dd|td|th|tr|table|h[1-6]|pre|hr|title|blockquote|tbody|thead|caption"

# What each tricky question asks for, searched in every page (French and English wording): none may be there.
ABSENT = {
    "dd-ut01": ["3142", "port par défaut", "default port", "port d'apt-cacher"],
    "dd-ut02": ["mort", "décédé", "died", "death of"],
    "dd-ut03": ["quotidiennement", "daily", "chaque jour", "une fois par jour", "hebdomadaire", "weekly", "toutes les heures", "every hour"],
    "dd-ut04": ["mégaoctet", "megabyte", "taille de l'image", "image size", "size of the image"],
    "dd-ut05": ["Knopper", "créé Knoppix", "created Knoppix"],
    "dd-ut06": ["Knoppix fonctionne sur", "Knoppix supports", "architectures de Knoppix"],
    "dd-ut07": ["1985", "fondée en", "founded in", "créée en"],
    "dd-ut08": ["BreakHoldScore is", "BreakHoldScore =", "BreakHoldScore:"],
    "dd-ut09": ["développeurs d'aptitude", "aptitude developers", "développent aptitude"],
    "dd-ut10": ["2023", "juin 2023", "June 2023"],
    "dd-ut11": ["Perens a quitté", "Perens left", "Perens stepped down", "1997"],
    "dd-ut12": ["employé de", "employed by", "works for", "travaille pour", "son employeur", "his employer"],
    "dd-ut13": ["gigaoctet", "gigabyte", "téraoctet", "terabyte"],
    "dd-ut14": ["dollars", "USD", "euros", "prix de la certification", "price of the certification", "certification costs", "coûte"],
    "dd-ut15": ["SPI was founded", "founded in", "fondée en", "créée en", "1997", "1998"],
    "dd-ut16": ["Jonathan Carter", "Sam Hartman", "Chris Lamb", "Debian Project Leader", "chef du projet", "actuel responsable du projet", "current project leader"],
    "dd-ut17": ["number of mirrors", "nombre de miroirs", "mirrors worldwide", "miroirs dans le monde", "mirrors around the world", "miroirs répartis"],
    "dd-ut18": ["gcc-10", "gcc 10", "gcc10", "compilé avec gcc", "compiled with gcc", "version de gcc", "gcc version"],
    "dd-ut19": ["jfs@", "javier@", "sanguino@", "Peña <", "jfs at"],
    "dd-ut20": ["nombre de bogues ouverts", "number of open bugs", "bogues ouverts actuellement", "bugs are currently open", "open bugs", "bogues sont ouverts"],
    "dd-ut21": ["introduced in", "since version", "added in", "new in version", "introduit dans la version", "depuis la version", "ajouté dans"],
}


def visible_text(source: str) -> str:
    text = re.sub(r"(?is)<head\b.*?</head>|<script\b.*?</script>|<style\b.*?</style>|<!--.*?-->", " ", source)
    text = re.sub(rf"(?i)</?(?:{BLOCK})\b[^>]*>", " ", text)
    return normalise(html.unescape(re.sub(r"<[^>]+>", "", text)))


@lru_cache(maxsize=None)
def pages(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): visible_text(p.read_text(encoding="utf-8")) for p in sorted(folder.rglob("*.html"))}


def test_corpus_is_the_documented_selection(debian_docs_dir: Path) -> None:
    expected = {f"{part.target}/{p.name}" for part in CORPUS.parts for p in selected_files(part)}
    assert set(pages(debian_docs_dir)) == expected
    assert len(expected) == 37
    size = sum(map(len, pages(debian_docs_dir).values()))
    assert 200_000 < size < 400_000, f"{size} characters: the CI budget allows ~250-400k"


def test_counts_kinds_languages_and_split_rule() -> None:
    assert len(QUESTIONS) >= 70
    kinds = Counter(q.kind for q in QUESTIONS)
    assert all(kinds[k] >= 6 for k in ("overview", "followup", "multi_doc")) and kinds["single"] >= 30
    traps = Counter(q.trap for q in QUESTIONS if not q.answerable)
    assert traps["tricky"] >= 12 and traps["plain"] >= 8
    for kind in kinds:
        assert {q.lang for q in QUESTIONS if q.kind == kind} == {"fr", "en"}, kind
    for q in QUESTIONS:
        number = int(re.search(r"(\d+)$", q.id).group(1))
        assert q.split == ("dev" if number % 4 in (0, 1) else "test"), f"{q.id}: NN mod 4 = 0 or 1 is dev, 2 or 3 test"
    for split in ("dev", "test"):
        chosen = [q for q in QUESTIONS if q.split == split]
        assert len(chosen) >= 35 and sum(q.trap == "tricky" for q in chosen) >= 6 and sum(q.trap == "plain" for q in chosen) >= 4
        for kind in ("single", "overview", "followup", "multi_doc", "unanswerable"):
            assert {q.lang for q in chosen if q.kind == kind} == {"fr", "en"}, f"{split}: {kind} needs both languages"


def test_english_questions_about_french_text() -> None:
    about_french = [q.id for q in QUESTIONS if q.lang == "en" and any(looks_french(e.quote) for e in q.evidence)]
    assert len(about_french) >= 12, about_french


@pytest.mark.parametrize("question", [pytest.param(q, id=q.id) for q in QUESTIONS if q.answerable])
def test_quotes_are_visible_text_and_hold_the_key_facts(question, debian_docs_dir: Path) -> None:
    texts = pages(debian_docs_dir)
    for evidence in question.evidence:
        assert evidence.source in texts, f"{evidence.source} is not in the corpus"
        assert normalise(evidence.quote) in texts[evidence.source], f"quote not in {evidence.source}: {evidence.quote}"
    quotes = " ".join(fold(e.quote) for e in question.evidence)
    for variants in question.key_facts:
        assert any(fold(v) in quotes for v in variants), f"key fact {variants} is in no evidence quote"


@pytest.mark.parametrize("question", [pytest.param(q, id=q.id) for q in QUESTIONS if q.trap == "tricky"])
def test_tricky_questions_ask_what_the_corpus_does_not_say(question, debian_docs_dir: Path) -> None:
    everything = fold(" ".join(pages(debian_docs_dir).values()))
    assert question.id in ABSENT, "each tricky question lists the wording searched for"
    found = [term for term in ABSENT[question.id] if fold(term) in everything]
    assert not found, f"{question.id}: the corpus says {found}"
