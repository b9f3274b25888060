"""Chat sessions: follow-up questions are rewritten into standalone ones before retrieval.

With an LLM, a condense step rewrites the follow-up. Offline, a follow-up that depends on the
previous turn (starts with "et", "and", "what about"…, is very short, or leans on a pronoun)
carries the previous question's topic along for retrieval.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant import generate
from assistant.answer import Answer
from core.text import content_terms

if TYPE_CHECKING:
    from assistant.api import Assistant, AnswerStream

_CONNECTOR = re.compile(
    r"^\s*(et|mais|puis|alors|aussi|and|but|also|so|what about|how about|and what|et pour|et en|et si|et le|et la|et les)\b",
    re.IGNORECASE,
)
_PRONOUN = re.compile(
    r"\b(il|elle|ils|elles|lui|leur|leurs|ce|cela|ça|celui|celle|ceux|y|en|l'|l’|it|its|they|them|their|he|she|him|her|this|that|these|those)\b",
    re.IGNORECASE,
)


def depends_on_history(question: str) -> bool:
    """True when a question probably cannot be understood without the previous turn."""
    terms = content_terms(question)
    if _CONNECTOR.search(question) or len(terms) <= 2:
        return True
    return len(terms) <= 4 and bool(_PRONOUN.search(question))


def carry_topic(question: str, previous: str) -> str:
    """Offline follow-up resolution: the follow-up, then the previous standalone question."""
    return f"{question} ({previous})"


class ChatSession:
    """One conversation. Keep one per user: sessions never share history."""

    def __init__(self, bot: "Assistant") -> None:
        self.bot = bot
        self.history: list[tuple[str, Answer]] = []

    def reset(self) -> None:
        self.history.clear()

    def seed(self, turns: list[tuple[str, str]]) -> None:
        """Start over from a conversation kept elsewhere (a client's history): (question, answer text) pairs."""
        self.reset()
        for question, text in turns:
            # Offline the rewrite is cheap and rebuilds the topic; an LLM is not called again for old turns.
            standalone = question if self.bot.llm is not None else self.standalone(question)
            self.history.append((question, Answer(question=question, text=text, standalone_question=standalone)))

    def standalone(self, question: str) -> str:
        if not self.history:
            return question
        previous = self.history[-1][1]
        if self.bot.llm is not None:
            turns = [(q, a.text) for q, a in self.history]
            return generate.condense(self.bot.llm, turns, question)
        if depends_on_history(question):
            return carry_topic(question, previous.standalone_question or previous.question)
        return question

    def stream(self, question: str, *, top_k: int | None = None) -> "AnswerStream":
        from assistant.api import AnswerStream

        question = self.bot._validate(question)
        inner = self.bot.answer_stream(question, self.standalone(question), top_k=top_k)

        def pieces():
            yield from inner
            if inner.answer.complete:
                self.history.append((question, inner.answer))

        return AnswerStream(pieces(), inner.answer)

    def ask(self, question: str, *, top_k: int | None = None) -> Answer:
        return self.stream(question, top_k=top_k).consume()
