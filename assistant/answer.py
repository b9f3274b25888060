"""What `Assistant.ask` returns: the answer text with [n] markers and the passages behind it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Language = Literal["fr", "en"]


@dataclass(frozen=True)
class Passage:
    """One retrieved passage. `number` is the n of its [n] marker in the answer."""

    number: int
    source: str  # path relative to the ingested folder, e.g. "002_0f7ae77d079d1074.txt"
    title: str  # the article or section heading the passage falls under
    text: str  # the chunk text (normalised)
    score: float  # fused retrieval score (higher is better)
    start_char: int = 0  # offsets into the source text: source_text[start_char:end_char]
    end_char: int = 0
    node_id: str = ""
    # Spans (start, end) inside `text` of the sentences the answer quotes or relies on.
    highlights: tuple[tuple[int, int], ...] = ()
    # Other documents holding exactly this passage ("folder/source"), shown with it instead of repeated.
    also_in: tuple[str, ...] = ()
    # A PDF's passage: the pages its text is on (page == page_end on one page); None for other
    # formats, and for PDFs ingested before page numbers were kept.
    page: int | None = None
    page_end: int | None = None
    # e5 tokens of `text`, counted at ingest (None for indexes made before it was kept).
    tokens: int | None = None

    @property
    def pages(self) -> str:
        """"page 3", "pages 3–4", or "" when the page is not known."""
        if self.page is None:
            return ""
        last = self.page_end if self.page_end is not None else self.page
        return f"page {self.page}" if last <= self.page else f"pages {self.page}–{last}"


# The public name used in the API docs: ans.citations is a list of Citation.
Citation = Passage


@dataclass
class Answer:
    """An answer with its evidence. `citations` are the passages the text cites, in marker order."""

    question: str
    text: str
    citations: list[Passage] = field(default_factory=list)
    retrieved: list[Passage] = field(default_factory=list)
    abstained: bool = False
    mode: str = "extractive"  # "extractive" or the LLM's model name
    language: Language = "en"
    standalone_question: str = ""  # the question after follow-up resolution
    # Sentences whose citation was removed or looks unsupported, for the UI and the eval.
    warnings: list[str] = field(default_factory=list)
    error: str | None = None  # set when the answer could not be completed (e.g. the LLM failed)
    timings: dict[str, float] = field(default_factory=dict)
    # Why the answer was given or withheld (assistant/abstain.py): the signals and their verdicts.
    abstain_reasons: list[str] = field(default_factory=list)
    model_text: str = ""  # LLM modes: what the model wrote, before citations were attributed and checked
    # The LLM's own token counts when it reports them: {"prompt_tokens": n, "completion_tokens": m}.
    llm_usage: dict[str, int] | None = None

    @property
    def complete(self) -> bool:
        return self.error is None

    def sources_text(self) -> str:
        """The numbered source list, as the CLI prints it."""
        lines = [
            f"[{c.number}] {c.title} — {c.source}" + (f" (also in {', '.join(c.also_in)})" if c.also_in else "")
            for c in self.citations
        ]
        return "\n".join(lines)
