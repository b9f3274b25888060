"""LLM faults keep the session working. tests/assistant/test_llm_mode.py already checks each fault on a
single `ask` (retries bounded, clear error, cut stream marked incomplete); here: after each failure the
SAME ChatSession answers the next question, the failed turn is not in its history, connection refused,
a persistent 429, and the UI handler keeps working."""

from __future__ import annotations

import re

import pytest

from core.errors import LLMError
from tests.fakes.openai_stub import OpenAIStub, default_responder
from tests.reliability.relhelpers import free_port

pytestmark = pytest.mark.slow

QUESTION = "Combien de professionnels le syndicat SAG-AFTRA représente-t-il ?"
NEXT = "What share of Japan's audio music market revenues did streaming claim in 2019?"
SECRET = "sk-test-SECRET-llm-faults-0123456789"


def responder(request: dict) -> str:
    """The stub's default answer, plus the condense step: the follow-up is returned as it is."""
    last = request["messages"][-1]["content"]
    if last.startswith("Rewrite the user's last message"):
        return last.split("Last message: ", 1)[1].split("\nStandalone question:", 1)[0]
    return default_responder(request)


def llm_bot(bot, base_url: str, **overrides):
    values = dict(llm="openai_like", llm_base_url=base_url, llm_model="stub-model", llm_api_key=SECRET,
                  llm_max_retries=1, llm_timeout=0.5)
    values.update(overrides)
    return bot.variant(**values)


def failed_turn(chat, question: str):
    """Ask; return the answer or None when the failure surfaced as an LLMError (e.g. in the condense step)."""
    try:
        answer = chat.ask(question)
    except LLMError as err:
        assert "\n" not in str(err) and SECRET not in str(err)
        return None
    assert not answer.complete and answer.error and "\n" not in answer.error and SECRET not in answer.error
    return answer


FAULTS = {
    "timeout": ["timeout", "timeout"],
    "429": ["429", "429"],
    "500": ["500", "500"],
    "malformed": ["malformed", "malformed"],
    "cut": ["cut", "cut"],  # a cut non-streaming reply is retried; a cut stream is not
}


@pytest.mark.parametrize("step", ["condense", "answer"])
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_chat_session_survives_each_fault(ingested_assistant, fault, step):
    """The follow-up costs two LLM calls: the condense step (non-streaming), then the streamed answer."""
    with OpenAIStub(fault_paths=["/v1/chat/completions"], timeout_seconds=2, retry_after="0.1",
                    responder=responder) as stub:
        chat = llm_bot(ingested_assistant, stub.base_url).chat()
        first = chat.ask(QUESTION)
        assert first.complete and first.citations and len(chat.history) == 1

        stub.faults = FAULTS[fault] if step == "condense" else ["ok", *FAULTS[fault]]
        answer = failed_turn(chat, NEXT)
        if step == "answer":
            assert answer is not None, "a failing answer stream is reported on the answer"
        assert len(chat.history) == 1, "the failed turn must not be stored"
        if fault == "cut" and answer is not None:
            assert answer.text and any("incomplete" in w for w in answer.warnings)  # half an answer, flagged

        stub.faults = []
        again = chat.ask(NEXT)
        assert again.complete and again.citations and re.search(r"\[\d+\]\W*$", again.text)  # markers sit before the final stop
        assert [q for q, _ in chat.history] == [QUESTION, NEXT]
        assert all(a.complete for _, a in chat.history)


def test_connection_refused_then_the_server_comes_up(ingested_assistant):
    port = free_port()  # nobody listens here yet
    chat = llm_bot(ingested_assistant, f"http://127.0.0.1:{port}/v1").chat()
    answer = failed_turn(chat, QUESTION)
    assert answer is not None and "could not be reached" in answer.error and chat.history == []
    with OpenAIStub(port=port) as stub:
        again = chat.ask(QUESTION)
        assert again.complete and again.citations and len(chat.history) == 1
        assert stub.chat_requests()


def test_persistent_429_gives_up_after_bounded_retries(ingested_assistant):
    with OpenAIStub(fault_paths=["/v1/chat/completions"], retry_after="0.1") as stub:
        stub.faults = ["429"] * 10
        answer = llm_bot(ingested_assistant, stub.base_url, llm_max_retries=2).ask(QUESTION)
        assert "rate limiting (HTTP 429)" in answer.error and len(stub.chat_requests()) == 3


def test_ui_handler_keeps_working_after_a_fault(ingested_assistant):
    from ui import chat as ui_chat

    with OpenAIStub(fault_paths=["/v1/chat/completions"], responder=responder) as stub:
        bots = ui_chat.answerers(llm_bot(ingested_assistant, stub.base_url))
        state = None
        stub.faults = ["cut"]
        *_, (history, _sources, state, _, _) = ui_chat.respond(bots, QUESTION, [], state, 5, "stub-model")
        assert "incomplete" in str(history[-1]["content"]).lower() or "error" in str(history[-1]["content"]).lower()
        assert state.session.history == []
        *_, (history, sources, state, _, _) = ui_chat.respond(bots, NEXT, history, state, 5, "stub-model")
        assert len(history) == 4 and 'class="cite"' in str(history[-1]["content"])
        assert "error" not in str(history[-1]["content"]).lower() and "RIAJ" in str(sources)
        assert len(state.session.history) == 1 and SECRET not in str(history) + str(sources)
