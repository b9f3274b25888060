"""Chat handlers: streaming into the history, sources at the end, per-session state, readable errors."""

from __future__ import annotations

import logging

import gradio as gr
import pytest

from core.errors import LLMError, StoreUnavailableError
from tests.fakes.fake_assistant import FailingAssistant, FakeAssistant
from ui import chat, render

Q = "Qui a composé la musique du film 2050 ?"


def run(bots, message, history=None, state=None, top_k=5, choice=None):
    """All yields of one `respond` call (without the sidebar's conversation list, tested in test_ui_kept)."""
    return [step[:4] for step in chat.respond(bots, message, history or [], state, top_k, choice)]


def test_answer_streams_then_the_sources_panel_is_filled(fake_bot):
    bots = chat.answerers(fake_bot)
    steps = run(bots, "  What share of Japan's audio music market revenues did streaming claim in 2019?  ")
    first, *middle, last = steps
    history, sources, state, box = first
    assert [m["role"] for m in history] == ["user", "assistant"]
    assert history[1]["content"] == chat.THINKING and box == ""
    assert sources == gr.skip()  # the panel is untouched while streaming
    assert len(middle) == 2  # two sentences, streamed one by one
    assert "[1]" in middle[0][0][-1]["content"] and "[2]" not in middle[0][0][-1]["content"]
    assert "typing" in middle[0][0][-1]["content"]
    history, sources, state, box = last
    assert 'href="#src-1"' in history[-1]["content"] and "typing" not in history[-1]["content"]
    assert 'id="src-1"' in sources and "000_9fbf024f9cdb4384.txt" in sources and "<mark>" in sources
    assert isinstance(state, chat.ChatState) and len(state.session.history) == 1


def test_the_question_is_shown_escaped(fake_bot):
    history = run(chat.answerers(fake_bot), "<img src=x onerror=alert(1)> 2050 musique ?")[-1][0]
    assert history[0]["content"] == "&lt;img src=x onerror=alert(1)&gt; 2050 musique ?"


def test_empty_message_changes_nothing(fake_bot):
    assert run(chat.answerers(fake_bot), "   ", history=[{"role": "user", "content": "x"}]) == [
        ([{"role": "user", "content": "x"}], gr.skip(), None, "")
    ]


def test_follow_up_uses_the_session_and_shows_the_rewritten_question(fake_bot):
    bots = chat.answerers(fake_bot)
    history, _, state, _ = run(bots, Q)[-1]
    history, _, state, _ = run(bots, "et le réalisateur ?", history, state)[-1]
    assert len(history) == 4
    assert "Understood as: Qui a composé la musique du film 2050 ? et le réalisateur ?" in history[-1]["content"]
    assert [q for q, _ in state.session.history] == [Q, "et le réalisateur ?"]


def test_each_browser_session_has_its_own_conversation(fake_bot):
    bots = chat.answerers(fake_bot)
    alice = run(bots, Q)[-1][2]
    bob = run(bots, "What does end-to-end encryption prevent, according to Mark Zuckerberg?")[-1][2]
    assert alice.session is not bob.session
    assert [q for q, _ in alice.session.history] == [Q]
    assert len(bob.session.history) == 1


def test_new_conversation_clears_chat_sources_and_session(fake_bot):
    state = run(chat.answerers(fake_bot), Q)[-1][2]
    history, sources, same = chat.new_conversation(state)
    assert history == [] and sources == render.EMPTY_SOURCES and same is state
    assert state.session.history == []
    assert chat.new_conversation(None) == ([], render.EMPTY_SOURCES, None)


def test_top_k_reaches_the_core(fake_bot):
    sources = run(chat.answerers(fake_bot), Q, top_k=2)[-1][1]
    assert "1 cited of 2 retrieved" in sources


def test_abstention_is_styled_and_lists_the_nearest_sources(fake_bot):
    history, sources, _, _ = run(chat.answerers(fake_bot), "Quelle est la recette du cassoulet toulousain ?")[-1]
    assert "tag-abstain" in history[-1]["content"]
    assert "Not in the corpus" in sources


def test_core_errors_become_a_readable_message(settings):
    bots = chat.answerers(FailingAssistant(StoreUnavailableError("Chroma at 127.0.0.1:9 is unreachable: start it.")))
    history, sources, state, box = run(bots, Q)[-1]
    assert "tag-error" in history[-1]["content"] and "Chroma at 127.0.0.1:9 is unreachable" in history[-1]["content"]
    assert sources == gr.skip() and box == ""


