"""The real local model under the claim check and evidence-first generation (issues 16 and 21)."""

from __future__ import annotations

import re

from assistant.claims import check_claims


def test_an_english_answer_from_french_evidence_keeps_the_number(local_bot):
    # abstain_threshold 0: this tests the writing, not the decision (an English question over three French
    # documents sits below the lexical floor of so small a corpus)
    bot = local_bot.variant(abstain_threshold=0, tuning={"evidence_first": True, "evidence_first_across": True})
    answer = bot.ask("How many professionals does the SAG-AFTRA union represent?")
    assert not answer.abstained, answer.abstain_reasons
    assert re.search(r"160[ ,.\u202f\u00a0]?000", answer.text), answer.text
    assert answer.citations
    if not answer.timings.get("fallback"):  # the model's own words, in English
        assert answer.language == "en" and "represent" in answer.text.lower(), answer.text


def test_every_fact_the_model_states_stands_in_its_cited_passage(local_bot):
    for question in ("Qui a composé la musique du film 2050 ?", "Combien de visiteurs le festival de Lunéville 2031 a-t-il accueillis ?",
                     "Quand le conseil national du SAG-AFTRA a-t-il voté la grève ?"):
        for evidence_first in (False, True):
            answer = local_bot.variant(tuning={"evidence_first": evidence_first}).ask(question)
            if answer.abstained:
                continue
            passages = [p.text for p in answer.retrieved]
            assert check_claims(answer.text, passages).failed == [], (question, answer.text, answer.model_text)
