"""Chat sessions: follow-up questions are rewritten into standalone ones before retrieval.

With an LLM, a condense step rewrites the follow-up. Offline, a follow-up that depends on the
previous turn (starts with "et", "and", "what about"…, is very short, or leans on a pronoun)
carries the conversation's topic along for retrieval: the last self-contained question, never the
previous rewrite (rewrites would nest turn after turn), cut so the result stays within the
question limit. A fresh question that names its subject ("Qui est Jacob Lachat ?") starts a new topic.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant import generate
from assistant.answer import Answer
from core.errors import InvalidQuestionError
from core.text import content_terms, unencodable

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


# A capitalised word after the first one, or a number: the question names its own subject.
_NAMED = re.compile(r"(?<=\s)[A-ZÀ-Ý][\w’'-]+|\d")


def depends_on_history(question: str) -> bool:
    """True when a question probably cannot be understood without the previous turn."""
    terms = content_terms(question)
    if _CONNECTOR.search(question):
        return True
    if len(terms) <= 4 and _PRONOUN.search(question):
        return True
    return len(terms) <= 2 and not _NAMED.search(question.strip())


def carry_topic(question: str, topic: str, limit: int = 2000) -> str:
    """Offline follow-up resolution: the follow-up, then the topic, cut to stay within `limit` characters."""
    room = limit - len(question) - 3
    if room < 10:
        return question[:limit]
    if len(topic) > room:
        topic = topic[:room].rsplit(" ", 1)[0].rstrip(" ,;:") or topic[:room]
    return f"{question} ({topic})"


# With an LLM: whether a follow-up is rewritten by the LLM (one more model call) or resolved by the
# offline rule above, and whether the LLM answering a follow-up also sees the previous turn.
# Chosen on the 10 dev follow-ups (benchmarks/tune_llm.py): the LLM's rewrite found key facts 0.700,
# the offline rule with the previous turn given to the LLM 0.600 (p50 16.6 s against 13.9 s).
CONDENSE_WITH_LLM = True
LLM_SEES_PREVIOUS_TURN = False


def bounded(question: str, limit: int) -> str:
    """A rewritten question cut at a word boundary to `limit` characters."""
    if len(question) <= limit:
        return question
    return question[:limit].rsplit(" ", 1)[0] or question[:limit]


class ChatSession:
    """One conversation. Keep one per user: sessions never share history."""

    def __init__(self, bot: "Assistant") -> None:
        self.bot = bot
        self.history: list[tuple[str, Answer]] = []
        self.topic = ""  # the last self-contained question: what follow-ups are about

    def reset(self) -> None:
        self.history.clear()
        self.topic = ""

    def seed(self, turns: list[tuple[str, str]]) -> None:
        """Start over from a conversation kept elsewhere (a client's history): (question, answer text) pairs."""
        for number, (question, text) in enumerate(turns, 1):
            if bad := unencodable(question) or unencodable(text):
                raise InvalidQuestionError(
                    f"Earlier turn {number} of the conversation contains {bad}, which cannot be encoded: remove it and retry."
                )
        self.reset()
        for question, text in turns:
            # Offline the rewrite is cheap and rebuilds the topic; an LLM is not called again for old turns.
            standalone = question if self._llm_condenses else self.standalone(question)
            self._remember(question, Answer(question=question, text=text, standalone_question=standalone))

    def _remember(self, question: str, answer: Answer) -> None:
        self.history.append((question, answer))
        if self._llm_condenses or not depends_on_history(question) or not self.topic:
            self.topic = answer.standalone_question or question

    def standalone(self, question: str) -> str:
        limit = self.bot.settings.max_question_chars
        if not self.history:
            return question
        if self._llm_condenses:
            turns = [(q, a.text) for q, a in self.history]
            rewritten = bounded(generate.condense(self.bot.llm, turns, question), limit)
            # A small model may drop the subject ("Et qui a réalisé le film ?" -> "Qui a réalisé le film ?"):
            # a rewrite adding no word to a follow-up resolved nothing, so carry the topic as offline.
            if self.topic and depends_on_history(question) and set(content_terms(rewritten)) <= set(content_terms(question)):
                return carry_topic(question, self.topic, limit)
            return rewritten
        if depends_on_history(question) and self.topic:
            return carry_topic(question, self.topic, limit)
        return question

    @property
    def _llm_condenses(self) -> bool:
        return self.bot.llm is not None and CONDENSE_WITH_LLM

    def conversation(self, question: str) -> list[tuple[str, str]]:
        """The previous turn, for an LLM answering a follow-up that leans on it; nothing otherwise."""
        if self.bot.llm is None or not LLM_SEES_PREVIOUS_TURN or not self.history or not depends_on_history(question):
            return []
        asked, answer = self.history[-1]
        return [] if answer.abstained or not answer.text else [(asked, answer.text)]

    def stream(self, question: str, *, top_k: int | None = None) -> "AnswerStream":
        from assistant.api import AnswerStream

        question = self.bot._validate(question)
        inner = self.bot.answer_stream(
            question, self.standalone(question), top_k=top_k, history=self.conversation(question)
        )

        def pieces():
            yield from inner
            if inner.answer.complete:
                self._remember(question, inner.answer)

        return AnswerStream(pieces(), inner.answer)

    def ask(self, question: str, *, top_k: int | None = None) -> Answer:
        return self.stream(question, top_k=top_k).consume()
