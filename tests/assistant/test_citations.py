from assistant.citations import check_citations, overlap

PASSAGES = [
    "La musique du film 2050 a été composée par Konstantinos Lyrakis. Le film est sorti en 2018.",
    "Le syndicat SAG-AFTRA représente 160 000 professionnels.",
]


def test_valid_markers_are_kept_and_listed_in_order():
    checked = check_citations("Lyrakis a composé la musique du film 2050 [1]. Le syndicat représente 160 000 professionnels [2].", PASSAGES, 0.3)
    assert checked.cited == [1, 2]
    assert checked.removed == []
    assert checked.unsupported == []
    a, b = checked.highlights[1][0]
    assert "Lyrakis" in PASSAGES[0][a:b]


def test_markers_pointing_nowhere_are_removed():
    checked = check_citations("Lyrakis a composé la musique [1][7]. Autre chose [0].", PASSAGES, 0.3)
    assert "[7]" not in checked.text and "[0]" not in checked.text
    assert checked.cited == [1]
    assert sorted(checked.removed) == [0, 7]


def test_grouped_markers():
    checked = check_citations("Les deux faits [1, 2].", PASSAGES, 0.0)
    assert checked.cited == [1, 2]
    assert "[1][2]" in checked.text


def test_weakly_supported_sentence_is_flagged():
    checked = check_citations("Les pingouins dansent la valse sur la banquise [2].", PASSAGES, 0.3)
    assert checked.unsupported == ["Les pingouins dansent la valse sur la banquise ."] or checked.unsupported
    assert overlap("Le syndicat représente 160 000 professionnels", PASSAGES[1]) == 1.0


WIKI = [
    "Le service a été lancé en 2021 [2] [3]. Il compte 20 millions d’abonnés.[12] Son siège est à Paris.",
    "Autre passage sans note.",
]


def test_document_note_numbers_are_not_citations():
    # An LLM answer that copies the document's notes: they are dropped silently, the real marker stays.
    checked = check_citations("Le service a été lancé en 2021 [2] [3]. [1] Il compte 20 millions d’abonnés.[12] [1]", WIKI, 0.3)
    assert checked.cited == [1]
    assert checked.removed == []
    assert "[2]" not in checked.text and "[3]" not in checked.text and "[12]" not in checked.text


def test_a_real_marker_in_range_is_still_a_citation():
    checked = check_citations("Le service compte 20 millions d’abonnés [1]. Autre passage [2].", WIKI, 0.0)
    assert checked.cited == [1, 2] and checked.removed == []
