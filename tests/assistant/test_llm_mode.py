"""LLM mode end to end: the real openai client and LlamaIndex classes against a local stub server
speaking the OpenAI wire protocol (JSON and SSE). Retrieval is the real one, on the bundled corpus."""

from __future__ import annotations

import time

import pytest

from assistant.api import Assistant
from core.errors import ConfigError
from tests.assistant.stub_llm import stub_bot
from tests.fakes.openai_stub import OpenAIStub

pytestmark = pytest.mark.slow

QUESTION = "Combien de professionnels le syndicat SAG-AFTRA représente-t-il ?"
SECRET = "sk-test-SECRET-never-shown-0123456789"


def llm_bot(ingested_assistant: Assistant, stub: OpenAIStub, **overrides) -> Assistant:
    return stub_bot(ingested_assistant, stub, **{"llm_api_key": SECRET, "llm_max_retries": 2, "llm_timeout": 1.0, **overrides})


def test_prompt_holds_fenced_numbered_passages_rules_and_question(ingested_assistant, stub):
    # The excerpts prompt (overviews, evidence in the other language; evidence-first: test_evidence_first.py)
    bot = llm_bot(ingested_assistant, stub).variant(tuning={"evidence_first": False})
    answer = bot.ask(QUESTION)
    system, user = stub.last_messages()
    assert system["role"] == "system" and "pas des instructions" in system["content"]
    assert "en français" in system["content"]  # in the question's language
    assert "ne contient pas" not in system["content"]  # no escape sentence for the model to copy
    for p in answer.retrieved:
        assert f'<passage id="{p.number}" title=' in user["content"]
    assert user["content"].rstrip().endswith(f"Question: {QUESTION}")
    assert answer.mode == "stub-model"
    # the key travels in the Authorization header only, never in the body or the answer
    request = stub.chat_requests()[-1]
    assert SECRET not in str(request) and SECRET not in answer.text
    assert stub.requests[-1]["headers"]["authorization"] == f"Bearer {SECRET}"


def test_citations_are_mapped_and_invalid_markers_removed(ingested_assistant, stub):
    stub.responder = lambda req: "Le syndicat représente 160 000 professionnels [1]. Un fait inventé [9]."
    bot = llm_bot(ingested_assistant, stub)
    answer = bot.ask(QUESTION)
    assert "[9]" not in answer.text and "[1]" in answer.text
    assert [c.number for c in answer.citations] == [1]
    assert answer.citations[0].node_id == answer.retrieved[0].node_id
    assert any("pointed to no passage" in w for w in answer.warnings)


def test_unsupported_sentence_loses_its_marker_and_is_flagged(ingested_assistant, stub):
    stub.responder = lambda req: (
        "Le syndicat représente 160 000 professionnels [1]. Les pingouins dansent la valse sur la banquise chaque hiver [1]."
    )
    answer = llm_bot(ingested_assistant, stub).ask(QUESTION)
    assert "160 000 professionnels [1]." in answer.text
    assert "banquise chaque hiver." in answer.text  # the marker it did not earn is gone
    assert any("pingouins" in w for w in answer.warnings)


def test_an_answer_no_passage_supports_falls_back_to_the_quoted_evidence(ingested_assistant, stub):
    # The model failed to say what the evidence says; the quoting answerer would answer: its quotes are shown.
    stub.responder = lambda req: "Les pingouins dansent la valse sur la banquise chaque hiver [1]."
    answer = llm_bot(ingested_assistant, stub).ask(QUESTION)
    assert not answer.abstained and answer.citations
    assert "pingouins" not in answer.text and "160 000" in answer.text
    assert answer.text.startswith("D’après le corpus")
    assert any("No passage supports the model's answer" in w for w in answer.warnings)
    assert "pingouins" in answer.model_text  # what the model wrote stays on record


def test_an_answer_no_passage_supports_abstains_with_the_decline_policy(ingested_assistant, stub):
    stub.responder = lambda req: "Les pingouins dansent la valse sur la banquise chaque hiver [1]."
    answer = llm_bot(ingested_assistant, stub, tuning={"unsupported_answer": "decline"}).ask(QUESTION)
    assert answer.abstained and answer.citations == []


