"""Stages 1-2 of the pipeline: `validate` the question, then make it `standalone`.

validate    the documents' own normalisation (NFKC, soft hyphens and zero-width characters dropped…),
            so a question pasted from a web page or a PDF matches the text it asks about; bounded length.
standalone  a chat follow-up is rewritten into a self-contained question before retrieval.

With a remote LLM, a condense step rewrites the follow-up (`Tuning.condense_with_llm`); the local model does
not (`Tuning.condense_with_local_llm`: its rewrites dropped the subject on dev). Otherwise, a
follow-up that depends on the previous turn (starts with "et", "and", "what about"…, is very short,
or leans on a pronoun) carries the conversation's topic along for retrieval: the last self-contained
question, never the previous rewrite (rewrites would nest turn after turn), cut so the result stays
within the question limit. A fresh question that names its subject ("Qui est Jacob Lachat ?") starts
a new topic.
"""

from __future__ import annotations

import re

from assistant import generate
from assistant.answer import Answer
from assistant.context import Context, Tools
from assistant.evidence import said_key
from core.errors import InvalidQuestionError
from core.llamacpp import LocalLLM
from core.text import content_terms, unencodable
from ingest.clean import normalize

_CONNECTOR = re.compile(
    r"^\s*(et|mais|puis|alors|aussi|and|but|also|so|what about|how about|and what|et pour|et en|et si|et le|et la|et les)\b",
    re.IGNORECASE,
)
_PRONOUN = re.compile(
    r"\b(il|elle|ils|elles|lui|leur|leurs|ce|cela|ça|celui|celle|ceux|y|en|l'|l’|it|its|they|them|their|he|she|him|her|this|that|these|those)\b",
    re.IGNORECASE,
)
# A demonstrative naming a thing ("that library", "ce paquet", "ces spots"): the thing is in the previous turn.
# English "that" only after a verb or a preposition ("the Blue Hole that Alessia…" is a relative clause).
_DEMONSTRATIVE = re.compile(
    r"\b(?:this|these|those|cet|cette|ces|ce(?!\s+(?:qui|que|qu['’]))|ledit|ladite)\s+[a-zà-ÿ]{3,}"
    r"|(?:^|\b(?:is|are|was|were|for|from|in|of|on|about|with|to|by|into|does|did|do|use|install|build)\s+)that\s+"
    r"(?!is\b|was\b|are\b|were\b)[a-z]{3,}",
    re.IGNORECASE,
)
# A capitalised word after the first one, or a number: the question names its own subject.
# The first quote of a quoting answer (assistant/compose.py FRAMES: « … » [n] or “…” [n]), up to the closing
# mark its citation follows: a quote may hold the document's own « … ».
_FIRST_QUOTE = re.compile(r"(?:«\s|“)(.+?)(?:\s»|”)\s?\[\d+\]", re.S)
_NAMED = re.compile(r"(?<=\s)[A-ZÀ-Ý][\w’'-]+|\d")


def validate(ctx: Context) -> None:
    """Stage: clean the question; refuse one that is not text, empty or too long."""
    ctx.question = clean_question(ctx.question, ctx.settings.max_question_chars)


def clean_question(question: object, limit: int) -> str:
    if not isinstance(question, str):
        raise InvalidQuestionError("The question must be text.")
    if bad := unencodable(question):
        raise InvalidQuestionError(f"The question contains {bad}, which cannot be encoded: remove it and retry.")
    cleaned = " ".join(normalize(question)[0].split())
    if not cleaned:
        raise InvalidQuestionError("The question is empty: type a question about the corpus.")
    if len(cleaned) > limit:
        raise InvalidQuestionError(
            f"The question is too long ({len(cleaned)} characters; the limit is "
            f"{limit}). Shorten it or raise ASSISTANT_MAX_QUESTION_CHARS."
        )
    return cleaned


def standalone(ctx: Context) -> None:
    """Stage: the self-contained question retrieval uses, and the earlier turns an LLM may see."""
    conversation = ctx.conversation
    ctx.standalone, ctx.topic = conversation.resolve(ctx.question) if conversation else (ctx.question, "")
    ctx.history = conversation.for_model(ctx.question) if conversation else ()
    if conversation and ctx.standalone != ctx.question:  # a follow-up: its own kind of fact, and what it adds
        ctx.followup = ctx.question
        ctx.said = conversation.said_before(ctx.question)


