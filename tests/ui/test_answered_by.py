"""The web UI says which answerer wrote each answer and offers the local LLM beside extractive."""

from __future__ import annotations

import pytest

from assistant.answer import Answer
from core import local_model
from ui import chat, render


def test_each_answer_says_who_answered():
    extractive = render.answer_markdown(Answer(question="q", text="« x » [1]", mode="extractive"))
    assert "Answered by: extractive" in extractive
    local = render.answer_markdown(Answer(question="q", text="x [1]", mode=local_model.MODEL_NAME))
    assert f"Answered by: LLM · {local_model.MODEL_NAME}" in local


@pytest.mark.slow
def test_the_local_llm_is_offered_beside_extractive_when_installed(ingested_assistant):
    bots = chat.answerers(ingested_assistant)
    assert "extractive" in bots
    assert (local_model.MODEL_NAME in bots) == local_model.installed(ingested_assistant.settings)
    if local_model.MODEL_NAME in bots:
        assert bots[local_model.MODEL_NAME].mode == local_model.MODEL_NAME
