"""Follow-ups on the bundled corpus, offline: bounded rewrites, fresh questions, seeded history."""

from __future__ import annotations

import pytest

from assistant.api import Assistant

pytestmark = pytest.mark.slow

FIRST = "Qui a composé la musique du film 2050 ?"


def test_rewrites_never_nest_nor_grow(ingested_assistant: Assistant):
    chat = ingested_assistant.chat()
    chat.ask(FIRST)
    long_follow_up = "Et le réalisateur, " + "et aussi le producteur, " * 60 + "?"
    for _ in range(6):
        answer = chat.ask(long_follow_up)
        assert len(answer.standalone_question) <= ingested_assistant.settings.max_question_chars
    answer = chat.ask("Et Netflix ?")
    assert answer.standalone_question == f"Et Netflix ? ({FIRST})"


def test_a_fresh_question_is_not_glued_to_the_previous_topic(ingested_assistant: Assistant):
    chat = ingested_assistant.chat()
    chat.ask(FIRST)
    answer = chat.ask("Qui est Wajdi Mouawad ?")
    assert answer.standalone_question == "Qui est Wajdi Mouawad ?"
    assert not answer.abstained and "Mouawad" in answer.text


def test_a_seeded_history_is_the_conversation(ingested_assistant: Assistant):
    chat = ingested_assistant.chat()
    chat.ask("Combien de professionnels le syndicat SAG-AFTRA représente-t-il ?")
    chat.seed([])
    assert chat.ask("Et qui est son directeur exécutif ?").standalone_question == "Et qui est son directeur exécutif ?"
    chat.seed([(FIRST, "D’après le corpus : « … » [1]")])
    assert chat.ask("Et le réalisateur ?").standalone_question == f"Et le réalisateur ? ({FIRST})"


def test_invisible_characters_in_the_question_change_nothing(ingested_assistant: Assistant):
    plain = ingested_assistant.ask(FIRST)
    pasted = ingested_assistant.ask("Qui a com\u00adpo\u200bsé la mu\ufeffsique du film\u00a02050 ?")
    assert pasted.question == FIRST
    assert not pasted.abstained and pasted.text == plain.text
    full_width = ingested_assistant.ask("Qui a composé la musique du film ２０５０ ?")  # NFKC, as documents get
    assert full_width.text == plain.text


def test_the_local_model_does_not_rewrite_follow_ups_a_remote_one_does():
    """Tuning.condense_with_local_llm (off): the local model's rewrites dropped the subject on dev, so its
    follow-ups carry the topic offline; an OpenAI-compatible LLM rewrites them (Tuning.condense_with_llm)."""
    from assistant.answer import Answer
    from assistant.context import Tools
    from assistant.question import Conversation
    from core.llamacpp import LocalLLM
    from core.settings import Settings

    local = LocalLLM(model="local", model_path="/nonexistent.gguf")  # loads on first use: never here
    conversation = Conversation(Tools(Settings(), components=None, llm=local))
    conversation.remember(FIRST, Answer(question=FIRST, text="…", standalone_question=FIRST))
    assert conversation.resolve("Et le réalisateur ?") == (f"Et le réalisateur ? ({FIRST})", FIRST)
    assert conversation.resolve("Qui est Wajdi Mouawad ?") == ("Qui est Wajdi Mouawad ?", "")
    assert Conversation(Tools(Settings(), components=None, llm=object()))._llm_condenses
    allowed = Settings().model_copy(update={"tuning": Settings().tuning.model_copy(update={"condense_with_local_llm": True})})
    assert Conversation(Tools(allowed, components=None, llm=local))._llm_condenses
