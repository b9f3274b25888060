"""The abstention decision: one function, every signal, reasons recorded."""

from __future__ import annotations

import pytest

from assistant.abstain import LEXICAL_ONLY, Policy, Signals, decide
from assistant.kinds import expected_kind, holds_kind


def test_expected_kind_of_a_question():
    assert expected_kind("Combien de professionnels le syndicat représente-t-il ?") == "number"
    assert expected_kind("How many posts were published?") == "number"
    assert expected_kind("Quand le docteur Li est-il mort ?") == "date"
    assert expected_kind("En quelle année le film est-il sorti ?") == "date"
    assert expected_kind("Qui a composé la musique du film 2050 ?") == "name"
    assert expected_kind("Who composed the music of 2050?") == "name"
    assert expected_kind("Pourquoi la grève ?") is None


def test_holds_kind_looks_for_a_new_fact_of_that_kind():
    q = "Qui a composé la musique du film 2050 ?"
    assert holds_kind("name", "Score Composed and Performed by Konstantinos Lyrakis", q)
    assert not holds_kind("date", "Le film 2050 est sorti.", "Quand le film 2050 est-il sorti ?")
    assert holds_kind("date", "Le film est sorti en 2019.", "Quand le film 2050 est-il sorti ?")
    assert holds_kind("number", "Il représente 160 000 professionnels.", "Combien ?")
    assert holds_kind(None, "anything") is None


def test_strong_signals_answer_weak_ones_abstain_with_reasons():
    strong = decide(Signals(lexical=8.0, lexical_floor=4.0, dense=0.90, support=0.9, kind_found=True))
    assert not strong.abstain and strong.score == 1.0
    weak = decide(Signals(lexical=1.0, lexical_floor=4.0, dense=0.80, support=0.1))
    assert weak.abstain and weak.score < Policy().min_score
    assert any(r.startswith("lexical") for r in weak.reasons) and any(r.startswith("dense") for r in weak.reasons)


def test_dense_similarity_rescues_a_paraphrase_the_words_miss():
    # Between the lexical floor's ends: a close meaning decides (e.g. an English question about French text).
    close = decide(Signals(lexical=3.2, lexical_floor=4.0, dense=0.89, support=0.2))
    far = decide(Signals(lexical=3.2, lexical_floor=4.0, dense=0.83, support=0.2))
    assert not close.abstain and far.abstain


def test_a_passage_in_the_other_language_is_weighed_on_its_own_scale():
    # e5 puts an English question and the French sentence answering it about 0.04 lower than a same-language
    # pair (Tuning.e5_across_shift): 0.85 across languages is as close as 0.89 within one.
    same = decide(Signals(lexical=3.2, lexical_floor=4.0, dense=0.85, support=0.2))
    across = decide(Signals(lexical=3.2, lexical_floor=4.0, dense=0.85, support=0.2, dense_across=True))
    assert same.abstain and not across.abstain
    assert decide(Signals(lexical=3.2, lexical_floor=4.0, dense=0.85, dense_across=True), Policy(across_shift=0.0)).abstain


def test_the_model_refusal_and_missing_passages_abstain():
    assert decide(Signals(lexical=9, lexical_floor=4, dense=0.95, support=1.0, model_refused=True)).abstain
    assert decide(Signals(lexical=0, lexical_floor=4, has_passages=False)).reasons == ("no passage retrieved",)


def test_an_overview_question_is_answered():
    assert not decide(Signals(lexical=0.5, lexical_floor=4.0, dense=0.80, support=0.0, overview=True)).abstain


def test_a_missing_kind_lowers_confidence_when_the_policy_says_so():
    policy = Policy(kind_penalty=0.3)
    base = Signals(lexical=4.0, lexical_floor=4.0, dense=0.87, support=0.5)
    lacking = Signals(**{**base.__dict__, "kind_found": False})
    assert decide(base, policy).score - decide(lacking, policy).score == pytest.approx(0.3)


def test_without_a_calibrated_dense_model_the_lexical_floor_decides():
    assert decide(Signals(lexical=3.9, lexical_floor=4.0, dense=0.99, support=1.0), LEXICAL_ONLY).abstain
    assert not decide(Signals(lexical=4.1, lexical_floor=4.0, dense=0.1, support=0.0), LEXICAL_ONLY).abstain
