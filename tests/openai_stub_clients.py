"""What the OpenAI stub's own tests (tests/test_openai_stub*.py) share: passages and the reply the default
responder gives them, the stub (a fixture), and a real openai SDK client pointed at it."""

from __future__ import annotations

import openai
import pytest

from tests.fakes.openai_stub import OpenAIStub

PASSAGES = (
    'Question: how long is the warranty?\n\n'
    '<passage id="1" source="warranty.txt">The warranty lasts two years. It covers parts only.</passage>\n'
    '<passage id="2" source="returns.txt">Returns are accepted within 30 days.</passage>'
)
EXPECTED = "The warranty lasts two years. [1]"


@pytest.fixture
def stub():
    with OpenAIStub() as s:
        yield s


def make_client(stub: OpenAIStub, **kwargs) -> openai.OpenAI:
    kwargs.setdefault("max_retries", 0)
    kwargs.setdefault("timeout", 10)
    return openai.OpenAI(base_url=stub.base_url, api_key="test", **kwargs)


def user(text: str) -> list[dict]:
    return [{"role": "system", "content": "Answer from the passages; cite them like [1]."},
            {"role": "user", "content": text}]
