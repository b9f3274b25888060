"""The real local model (Qwen2.5-Coder-1.5B-Instruct through llama.cpp), brought up once per session.

scripts/setup installs llama-cpp-python and assembles the GGUF before the suite runs; a missing model
fails these tests (it is never skipped): the local LLM is part of what the project ships.
"""

from __future__ import annotations

import pytest

from core import local_model


@pytest.fixture(scope="session")
def local_bot(ingested_assistant):
    """The bundled-corpus assistant answering with the local model; short answers keep CI fast."""
    assert local_model.installed(ingested_assistant.settings), "the local model is not installed: run scripts/setup"
    bot = ingested_assistant.variant(llm="local", llm_max_tokens=60, llm_temperature=0.0)
    bot.llm.load()
    return bot
