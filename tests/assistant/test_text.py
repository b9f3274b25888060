from core.text import content_terms, fold, guess_language, split_sentences, stemmer


def test_guess_language():
    assert guess_language("Qui a composé la musique du film 2050 ?") == "fr"
    assert guess_language("Combien de professionnels le syndicat représente-t-il ?") == "fr"
    assert guess_language("Who composed the music of the film 2050?") == "en"
    assert guess_language("What share of Japan's music market did streaming claim?") == "en"


def test_fold_and_stem_match_without_accents():
    assert fold("Énergétique") == "energetique"
    stem = stemmer()
    assert stem("énergétiques") == stem("energetiques") or stem("énergétique") == stem("énergétiques")
    assert stem("consommation") == stem("consommations")


def test_content_terms_drop_stopwords_and_question_words():
    terms = content_terms("Quelle est la consommation énergétique du numérique ?")
    assert "quel" not in terms and "la" not in terms
    assert len(terms) == 3


def test_split_sentences_keeps_offsets():
    text = "Première phrase. Deuxième phrase ! M. Dupont est là.\nLigne seule"
    spans = split_sentences(text)
    parts = [text[a:b] for a, b in spans]
    assert parts == ["Première phrase.", "Deuxième phrase !", "M. Dupont est là.", "Ligne seule"]
