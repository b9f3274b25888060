"""Fixtures for the assistant tests: the OpenAI-wire stub server (tests/fakes/openai_stub.py), faulting
only on chat completions when told; tests/assistant/stub_llm.py points the Assistant at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.openai_stub import OpenAIStub


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    with OpenAIStub(fault_paths=["/v1/chat/completions"]) as server:
        yield server