def test_empty_index_says_how_to_fix_it(settings):
    history = run(chat.answerers(FakeAssistant(settings)), Q)[-1][0]
    assert "The index is empty" in history[-1]["content"]


def test_too_long_question_is_refused_politely(fake_bot):
    history = run(chat.answerers(fake_bot), "x" * 5000)[-1][0]
    assert "too long" in history[-1]["content"]


def test_llm_failure_mid_stream_keeps_the_partial_text(settings):
    bot = FakeAssistant(settings, mode="stub-llm", fail_after=1)
    bot.ingest(settings.corpus_dir)
    history, sources, _, _ = run(chat.answerers(bot), "What share of Japan's audio music market revenues did streaming claim in 2019?")[-1]
    content = history[-1]["content"]
    assert "19.3%" in content and "Incomplete" in content and "timed out" in content
    assert 'id="src-1"' in sources


def test_llm_error_raised_while_streaming_keeps_the_partial_text(fake_bot, monkeypatch):
    session = fake_bot.chat()

    def broken(question, *, top_k=None, exclude=()):
        yield "Half an answer [1]"
        raise LLMError("The LLM server closed the stream: try again.")

    monkeypatch.setattr(session, "stream", broken)
    history = run({"extractive": fake_bot}, Q, state=chat.ChatState(session, "extractive"), choice="extractive")[-1][0]
    assert "Half an answer" in history[-1]["content"] and "closed the stream" in history[-1]["content"]


def test_unexpected_errors_are_logged_not_shown(fake_bot, monkeypatch, caplog):
    session = fake_bot.chat()
    monkeypatch.setattr(session, "stream", lambda q, top_k=None, exclude=(): 1 / 0)
    with caplog.at_level(logging.ERROR, logger="ui.chat"):
        history = run({"extractive": fake_bot}, Q, state=chat.ChatState(session, "extractive"), choice="extractive")[-1][0]
    assert "Unexpected error" in history[-1]["content"] and "ZeroDivision" not in history[-1]["content"]
    assert "ZeroDivisionError" in caplog.text


def test_llm_mode_offers_extractive_and_switching_starts_over(settings):
    bot = FakeAssistant(settings, mode="gpt-4.1-mini")
    bot.ingest(settings.corpus_dir)
    bots = chat.answerers(bot)
    from core import local_model

    local = [local_model.MODEL_NAME] if local_model.installed(bot.settings) else []  # scripts/setup installs it
    assert list(bots) == ["gpt-4.1-mini", "extractive", *local] and bots["extractive"].mode == "extractive"
    state = run(bots, Q, choice="gpt-4.1-mini")[-1][2]
    assert chat.switch_answerer(bots, "gpt-4.1-mini", state) == (gr.skip(), gr.skip(), state)
    history, sources, new = chat.switch_answerer(bots, "extractive", state)
    assert history == [] and new.choice == "extractive" and new.session is not state.session
    assert run(bots, Q, state=new, choice="extractive")[-1][0][-1]["content"]


@pytest.mark.parametrize("choice", [None, "unknown"])
def test_unknown_choice_falls_back_to_the_configured_answerer(fake_bot, choice):
    state = chat.session_for(chat.answerers(fake_bot), None, choice)
    assert state.choice == "extractive"


def test_the_history_the_client_sends_is_the_conversation(fake_bot):
    bots = chat.answerers(fake_bot)
    history, _, state, _ = run(bots, Q)[-1]
    # An API client that sends history=[] starts fresh, even though the session state remembers a turn.
    history, _, state, _ = run(bots, "et le réalisateur ?", [], state)[-1]
    assert [q for q, _ in state.session.history] == ["et le réalisateur ?"]
    assert "Understood as" not in history[-1]["content"]
    # A client that sends an earlier conversation continues that one.
    sent = [{"role": "user", "content": Q}, {"role": "assistant", "content": "<p>Lyrakis [1]</p>"}]
    history, _, state, _ = run(bots, "et le réalisateur ?", sent, state)[-1]
    assert [q for q, _ in state.session.history] == [Q, "et le réalisateur ?"]
    assert state.session.history[0][1].text == "Lyrakis [1]"


def test_turns_of_a_messages_history():
    sent = [
        {"role": "user", "content": "Qui &amp; quoi ?"},
        {"role": "assistant", "content": '<span class="x">Réponse</span> [1]'},
        {"role": "user", "content": [{"type": "text", "text": "Et ensuite ?"}]},
    ]
    assert chat.turns_of(sent) == [("Qui & quoi ?", "Réponse [1]"), ("Et ensuite ?", "")]
