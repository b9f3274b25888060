"""The one object a question carries through the answering pipeline (assistant/pipeline.py).

Every stage reads what the earlier ones wrote and adds its own part; nothing else is passed along.
Read it top to bottom: the fields are in the order the stages fill them.

Later work plugs in here without reshaping: a check stage (assistant/checks.py) sees the answer text,
the numbered passages and the `evidence` sentences (passage number + span); a compose stage that
writes from the evidence first reads `evidence` before it calls the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from assistant.answer import Answer
from core.settings import Settings


@dataclass(frozen=True)
class Tools:
    """What the stages use, shared by every question of one Assistant: settings, the index (a
    `Components`: embedding model, store, BM25) and the LLM (None: the extractive answerer)."""

    settings: Settings
    components: Any
    llm: Any = None

    @property
    def mode(self) -> str:
        return "extractive" if self.llm is None else str(getattr(self.llm, "model", "llm"))


@dataclass
class Evidence:
    """One sentence the answer rests on: passage [number], characters start:end of that passage's text."""

    number: int  # passage number (1-based, as in the answer's [n])
    start: int
    end: int
    score: float
    text: str


@dataclass
class Plan:
    """How the question is answered: one fact ("single") or a summary ("overview") of an article or the
    corpus, whose intro and evidence are chosen by assistant/plan.py."""

    kind: Literal["single", "overview"] = "single"
    intro: str | None = None


@dataclass
class Context:
    tools: Tools
    question: str  # as asked; `validate` cleans it
    top_k: int | None = None
    conversation: Any = None  # a question.Conversation for chat follow-ups, None for one question
    exclude: frozenset[str] = frozenset()  # chunk ids retrieval skips (an answer again, from the next-best evidence)
    # --- standalone
    standalone: str = ""  # the self-contained question retrieval uses
    history: Sequence[tuple[str, str]] = ()  # earlier (question, answer) turns an LLM sees
    followup: str = ""  # a follow-up resolved against the conversation: the question as asked ("" otherwise)
    said: frozenset[str] = frozenset()  # a follow-up: the sentences the previous answer quoted (evidence.said_key)
    topic: str = ""  # a follow-up carrying the conversation's topic: that earlier question (question.carry_topic)
    # --- retrieve
    started: float = 0.0  # perf_counter when retrieval began (answer timings count from here)
    hits: list[Any] = field(default_factory=list)  # retrieve.Hit, fused, best first
    parts: list[Any] = field(default_factory=list)  # compound.Part: the two halves of a question about two things
    part_bests: list[tuple[str, Evidence]] = field(default_factory=list)  # each part (as asked) and its best sentence
    lexical: float = 0.0  # the question's best BM25 score in the corpus
    lexical_floor: float = 0.0  # the BM25 score meaning "the question's words are there", for this corpus size
    dense: float | None = None  # best cosine similarity between the question and a retrieved passage
    dense_across: bool = False  # that passage is in the other language (e5 ranks such pairs lower)
    # --- plan
    plan: Plan = field(default_factory=Plan)
    # --- evidence
    answer: Answer | None = None  # created with the numbered passages; the stages fill it in
    evidence: list[Evidence] = field(default_factory=list)  # the sentences to quote or to write from
    best: Evidence | None = None  # the best of them, before the sentences they point back to were added
    support: float = 0.0  # weighted share of the question's words in the best sentence (0..1)
    support_across: bool = False  # that sentence is in the other language than the question
    kind_found: bool | None = None  # the evidence holds the kind of fact asked (None: no kind asked, or not checked)
    kind_required: bool = False  # the kind is missing and the question asks for it in so many words (assistant/measures.py)
    measure_found: bool | None = None  # the evidence states an amount of the measure asked (None: none asked, or not checked)
    year_held: bool | None = None  # the evidence states the year the question states (None: none stated, or not checked)
    names_unknown: tuple[str, ...] = ()  # names the question holds that no chunk of the index holds
    focus: float | None = None  # share of the relations asked (assistant/focus.py) an evidence sentence states
    # --- weigh
    signals: Any = None  # abstain.Signals: everything above that the decision weighs
    decision: Any = None  # abstain.Decision from the signals, before anything is written
    # --- compose (LLM): the excerpt of each passage the model read, as (start, end) in the passage text
    windows: list[tuple[int, int]] = field(default_factory=list)
    quoted: bool = False  # the evidence was quoted even with an LLM (an overview, Tuning.llm_overview = "quote")
    # --- check
    highlights: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # passage -> spans relied on
    cited: list[int] = field(default_factory=list)  # valid passage numbers, in order of first use
    notes: list[str] = field(default_factory=list)  # what the checks found, published by `settle`
    unsupported: bool = False  # a check found claims and no passage supports any of them

    @property
    def settings(self) -> Settings:
        return self.tools.settings

    @property
    def llm(self) -> Any:
        return self.tools.llm

    @property
    def written_by_model(self) -> bool:
        return self.llm is not None and not self.quoted
