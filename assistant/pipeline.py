"""The answering pipeline: one question's whole path, in the order it happens.

Each stage is a small function over one `Context` (assistant/context.py), in its own file:

    validate     question.py   clean the question (the documents' own normalisation), bound its length
    standalone   question.py   a chat follow-up rewritten into a self-contained question
    retrieve     retrieve.py   hybrid search (dense + BM25, fused) and the lexical/dense signals
    plan         plan.py       one fact, or an overview of an article / the corpus (its own evidence)
    evidence     evidence.py   number the passages; pick the sentences that answer (passage + span)
    weigh        abstain.py    the abstention decision from every signal; withheld: the "not in the corpus" text
    --- the stages above run when the question is asked (their errors raise at once); the ones
    --- below run while the answer is streamed
    compose      compose.py    quote the evidence (extractive) or stream the LLM's answer
    check        checks.py     every check in CHECKS (citations, stated facts) on the written answer
    settle       abstain.py    the model declined or nothing supports the answer: abstain; else publish citations

`Assistant` (assistant/api.py) and `ChatSession` (assistant/chat.py) are thin faces over `answer`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from assistant.abstain import settle, weigh
from assistant.answer import Answer
from assistant.checks import check
from assistant.compose import compose
from assistant.context import Context, Tools
from assistant.evidence import evidence
from assistant.plan import plan
from assistant.question import standalone, validate
from assistant.retrieve import retrieve

Stage = Callable[[Context], Any]

ASKED: list[Stage] = [validate, standalone, retrieve, plan, evidence, weigh]
STREAMED: list[Stage] = [compose, check, settle]


class AnswerStream:
    """Iterate to get text pieces as they are produced; `.answer` is complete after the loop."""

    def __init__(self, pieces: Iterator[str], answer: Answer) -> None:
        self._pieces = pieces
        self.answer = answer

    def __iter__(self) -> Iterator[str]:
        yield from self._pieces

    def consume(self) -> Answer:
        for _ in self:
            pass
        return self.answer


def answer(
    tools: Tools, question: str, *, top_k: int | None = None, conversation: Any = None, exclude: frozenset[str] = frozenset()
) -> AnswerStream:
    """Run the asked stages now, and the streamed ones as the returned stream is read."""
    ctx = Context(tools=tools, question=question, top_k=top_k, conversation=conversation, exclude=exclude)
    for stage in ASKED:
        stage(ctx)
    return AnswerStream(_streamed(ctx), ctx.answer)


def _streamed(ctx: Context) -> Iterator[str]:
    try:
        for stage in STREAMED:
            pieces = stage(ctx)
            if pieces is not None:
                yield from pieces
    finally:
        ctx.answer.timings["total"] = time.perf_counter() - ctx.started
