"""Questions about two things (assistant/compound.py): split by a rule, each part retrieved and quoted."""

from __future__ import annotations

import pytest

from assistant.compound import parts


def test_a_second_question_after_and_is_a_part_of_its_own_carrying_the_first():
    first, second = parts("Which company led the purchase of 10% of Universal Music Group, and which new "
                          "ByteDance streaming service draws on Universal's catalogue?")
    assert first.asked == first.query == "Which company led the purchase of 10% of Universal Music Group ?"
    assert second.asked == "which new ByteDance streaming service draws on Universal's catalogue ?"
    assert second.query == f"{second.asked} ({first.asked})"  # "it", "son", "le" point back to the first part
    assert [p.asked for p in parts("Quels ouvrages d'Antonio Casilli sont cités dans le corpus, et dans quelle émission "
                                   "de France Culture son enquête est-elle présentée ?")] == [
        "Quels ouvrages d'Antonio Casilli sont cités dans le corpus ?",
        "dans quelle émission de France Culture son enquête est-elle présentée ?"]


@pytest.mark.parametrize("question", [
    "Who signed the French-language reviews of both albums?",  # "both" is one question
    "Comment Netflix et Amazon se partagent-ils le marché ?",  # "et" between two names
    "What is it and why?",  # a part too short to stand alone
])
def test_one_question_stays_whole(question: str) -> None:
    assert parts(question) == []


def test_a_two_part_question_is_answered_from_two_documents(ingested_assistant):
    # eval dev question en-049: one fact in the Sandvine article, the other in the CGEIET one.
    answer = ingested_assistant.ask("What share of global bandwidth does video take according to the Sandvine report, and "
                                    "by what year would digital technology need all the world's energy produced in 2010?")
    assert not answer.abstained
    assert "58" in answer.text and "2040" in answer.text
    assert len({c.source for c in answer.citations}) == 2
    for citation in answer.citations:  # each quoted fact stands in the passage it cites
        assert f"[{citation.number}]" in answer.text
