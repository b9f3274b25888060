"""Evidence-first generation: the model reads only the selected evidence sentences, numbered as their
passages; its answer is checked (citations, stated facts) and falls back to the quoted evidence when it
loses the fact asked. The stub server stands in for any OpenAI-compatible LLM; one case runs the real local model."""

from __future__ import annotations

import re

import pytest

from assistant.api import Assistant
from tests.assistant.small_corpus import bot_over
from tests.assistant.stub_llm import stub_bot
from tests.fakes.openai_stub import OpenAIStub

pytestmark = pytest.mark.slow

QUESTION = "Combien de professionnels le syndicat SAG-AFTRA représente-t-il ?"


def evidence_bot(ingested_assistant: Assistant, stub: OpenAIStub) -> Assistant:
    return stub_bot(ingested_assistant, stub, tuning={"evidence_first": True})


def test_the_model_reads_only_the_evidence_numbered_as_its_passages(ingested_assistant, stub):
    stub.responder = lambda req: "Le SAG-AFTRA représente 160 000 professionnels [1]."
    answer = evidence_bot(ingested_assistant, stub).ask(QUESTION)
    system, user = stub.last_messages()
    assert "traduis" in system["content"]
    fenced = re.findall(r'<passage id="(\d+)"', user["content"])
    assert fenced and len(fenced) < len(answer.retrieved)  # not every passage
    assert "160 000" in user["content"]
    # About 250 tokens at most; "… directeur exécutif de ce syndicat qui représente 160 000 …" points back,
    # so the sentence naming the SAG-AFTRA before it is read too (Tuning.quote_antecedent).
    assert len(user["content"]) < 1200
    assert answer.text.startswith("Le SAG-AFTRA représente 160 000 professionnels") and answer.citations


def test_an_answer_that_loses_the_fact_asked_falls_back_to_the_quoted_evidence(ingested_assistant, stub):
    stub.responder = lambda req: "Le syndicat SAG-AFTRA représente de nombreux professionnels du cinéma [1]."
    answer = evidence_bot(ingested_assistant, stub).ask(QUESTION)
    assert not answer.abstained and "160 000" in answer.text
    assert answer.text.startswith("D’après le corpus")
    assert any("lost the fact asked" in w for w in answer.warnings)


def test_evidence_in_the_other_language_is_read_in_excerpts_of_every_passage(ingested_assistant, stub):
    """An English question whose evidence is French: the sentences picked by shared words across languages are
    the least sure, so by default the model reads excerpts of every passage; `evidence_first_across` gives it
    the evidence alone, to translate."""
    stub.responder = lambda req: "The SAG-AFTRA union represents 160,000 professionals [1]."
    question = "How many professionals does the SAG-AFTRA union represent?"
    answer = stub_bot(ingested_assistant, stub, abstain_threshold=0).ask(question)
    system, user = stub.last_messages()
    assert "translate" not in system["content"]
    assert len(re.findall(r'<passage id="(\d+)"', user["content"])) == len(answer.retrieved)
    across = stub_bot(ingested_assistant, stub, abstain_threshold=0, tuning={"evidence_first_across": True}).ask(question)
    system, user = stub.last_messages()
    assert "translate" in system["content"] and "SAG-AFTRA" in user["content"]
    assert len(re.findall(r'<passage id="(\d+)"', user["content"])) < len(across.retrieved)  # the evidence alone


def test_an_answer_that_leaves_out_a_fact_of_the_best_sentence_falls_back_to_the_quoted_evidence(ingested_assistant, stub):
    # No kind of fact asked: every fact of the best sentence the question does not hold must be kept
    # (Tuning.llm_keeps_facts); the model was told to keep numbers and names exactly.
    stub.responder = lambda req: "Le syndicat des acteurs représente 160 000 professionnels du cinéma [1]."
    answer = evidence_bot(ingested_assistant, stub).ask("Quel syndicat représente 160 000 professionnels du cinéma ?")
    assert not answer.abstained and answer.text.startswith("D’après le corpus")
    assert "Crabtree-Ireland" in answer.text
    assert any("left out" in w and "Crabtree-Ireland" in w for w in answer.warnings)
    kept = stub_bot(ingested_assistant, stub, tuning={"evidence_first": True, "llm_keeps_facts": False})
    assert kept.ask("Quel syndicat représente 160 000 professionnels du cinéma ?").text.startswith("Le syndicat des acteurs")