def test_a_sentence_stating_a_figure_its_passage_lacks_is_removed(ingested_assistant, stub):
    stub.responder = lambda req: (
        "Le syndicat SAG-AFTRA représente 160 000 professionnels [1]. "
        "Le syndicat SAG-AFTRA représente aussi 90 000 professionnels retraités [1]."
    )
    answer = llm_bot(ingested_assistant, stub).ask(QUESTION)
    assert "160 000" in answer.text and "90 000" not in answer.text and answer.citations
    assert any("does not hold" in w and "90" in w for w in answer.warnings)


def test_an_answer_whose_only_figure_is_not_in_its_passage_falls_back_to_the_quoted_evidence(ingested_assistant, stub):
    # The model's only sentence states a figure no passage holds: it is never shown; the answer falls
    # back to the quoted evidence (never worse than extractive) and says why in its warnings.
    stub.responder = lambda req: "Le syndicat SAG-AFTRA représente 250 000 professionnels [1]."
    answer = llm_bot(ingested_assistant, stub).ask(QUESTION)
    assert "250 000" not in answer.text and "160 000" in answer.text and answer.citations
    assert any("250" in w for w in answer.warnings)


def test_streaming_yields_pieces_then_the_checked_answer(ingested_assistant, stub):
    stub.responder = lambda req: "Le syndicat SAG-AFTRA représente 160 000 professionnels [1] [4]."
    stub.stream_delay = 0.01
    stream = llm_bot(ingested_assistant, stub).stream(QUESTION)
    pieces = list(stream)
    assert len(pieces) > 3
    assert "".join(pieces).startswith("Le syndicat")
    assert stream.answer.complete and stream.answer.citations
    assert stub.chat_requests()[-1]["stream"] is True


def test_llm_abstention_is_detected(ingested_assistant, stub):
    stub.responder = lambda req: "Le corpus ne contient pas la réponse à cette question."
    answer = llm_bot(ingested_assistant, stub).ask(QUESTION)
    assert answer.abstained and answer.citations == []
    assert "Sources les plus proches" in answer.text


def test_429_with_retry_after_is_retried_then_answers(ingested_assistant, stub):
    stub.faults = ["429"]
    stub.retry_after = "1"
    started = time.monotonic()
    answer = llm_bot(ingested_assistant, stub).ask(QUESTION)
    assert answer.complete and answer.text
    assert len(stub.chat_requests()) == 2
    assert time.monotonic() - started >= 0.8  # Retry-After honoured


@pytest.mark.parametrize("fault", ["500", "503"])
def test_server_errors_end_in_bounded_retries_and_a_clear_error(ingested_assistant, stub, fault):
    stub.faults = [fault] * 10
    answer = llm_bot(ingested_assistant, stub, llm_max_retries=2).ask(QUESTION)
    assert len(stub.chat_requests()) == 3  # one try + 2 retries, configured in one place
    assert not answer.complete and f"HTTP {fault}" in answer.error
    assert "ASSISTANT_LLM=none" in answer.error and SECRET not in answer.error


def test_timeout_is_bounded(ingested_assistant, stub):
    stub.faults = ["timeout"] * 5
    stub.timeout_seconds = 3
    started = time.monotonic()
    answer = llm_bot(ingested_assistant, stub, llm_max_retries=1, llm_timeout=0.5).ask(QUESTION)
    assert "timed out" in answer.error
    assert len(stub.chat_requests()) == 2
    assert time.monotonic() - started < 10


def test_stream_cut_midway_is_not_shown_as_complete(ingested_assistant, stub):
    stub.faults = ["cut"]
    stream = llm_bot(ingested_assistant, stub).stream(QUESTION)
    pieces = list(stream)
    answer = stream.answer
    assert pieces  # something was shown before the cut…
    assert not answer.complete and answer.error  # …but the answer is marked incomplete
    assert any("incomplete" in w for w in answer.warnings)


def test_malformed_response_gives_a_clear_error(ingested_assistant, stub):
    stub.faults = ["malformed"] * 5
    answer = llm_bot(ingested_assistant, stub).ask(QUESTION)
    assert answer.error and "LLM" in answer.error


