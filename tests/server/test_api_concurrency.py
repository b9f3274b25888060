"""20 clients at once through the HTTP API (half streaming): every answer is complete and is the one the
assistant gives that conversation alone; no conversation picks up another's topic.

The conversations are the eval's follow-ups whose second turn comes out differently when asked after
another conversation's first question, so a mix-up cannot pass unnoticed.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import openai
import pytest

from eval.dataset import load_questions

pytestmark = pytest.mark.slow

CLIENTS = 20


@pytest.fixture(scope="module")
def conversations(ingested_assistant) -> list[tuple[list[str], list[Any]]]:
    """(turns, the answers a ChatSession gives them alone) for follow-ups that tell sessions apart."""
    bot = ingested_assistant
    followups = [q for q in load_questions() if q.kind == "followup"]
    found = []
    for i, q in enumerate(followups):
        turns = [*q.history, q.question]
        session = bot.chat()
        answers = [session.ask(t) for t in turns]
        crossed = bot.chat()
        crossed.ask(followups[(i + 1) % len(followups)].history[-1])
        if crossed.ask(q.question).text != answers[-1].text:
            found.append((turns, answers))
    assert len(found) >= 3, f"only {len(found)} follow-ups tell sessions apart"
    return found


def converse(client: openai.OpenAI, turns: list[str], stream: bool) -> list[tuple[str, str, bool]]:
    """Each turn sent with the whole conversation so far, as chat clients do: (text, standalone, complete)."""
    messages: list[dict] = []
    out = []
    for turn in turns:
        messages.append({"role": "user", "content": turn})
        if stream:
            chunks = list(client.chat.completions.create(model="extractive", messages=messages, stream=True))
            text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
            last = chunks[-1]
            complete = last.choices[0].finish_reason == "stop" and last.text == text
        else:
            last = client.chat.completions.create(model="extractive", messages=messages)
            text = last.choices[0].message.content
            complete = last.choices[0].finish_reason == "stop"
        out.append((text, last.standalone_question, complete))
        messages.append({"role": "assistant", "content": text})
        time.sleep(0.01)  # let the other clients interleave
    return out


def test_twenty_concurrent_clients_get_their_own_complete_answers(api_url, conversations):
    client = openai.OpenAI(base_url=f"{api_url}/v1", api_key="unused", max_retries=0, timeout=120)
    jobs = [(conversations[i % len(conversations)], i % 2 == 1) for i in range(CLIENTS)]
    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(lambda job: converse(client, job[0][0], job[1]), jobs))
    for ((turns, alone), stream), got in zip(jobs, results):
        assert len(got) == len(turns)
        for (text, standalone, complete), expected in zip(got, alone):
            assert complete, f"an incomplete answer (stream={stream})"
            assert text == expected.text, f"{turns}: the answer differs from the same conversation alone"
            assert standalone == expected.standalone_question, f"{turns}: resolved against another conversation"