def test_an_overview_with_an_llm_is_summarised_from_excerpts_its_evidence_or_quoted(ingested_assistant, stub):
    """Tuning.llm_overview: excerpts of the article's passages, the plan's lead and central sentences alone
    (evidence), or the quoted overview with no model call (quote, the default: it scored best on dev)."""
    question = "Résume l'article sur les journaux de confinement"
    stub.responder = lambda req: "Les journaux de confinement recréent du lien social en ligne [1]."
    quoting = ingested_assistant.ask(question)
    excerpts = stub_bot(ingested_assistant, stub, tuning={"llm_overview": "excerpts"}).ask(question)
    assert not excerpts.abstained and excerpts.text.startswith("Les journaux de confinement")
    read_excerpts = stub.last_messages()[-1]["content"]
    evidence = stub_bot(ingested_assistant, stub, tuning={"llm_overview": "evidence"}).ask(question)
    read_evidence = stub.last_messages()[-1]["content"]
    assert evidence.text.startswith("Les journaux de confinement") and read_evidence != read_excerpts
    calls = len(stub.chat_requests())
    quoted = stub_bot(ingested_assistant, stub).ask(question)
    assert len(stub.chat_requests()) == calls  # no model call
    assert quoted.text == quoting.text and quoted.citations


def test_an_answer_to_one_part_of_a_two_part_question_falls_back_to_the_quoted_evidence(ingested_assistant, stub):
    # eval dev question en-048: the model answers the first part only (a number, so the kind asked is there); the
    # second part's best sentence holds a number of its own, so the quoted evidence of both parts is shown instead
    # (Tuning.llm_keeps_part_facts).
    question = ("During the Hollywood strike, what salary did Netflix offer for its machine-learning product role, and how "
                "many extra subscribers did it announce after restricting account sharing?")
    stub.responder = lambda req: "Netflix offered an annual salary of up to 900,000 dollars [1]."
    answer = evidence_bot(ingested_assistant, stub).ask(question)
    assert not answer.abstained
    assert "900 000" in answer.text and "6 millions" in answer.text
    assert any("left out" in w and "6 millions" in w for w in answer.warnings), answer.warnings
    whole = stub_bot(ingested_assistant, stub, tuning={"evidence_first": True, "llm_keeps_part_facts": False}).ask(question)
    assert whole.text.startswith("Netflix offered") and "6 millions" not in whole.text


def test_an_answer_that_loses_the_path_asked_falls_back_to_the_quoted_evidence(tmp_path, embed_model, stub):
    """"Where is … kept?" asks for a path (assistant/measures.py): an answer naming none falls back to the
    quoted evidence that states it (Tuning.llm_keeps_measure)."""
    page = ("<html><body><h1>6.5. Où sont rangés les paquets de l'archive Zorblatt ?</h1><p>Les paquets sont rangés "
            "dans le répertoire pool de l'archive, par paquet source. Par exemple, le paquet libzorb est placé dans le "
            "répertoire pool/main/libz/libzorb/ de chaque miroir Zorblatt.</p></body></html>")
    bot = stub_bot(bot_over(tmp_path, embed_model, {"archive.html": page}), stub, abstain_threshold=0)
    stub.responder = lambda req: "Le paquet libzorb est rangé dans le répertoire pool de l'archive Zorblatt [1]."
    question = "Dans quel répertoire de l'archive Zorblatt le paquet libzorb est-il rangé ?"
    answer = bot.ask(question)
    assert not answer.abstained and "pool/main/libz/libzorb/" in answer.text, answer.text
    assert any("lost the fact asked" in w for w in answer.warnings), answer.warnings
    kept = bot.variant(tuning={"llm_keeps_measure": False}).ask(question)
    assert "pool/main" not in kept.text and kept.text.startswith("Le paquet libzorb")
