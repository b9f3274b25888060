"""Unit tests of the French-aware normalisation and the judge-free metrics."""

from __future__ import annotations

import pytest

from eval import metrics as m
from eval.normalize import content_words, contains_phrase, normalize, tokens


# --- normalisation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("L’Été à Genève", "ete geneve"),  # "à" folds to "a", which the English article list drops
        ("le chat, la souris et les oiseaux", "chat souris et oiseaux"),
        ("l'homme d’État", "homme etat"),
        ("une ville, des villes, du pain, de l'eau", "ville villes pain eau"),
        ("The cat and a dog, an owl", "cat and dog owl"),
        ("Ça «marche» !", "ca marche"),
    ],
)
def test_normalize_french_and_english(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize("variant", ["160 000", "160\u00a0000", "160\u202f000", "160,000", "160.000", "160000"])
def test_number_formats_become_one_token(variant: str) -> None:
    assert tokens(f"{variant} visiteurs") == ["160000", "visiteurs"]


def test_numbers_are_not_glued_wrongly() -> None:
    assert tokens("en 2018, 2019 et 2020") == ["en", "2018", "2019", "et", "2020"]
    assert tokens("3,5 % et 3.5 %") == ["3.5", "et", "3.5"]
    assert tokens("1 234 567 euros") == ["1234567", "euros"]
    assert tokens("en 2020 300 personnes") == ["en", "2020", "300", "personnes"]


def test_content_words_drop_stopwords_and_markers() -> None:
    assert content_words("La musique du film a été composée par Jean [2].") == ["musique", "film", "composee", "jean"]


def test_contains_phrase_is_token_aligned() -> None:
    assert contains_phrase("Il a reçu 160 000 €.", "160,000")
    assert not contains_phrase("Il a 20160 euros", "160")


# --- retrieval -----------------------------------------------------------------------------


def test_hit_and_mrr_at_file_level() -> None:
    sources = ["a.txt", "a.txt", "sub/b.txt", "c.txt"]
    assert m.source_ranking(sources) == ["a.txt", "b.txt", "c.txt"]
    assert m.hit_at_k(sources, ["b.txt"], 1) == 0.0
    assert m.hit_at_k(sources, ["corpus/b.txt"], 2) == 1.0
    assert m.reciprocal_rank(sources, ["b.txt"]) == 0.5
    assert m.reciprocal_rank(sources, ["z.txt"]) == 0.0
    assert m.hit_at_k(sources, [], 3) is None and m.reciprocal_rank(sources, []) is None


def test_evidence_recall_checks_each_passage() -> None:
    facts = [["Jean Dupont", "Dupont"], ["160 000"], ["2019"]]
    context = ["La musique est de Jean Dupont.", "Il y a eu 160,000 visiteurs."]
    assert m.evidence_recall(facts, context) == pytest.approx(2 / 3)
    assert m.evidence_recall([], context) is None


def test_context_tokens_counts_cl100k_tokens() -> None:
    small = m.context_tokens(["Bonjour le monde"])
    assert 0 < small < m.context_tokens(["Bonjour le monde"] * 3)
    assert m.context_tokens([]) == 0


# --- answers -------------------------------------------------------------------------------


def test_key_fact_recall_accepts_variants_and_ignores_markers() -> None:
    facts = [["Jean Dupont"], ["160 000", "cent soixante mille"]]
    assert m.key_fact_recall(facts, "C'est Jean [1] Dupont.") == 0.5  # marker removed, phrase rejoined
    assert m.key_fact_recall(facts, "Jean Dupont ; 160.000 entrées [2].") == 1.0
    assert m.key_fact_recall([], "x") is None


def test_token_f1() -> None:
    assert m.token_f1("Le Président", "président") == 1.0
    assert m.token_f1("Jean Dupont [1].", "Jean Dupont") == 1.0
    assert m.token_f1("Jean Martin", "Jean Dupont") == pytest.approx(0.5)
    assert m.token_f1("rien", "Jean Dupont") == 0.0
    assert m.token_f1("x", "") is None


def test_split_sentences_keeps_trailing_markers() -> None:
    text = "Première phrase [1]. Deuxième phrase. [2] Troisième ?[1, 3]\n- une puce [2]\n[3]"
    assert m.split_sentences(text) == ["Première phrase [1].", "Deuxième phrase. [2]", "Troisième ?[1, 3]", "- une puce [2]"]
    assert m.cited_numbers("a [1, 3] b [2][4]") == [1, 3, 2, 4]


def test_citation_validity() -> None:
    assert m.citation_validity("A [1]. B [4].", {1, 2}) == 0.5
    assert m.citation_validity("A [1][2].", {1, 2}) == 1.0
    assert m.citation_validity("Pas de citation.", {1}) is None


PASSAGES = {
    1: "La musique du film 2050 a été composée par Jean Dupont en 2018.",
    2: "Le festival de Lausanne a accueilli 160 000 visiteurs.",
}


def test_citation_precision_quote_and_overlap() -> None:
    quote = "« La musique du film 2050 a été composée par Jean Dupont » [1]."
    assert m.citation_precision(quote, PASSAGES) == 1.0
    paraphrase = "Jean Dupont a composé la musique du film [1]."  # content words all in passage 1
    assert m.citation_precision(paraphrase, PASSAGES) == 1.0
    wrong_passage = "Jean Dupont a composé la musique du film [2]."
    assert m.citation_precision(wrong_passage, PASSAGES) == 0.0
    invalid = "Jean Dupont a composé la musique [7]."
    assert m.citation_precision(invalid, PASSAGES) == 0.0
    assert m.citation_precision("Rien de cité.", PASSAGES) is None


def test_citation_precision_threshold() -> None:
    half = "Jean Dupont adore les chats siamois [1]."  # 2 of 5 content words in passage 1
    assert m.support(half, PASSAGES[1]) == pytest.approx(0.4)
    assert m.citation_precision(half, PASSAGES) == 0.0
    assert m.citation_precision(half, PASSAGES, threshold=0.4) == 1.0


def test_citation_precision_counts_each_sentence_marker_pair() -> None:
    text = "Jean Dupont a composé la musique [1][2]. Il y a eu 160 000 visiteurs [2]."
    assert m.citation_precision(text, PASSAGES) == pytest.approx(2 / 3)


def test_citation_recall() -> None:
    text = "Première affirmation [1]. Deuxième sans source. Troisième [9]."
    assert m.citation_recall(text, {1, 2}) == pytest.approx(1 / 3)
    assert m.citation_recall("", {1}) is None


# --- abstention, aggregation ---------------------------------------------------------------


def test_abstention_stats() -> None:
    stats = m.abstention_stats([False, False, True, True, True, True], [True, False, False, False, True, False])
    assert stats.accuracy == 0.5 and stats.false_rate == 0.25
    assert (stats.unanswerable, stats.answerable) == (2, 4)
    none = m.abstention_stats([True], [False])
    assert none.accuracy is None and none.false_rate == 0.0


def test_percentile_and_mean() -> None:
    assert m.percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert m.percentile([0.0, 10.0], 95) == pytest.approx(9.5)
    assert m.percentile([], 50) is None
    assert m.mean([1.0, None, 0.0]) == 0.5 and m.mean([None]) is None


EXTRACTIVE = (
    "D’après le corpus : « La musique du film 2050 a été composée par Jean Dupont en 2018. » [1]"
    " « Le festival de Lausanne a accueilli 160 000 visiteurs » [2]"
)


def test_extractive_answer_format() -> None:
    """The offline answerer frames verbatim quotes: each quote is one claim with its own marker."""
    assert m.split_sentences(EXTRACTIVE) == [
        "D’après le corpus : « La musique du film 2050 a été composée par Jean Dupont en 2018. » [1]",
        "« Le festival de Lausanne a accueilli 160 000 visiteurs » [2]",
    ]
    assert m.citation_precision(EXTRACTIVE, PASSAGES) == 1.0
    assert m.citation_recall(EXTRACTIVE, PASSAGES) == 1.0
    swapped = EXTRACTIVE.replace("[1]", "[9]").replace("[2]", "[1]")
    assert m.citation_precision(swapped, PASSAGES) == 0.0


def test_quote_not_in_passage_falls_back_to_overlap() -> None:
    english = "According to the corpus (quoted in French): “La musique du film 2050 est de Jean Dupont” [1]"
    assert m.support(english, PASSAGES[1]) >= m.SUPPORT_THRESHOLD  # not verbatim, but the words are there
    assert m.support("“Un texte inventé de toutes pièces” [2]", PASSAGES[2]) == 0.0


# --- stated facts against the cited passage ---------------------------------------------------


FACT_PASSAGES = {1: "Le festival de Lausanne a accueilli 160 000 visiteurs en 2019.", 2: "Le port par défaut n'est pas indiqué."}


@pytest.mark.parametrize(
    ("answer", "unheld"),
    [
        ("Le festival a accueilli 160,000 visiteurs en 2019 [1].", []),
        ("Le festival a accueilli 180 000 visiteurs en 2019 [1].", ["180000"]),
        ("Le port par défaut est 8080 [2].", ["8080"]),
        ("Le festival de Lausanne a eu lieu en 2019 [2].", ["2019", "lausanne"]),  # the wrong passage is cited
        ("Il a accueilli 160 000 visiteurs. Le tout en 2019 [1].", []),  # one marker at the end covers the paragraph
        ("« Le festival ? ». » [1] « Il a accueilli 160 000 visiteurs » [1]", []),  # a quote split at its "?"
        ("Le festival a accueilli 160 000 visiteurs.", ["160000"]),  # cites nothing: nothing holds it
    ],
)
def test_unheld_facts(answer: str, unheld: list[str]) -> None:
    assert [fact.key for fact, _ in m.unheld_facts(answer, FACT_PASSAGES)] == unheld
    assert m.unheld_fact_rate(answer, FACT_PASSAGES) == (1.0 if unheld else 0.0)


def test_the_corpus_overview_count_is_not_a_passage_fact():
    # "48 articles in 5 documents" is counted from the index, not stated by passage [1]; a number in a quote still is.
    passages = {1: "La présence sur les ronds-points d'une forte proportion de femmes a frappé les observateurs."}
    assert m.unheld_facts("The corpus holds 48 articles in 5 documents; the main ones: “La présence sur les ronds-points "
                        "d'une forte proportion de femmes a frappé les observateurs.” [1]", passages) == []
    assert m.unheld_facts("Le corpus compte 48 articles dans 5 documents ; les principaux : « 12 femmes ont frappé les "
                        "observateurs. » [1]", passages)
