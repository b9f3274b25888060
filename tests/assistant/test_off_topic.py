"""Plain off-topic questions (eval dev d-pl-*, dd-up*): a name the corpus never holds, evidence that holds no
word of the question, a bare link quoted as evidence."""

from __future__ import annotations

import pytest

from assistant.abstain import Policy, Signals, decide
from assistant.evidence import extract
from core.text import question_names

SURE = dict(lexical=20.0, lexical_floor=4.0, dense=0.95, support=0.8)


def test_the_names_a_question_holds() -> None:
    assert question_names("When did Microsoft end support for Windows XP?") == ["Microsoft", "Windows", "XP"]
    assert question_names("What annual salary did Netflix's new job offer?") == ["Netflix"]  # possessive cut
    assert question_names("Which English novelist is invoked in July?") == []  # a language, a month: no names
    assert question_names("Netflix a-t-il augmenté ses prix ?") == []  # the first word may just open the question


def test_a_name_the_corpus_never_holds_declines_the_question() -> None:
    decision = decide(Signals(**SURE, names_unknown=("XP",)))
    assert decision.abstain and "never names XP" in decision.reasons[-1]
    assert not decide(Signals(**SURE)).abstain


def test_evidence_holding_no_word_of_the_question_declines_it_without_a_model() -> None:
    bare = dict(SURE, support=0.0)
    decision = decide(Signals(**bare))
    assert decision.abstain and "no word of the question" in decision.reasons[-1]
    assert not decide(Signals(**bare), Policy(no_shared_word=False)).abstain
    assert not decide(Signals(**bare, overview=True)).abstain  # an overview quotes the article, not the question


def test_a_bare_link_is_never_evidence() -> None:
    passage = ("• L'ensauvagement du Web https://theconversation.com/lensauvagement-du-web-95190\n\n"
               "https://images.theconversation.com/files/215409/original/file-20180418.png\n\n"
               "Le Web vient d'avoir 30 ans.")
    quotes = extract("How many bones are there in the adult human body?", [passage]).quotes
    assert all(not q.text.strip().startswith("https://") for q in quotes)


@pytest.mark.slow
@pytest.mark.parametrize("question, why", [
    ("How many bones are there in the adult human body?", "decline"),  # d-pl-14: a track title was quoted
    ("When did Microsoft end support for Windows XP?", "decline"),
    ("What do Moscow's AI-powered surveillance cameras detect, according to the article?", "answer"),  # Moscou
])
def test_off_topic_questions_are_declined_and_their_look_alike_answered(ingested_assistant, question: str, why: str) -> None:
    answer = ingested_assistant.ask(question)
    assert answer.abstained == (why == "decline"), (answer.text, answer.abstain_reasons)
