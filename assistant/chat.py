"""Chat sessions: one conversation, its follow-ups resolved against the earlier turns
(assistant/question.py) before they go through the pipeline like any question."""

from __future__ import annotations

from collections.abc import Collection

from assistant import pipeline
from assistant.answer import Answer
from assistant.context import Tools
from assistant.pipeline import AnswerStream
from assistant.question import Conversation


class ChatSession:
    """One conversation. Keep one per user: sessions never share history."""

    def __init__(self, tools: Tools) -> None:
        self.conversation = Conversation(tools)
        self.tools = tools

    @property
    def history(self) -> list[tuple[str, Answer]]:
        return self.conversation.history

    def reset(self) -> None:
        self.conversation.reset()

    def seed(self, turns: list[tuple[str, str]]) -> None:
        """Start over from a conversation kept elsewhere (a client's history): (question, answer text) pairs."""
        self.conversation.seed(turns)

    def standalone(self, question: str) -> str:
        """The self-contained form of `question` in this conversation (what retrieval would use)."""
        return self.conversation.standalone(question)

    def stream(self, question: str, *, top_k: int | None = None, exclude: Collection[str] = ()) -> AnswerStream:
        """The next turn's answer, streamed; `exclude` as in `Assistant.ask` (chunk ids retrieval skips)."""
        inner = pipeline.answer(self.tools, question, top_k=top_k, conversation=self.conversation, exclude=frozenset(exclude))

        def pieces():
            yield from inner
            if inner.answer.complete:  # a failed turn is not part of the conversation
                self.conversation.remember(inner.answer.question, inner.answer)

        return AnswerStream(pieces(), inner.answer)

    def ask(self, question: str, *, top_k: int | None = None, exclude: Collection[str] = ()) -> Answer:
        return self.stream(question, top_k=top_k, exclude=exclude).consume()
