"""The `messages` array as a conversation (no model needed)."""

from __future__ import annotations

import pytest

from server.conversation import split
from server.errors import APIError
from server.schemas import Message


def msgs(*pairs: tuple[str, object]) -> list[Message]:
    return [Message(role=role, content=content) for role, content in pairs]


def test_earlier_turns_pair_questions_with_answers():
    turns, question = split(msgs(("system", "be nice"), ("user", "Q1"), ("assistant", "A1"), ("user", "Q2"),
                                 ("user", "Q3"), ("assistant", "A3"), ("tool", "x"), ("user", "Q4")))
    assert turns == [("Q1", "A1"), ("Q2", ""), ("Q3", "A3")] and question == "Q4"


def test_content_parts_are_joined_and_empty_turns_skipped():
    turns, question = split(msgs(("user", " "), ("assistant", "orphan"), ("user", " Q1\n two "), ("assistant", "A1"),
                                 ("user", [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}])))
    assert turns == [("Q1 two", "A1")] and question == "a\nb"


@pytest.mark.parametrize("messages", [msgs(("user", "Q"), ("assistant", "A")), msgs(("system", "only"))])
def test_the_last_message_must_be_the_users(messages):
    with pytest.raises(APIError) as info:
        split(messages)
    assert info.value.status == 400


@pytest.mark.slow
def test_a_seeded_chat_session_rewrites_a_follow_up_like_the_lived_one(ingested_assistant):
    bot = ingested_assistant
    lived = bot.chat()
    first = lived.ask("Combien de professionnels le syndicat SAG-AFTRA représente-t-il ?")
    told = bot.chat()
    told.seed([("Combien de professionnels le syndicat SAG-AFTRA représente-t-il ?", first.text)])
    follow = "Et qui est son directeur exécutif ?"
    assert told.standalone(follow) == lived.standalone(follow) != follow
