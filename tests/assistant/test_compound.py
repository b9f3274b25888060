"""Questions about two things (assistant/compound.py): split by a rule, each part retrieved and quoted."""

from __future__ import annotations

import pytest

from assistant.compound import asks_several, parts
from assistant.evidence import extract
from assistant.retrieve import Hit, spread_hits
from llama_index.core.schema import TextNode


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


@pytest.mark.parametrize("question, several", [
    ("Quels ouvrages d'Antonio Casilli sont cités dans le corpus ?", True),
    ("Click workers appear in two different articles of the corpus: in which cities do they live?", True),
    ("Quelles annonces de Mark Zuckerberg sont relayées, l'une sur les réseaux sociaux, l'autre sur l'IA ?", True),
    ("Who signed the French-language reviews of both albums?", True),
    ("Combien d'abonnés Netflix a-t-il annoncés ?", False),
])
def test_a_question_about_several_documents(question: str, several: bool) -> None:
    assert asks_several(question) is several


def test_quotes_from_one_document_make_room_for_another_when_several_are_asked():
    passages = ["Meta a publié le modèle d'IA LlaMA 2. Le modèle d'IA LlaMA 2 de Meta est gratuit et ouvert.",
                "Meta avait aussi présenté le modèle Galactica."]
    question = "Quels modèles d'IA de Meta sont cités dans le corpus ?"
    alone = extract(question, passages, max_sentences=2)
    assert [q.number for q in alone.quotes] == [1]
    spread = extract(question, passages, max_sentences=2, sources=["a.html", "b.html"], spread=0.4)
    assert [q.number for q in spread.quotes] == [1, 2]  # the best sentence stays first
    assert "Galactica" in spread.quotes[1].text
    assert extract(question, passages, max_sentences=2, sources=["a.html", "b.html"], spread=0.8).quotes == alone.quotes
    same = extract(question, passages, max_sentences=2, sources=["a.html", "a.html"], spread=0.4)
    assert same.quotes == alone.quotes  # one document: nothing to spread over


def _hit(node_id: str, source: str, title: str = "") -> Hit:
    return Hit(node=TextNode(id_=node_id, text=node_id, metadata={"source": source, "title": title}), score=1.0)


def test_passages_of_a_question_about_several_documents_are_spread_over_documents():
    hits = [_hit("a1", "a.txt", "A"), _hit("a2", "a.txt", "A"), _hit("a3", "a.txt", "A"), _hit("b1", "b.txt", "B"),
            _hit("a4", "a.txt", "A"), _hit("c1", "a.txt", "C"), _hit("d1", "d.txt", "D")]
    # k=3, two documents: the best of the next document (b1) takes the lowest place; the best two stay
    assert [h.node.node_id for h in spread_hits(hits, 3, 2)] == ["a1", "a2", "b1"]
    # three documents: an article of the same file is a document of its own (c1)
    assert [h.node.node_id for h in spread_hits(hits, 4, 3)] == ["a1", "a2", "c1", "b1"]
    assert [h.node.node_id for h in spread_hits(hits[:3], 3, 2)] == ["a1", "a2", "a3"]  # nothing else to take
