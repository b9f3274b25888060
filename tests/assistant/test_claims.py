"""The claim check: every stated fact of an answer sentence stands in the passage it cites, in every mode.
Unit cases on core.facts-based checking, then the real openai client against the OpenAI-wire stub server."""

from __future__ import annotations

import pytest

from assistant.api import Assistant
from assistant.claims import check_claims, sentence_citations
from tests.assistant.stub_llm import stub_bot
from tests.fakes.openai_stub import OpenAIStub

PASSAGES = [
    "Le SAG-AFTRA représente 160 000 professionnels. Fran Drescher préside le syndicat.",
    "Ripple a été lancée en bêta fermée le 30 juin aux États-Unis.",
]


def test_a_sentence_with_an_invented_number_is_removed_and_the_rest_kept():
    found = check_claims("Le syndicat compte 160 000 membres [1]. Il écoute sur le port 8080 [1].", PASSAGES)
    assert found.text == "Le syndicat compte 160 000 membres [1]."
    assert [f.text for f in found.failed[0][1]] == ["8080"]
    assert found.kept == 1


def test_normalised_facts_hold_across_languages_and_notations():
    text = "SAG-AFTRA represents 160,000 professionals [1]. Ripple opened in closed beta on June 30 [2]."
    found = check_claims(text, PASSAGES)
    assert found.failed == [] and found.text == text


def test_a_fact_held_by_another_passage_than_the_cited_one_fails():
    found = check_claims("Fran Drescher préside le syndicat [2].", PASSAGES)
    assert found.failed and found.text == ""


def test_a_fact_cited_to_the_wrong_passage_is_recited_to_the_one_holding_it():
    found = check_claims("Ripple est sortie le 30 juin [1]. Le syndicat compte 160 000 membres [1].", PASSAGES, recite=True)
    assert found.failed == [] and found.recited == 1
    assert found.text == "Ripple est sortie le 30 juin [2]. Le syndicat compte 160 000 membres [1]."


def test_an_uncited_sentence_is_checked_against_its_neighbours_citation():
    pairs = sentence_citations("Ripple est sortie le 30 juin. Elle vise les ados [2].")
    assert [numbers for _, _, numbers in pairs] == [[2], [2]]


QUESTION = "Combien de professionnels le syndicat SAG-AFTRA représente-t-il ?"


def llm_bot(ingested_assistant: Assistant, stub: OpenAIStub, **tuning) -> Assistant:
    return stub_bot(ingested_assistant, stub, tuning=tuning)


@pytest.mark.slow
def test_an_invented_port_and_name_under_a_real_citation_are_removed_with_a_warning(ingested_assistant, stub):
    stub.responder = lambda req: (
        "Le syndicat SAG-AFTRA représente 160 000 professionnels [1]. "
        "Son serveur écoute sur le port 8443 et il est dirigé par John Whitfield [1]."
    )
    answer = llm_bot(ingested_assistant, stub).ask(QUESTION)
    assert not answer.abstained
    assert "160 000" in answer.text and "8443" not in answer.text and "Whitfield" not in answer.text
    assert any("8443" in w and "removed" in w for w in answer.warnings)
    assert [c.number for c in answer.citations] == [1]


@pytest.mark.slow
def test_an_answer_whose_asked_fact_is_invented_falls_back_to_the_quoted_evidence(ingested_assistant, stub):
    stub.responder = lambda req: "Le syndicat SAG-AFTRA représente 250 000 professionnels [1]."
    answer = llm_bot(ingested_assistant, stub).ask(QUESTION)
    assert not answer.abstained
    assert "250 000" not in answer.text and "160 000" in answer.text
    assert answer.text.startswith("D’après le corpus") and answer.citations
    assert any("quoted evidence" in w for w in answer.warnings)
    assert "250 000" in answer.model_text  # what the model wrote stays on record


@pytest.mark.slow
def test_decline_policy_withholds_the_answer(ingested_assistant, stub):
    stub.responder = lambda req: "Le syndicat SAG-AFTRA représente 250 000 professionnels [1]."
    answer = llm_bot(ingested_assistant, stub, claim_failure="decline").ask(QUESTION)
    assert answer.abstained and answer.citations == []