# --- follow-ups ------------------------------------------------------------------------------------


def depends_on_history(question: str) -> bool:
    """True when a question probably cannot be understood without the previous turn."""
    terms = content_terms(question)
    if _CONNECTOR.search(question):
        return True
    if len(terms) <= 4 and _PRONOUN.search(question):
        return True
    if _DEMONSTRATIVE.search(question):
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


def bounded(question: str, limit: int) -> str:
    """A rewritten question cut at a word boundary to `limit` characters."""
    if len(question) <= limit:
        return question
    return question[:limit].rsplit(" ", 1)[0] or question[:limit]


class Conversation:
    """The turns of one chat and its topic: what a follow-up is resolved against."""

    def __init__(self, tools: Tools) -> None:
        self.tools = tools
        self.history: list[tuple[str, Answer]] = []
        self.topic = ""  # the last self-contained question: what follow-ups are about

    @property
    def _llm_condenses(self) -> bool:
        llm, tuning = self.tools.llm, self.tools.settings.tuning
        if llm is None:
            return False
        return tuning.condense_with_local_llm if isinstance(llm, LocalLLM) else tuning.condense_with_llm

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
            resolved = question if self._llm_condenses else self.standalone(question)
            self.remember(question, Answer(question=question, text=text, standalone_question=resolved))

    def remember(self, question: str, answer: Answer) -> None:
        self.history.append((question, answer))
        if self._llm_condenses or not depends_on_history(question) or not self.topic:
            self.topic = answer.standalone_question or question

    def standalone(self, question: str) -> str:
        return self.resolve(question)[0]

    def resolve(self, question: str) -> tuple[str, str]:
        """The self-contained question for retrieval, and the topic it carries ("" when the follow-up was
        rewritten by the LLM or is not one): an LLM answering it reads the follow-up and that earlier question apart."""
        limit = self.tools.settings.max_question_chars
        if not self.history:
            return question, ""
        if self._llm_condenses:
            turns = [(q, a.text) for q, a in self.history]
            rewritten = bounded(generate.condense(self.tools.llm, turns, question), limit)
            # A small model may drop the subject ("Et qui a réalisé le film ?" -> "Qui a réalisé le film ?"):
            # a rewrite adding no word to a follow-up resolved nothing, so carry the topic as offline.
            if self.topic and depends_on_history(question) and set(content_terms(rewritten)) <= set(content_terms(question)):
                return carry_topic(question, self.topic, limit), self.topic
            return rewritten, ""
        if depends_on_history(question) and self.topic:
            return carry_topic(question, self.topic, limit), self.topic
        return question, ""

    def said_before(self, question: str) -> frozenset[str]:
        """What the previous answer answered with, when `question` leans on it: its first quoted sentence (the
        highlighted span its text shows first), which evidence.py weighs less unless it holds what the
        follow-up adds. The sentences quoted after it were context and may hold what the follow-up asks."""
        if not self.history or not depends_on_history(question):
            return frozenset()
        answer = self.history[-1][1]
        quoted = _FIRST_QUOTE.search(answer.text)  # a quoting answer: its first quote, read from the text itself,
        if quoted:  # so a client's history (text only, the HTTP API) weighs the same sentence as a live session
            return frozenset([said_key(quoted.group(1))])
        shown = said_key(answer.text)
        spans = [said_key(c.text[start:end]) for c in answer.citations for start, end in c.highlights]
        found = [(shown.find(span), span) for span in spans if span and span in shown]
        return frozenset([min(found)[1]]) if found else frozenset()

    def for_model(self, question: str) -> list[tuple[str, str]]:
        """The previous turn, for an LLM answering a follow-up that leans on it; nothing otherwise."""
        if self.tools.llm is None or not self.tools.settings.tuning.llm_sees_previous_turn:
            return []
        if not self.history or not depends_on_history(question):
            return []
        asked, answer = self.history[-1]
        return [] if answer.abstained or not answer.text else [(asked, answer.text)]