def test_chat_follow_up_is_condensed_by_the_llm(ingested_assistant, stub):
    def responder(req):
        last = req["messages"][-1]["content"]
        if last.startswith("Rewrite the user's last message"):
            return "Qui est le directeur exécutif du syndicat SAG-AFTRA ?"
        return "Duncan Crabtree-Ireland [1]."

    stub.responder = responder
    chat = llm_bot(ingested_assistant, stub).chat()
    chat.ask(QUESTION)
    answer = chat.ask("Et qui le dirige ?")
    assert answer.standalone_question == "Qui est le directeur exécutif du syndicat SAG-AFTRA ?"
    assert any("Crabtree-Ireland" in p.text for p in answer.retrieved)


def test_openai_choice_uses_the_openai_class(ingested_assistant, stub):
    bot = ingested_assistant.variant(llm="openai", llm_base_url=stub.base_url, llm_api_key=SECRET, llm_model="gpt-4.1-mini")
    assert type(bot.llm).__name__ == "OpenAI"
    assert bot.ask(QUESTION).complete


def test_auto_picks_openai_with_a_key_and_none_without(ingested_assistant, monkeypatch):
    assert ingested_assistant.variant(llm="auto").mode == "extractive"
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    assert ingested_assistant.variant(llm="auto").mode == "gpt-4.1-mini"


def test_openai_like_without_base_url_is_a_config_error(ingested_assistant):
    with pytest.raises(ConfigError, match="ASSISTANT_LLM_BASE_URL"):
        ingested_assistant.variant(llm="openai_like")


def test_a_follow_up_can_carry_the_previous_turn_to_the_llm(ingested_assistant, stub):
    # the LLM sees the previous turn; the offline rule rewrites (no model call)
    tuning = {"llm_sees_previous_turn": True, "condense_with_llm": False}
    stub.responder = lambda req: "Le syndicat SAG-AFTRA représente 160 000 professionnels [1]."
    chat = llm_bot(ingested_assistant, stub, tuning=tuning).chat()
    chat.ask(QUESTION)
    calls = len(stub.chat_requests())
    answer = chat.ask("Et qui le dirige ?")
    assert len(stub.chat_requests()) == calls + 1  # the answer only: no condense call
    assert answer.standalone_question == f"Et qui le dirige ? ({QUESTION})"
    messages = stub.last_messages()
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[1]["content"] == QUESTION and "[1]" not in messages[2]["content"]
    chat.ask("Qui est Wajdi Mouawad ?")  # names its own subject: no earlier turn given
    assert [m["role"] for m in stub.last_messages()] == ["system", "user"]


def test_a_follow_up_reaches_the_llm_as_asked_after_the_earlier_question(ingested_assistant, stub):
    # offline rewrite for retrieval; the model reads the follow-up itself, the topic named before it
    tuning = {"llm_reads_followup": True, "condense_with_llm": False}
    stub.responder = lambda req: "Le syndicat SAG-AFTRA représente 160 000 professionnels [1]."
    chat = llm_bot(ingested_assistant, stub, tuning=tuning).chat()
    chat.ask(QUESTION)
    answer = chat.ask("Et qui le dirige ?")
    assert answer.standalone_question == f"Et qui le dirige ? ({QUESTION})"  # retrieval still carries the topic
    user = stub.last_messages()[-1]["content"]
    assert user.endswith(f"Question précédente: {QUESTION}\nQuestion: Et qui le dirige ?")
    assert f"({QUESTION})" not in user
    chat.ask("Qui est Wajdi Mouawad ?")  # names its own subject: no earlier question
    assert "Question précédente" not in stub.last_messages()[-1]["content"]


def test_the_llms_own_token_counts_are_kept(ingested_assistant, stub):
    stub.responder = lambda req: "Le syndicat représente 160 000 professionnels [1]."
    answer = llm_bot(ingested_assistant, stub).ask(QUESTION)
    request = stub.chat_requests()[-1]
    assert request["stream_options"] == {"include_usage": True}  # asked for, as OpenAI wants
    assert answer.llm_usage is not None and answer.llm_usage["completion_tokens"] == len("Le syndicat représente 160 000 professionnels [1].".split())
    assert answer.llm_usage["prompt_tokens"] > 100
