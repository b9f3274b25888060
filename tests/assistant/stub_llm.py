"""The shared ingested Assistant answering through the OpenAI-wire stub server (tests/fakes/openai_stub.py);
the `stub` fixture is in tests/assistant/conftest.py."""

from __future__ import annotations

from typing import Any

from assistant.api import Assistant
from tests.fakes.openai_stub import OpenAIStub


def stub_bot(ingested_assistant: Assistant, stub: OpenAIStub, **overrides: Any) -> Assistant:
    """`ingested_assistant` answering through `stub` (no retry, a 5 s timeout unless `overrides` say;
    `tuning` may be a dict of the Tuning fields to change)."""
    values: dict[str, Any] = dict(llm="openai_like", llm_base_url=stub.base_url, llm_model="stub-model",
                                  llm_api_key="sk-test", llm_max_retries=0, llm_timeout=5.0)
    values.update(overrides)
    return ingested_assistant.variant(**values)
