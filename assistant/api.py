"""The public Python API: `Assistant`. Scripts, the web UI and the eval all go through it.

    from assistant import Assistant
    bot = Assistant()                    # settings from env / .env / defaults
    bot.ingest("corpus/")                # -> SyncReport
    ans = bot.ask("Qui a composé la musique du film 2050 ?")
    stream = bot.stream("...")
    for piece in stream: print(piece, end="")
    stream.answer                        # the final Answer once the stream is exhausted
    chat = bot.chat(); chat.ask("..."); chat.ask("et en 2018 ?")
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.answer import Answer, Passage
from assistant import overview
from assistant.abstain import Signals
from assistant.answering import answer_pieces, policy_of
from assistant.extractive import Quote
from assistant.chat import ChatSession
from assistant.conversations import FILE_NAME as CONVERSATIONS_FILE, ConversationStore
from assistant.components import Components
from core.errors import AssistantError, EmptyIndexError, InvalidQuestionError
from core.providers import embedding_identity, make_llm, prepare_offline_environment
from assistant.retrieve import Hit
from core.settings import Settings
from core.text import guess_language
from index.store import IndexChangedError
from ingest.clean import normalize
from ingest.report import SyncReport


@dataclass(frozen=True)
class DocumentInfo:
    source: str
    root: str
    titles: list[str]
    chunks: int
    tokens: int
    ingested_at: str


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


class Assistant:
    """Ask a corpus questions; get answers that cite their passages."""

    def __init__(self, settings: Settings | None = None, *, components: Components | None = None) -> None:
        prepare_offline_environment()
        self.settings = settings or Settings()
        self._components = components or Components(self.settings)
        self.llm = make_llm(self.settings)

    # --- configuration -------------------------------------------------------------------------

    @property
    def mode(self) -> str:
        return "extractive" if self.llm is None else str(getattr(self.llm, "model", "llm"))

    @property
    def embed_model(self) -> Any:
        """The loaded embedding model (shared by variants)."""
        return self._components.embed_model

    def variant(self, **overrides: Any) -> "Assistant":
        """Another assistant over the same store and loaded model, with some settings changed."""
        # Re-validate (model_copy would not): every field is given, so the environment cannot leak in.
        settings = type(self.settings)(_env_file=None, **{**self.settings.model_dump(), **overrides})
        return Assistant(settings, components=self._components)

    # --- ingest --------------------------------------------------------------------------------

    def ingest(self, path: str | Path, *, show_progress: bool = True, rebuild: bool = False) -> SyncReport:
        """Sync a folder (or one file) into the index; see ingest/sync.py for the rules."""
        return self._components.sync(Path(path), show_progress=show_progress, rebuild=rebuild)

    def documents(self) -> list[DocumentInfo]:
        """Every ingested document, as the index (Chroma) records it: the same list on every machine."""
        out = [DocumentInfo(r.source, r.root_path, r.titles, r.chunks, r.tokens, r.ingested_at)
               for r in self._components.records()]
        return sorted(out, key=lambda d: (d.root, d.source))

    def remove(self, source: str, root: str | None = None) -> int:
        """Remove one document from the index (Chroma records + chunks, BM25); returns the chunks removed.

        A file still in its folder comes back at the next sync of that folder (see `comes_back`)."""
        return self._components.remove(source, root)

    @staticmethod
    def comes_back(source: str, root: str) -> str:
        """A note for a removal whose file is still in its folder ("" when the file is gone)."""
        path = Path(root) / source
        if not root or not path.is_file():
            return ""
        return (f"{source} is still in {root}: the next sync of that folder brings it back; "
                "delete the file from the folder to drop it for good.")

    def source_text(self, source: str, root: str | None = None) -> str:
        return self._components.source_text(source, root)

    def warm_up(self) -> None:
        """Load the embedding model, the BM25 index and a local LLM now, so the first question is not slow."""
        try:
            self.retrieve("warm-up")
            if hasattr(self.llm, "load"):
                self.llm.load()
        except AssistantError:
            pass  # an empty or mismatched index, or a model that fails to load, is reported when the user asks

    # --- asking --------------------------------------------------------------------------------

    def retrieve(self, question: str, *, top_k: int | None = None) -> list[Passage]:
        question = self._validate(question)
        return [self._passage(i, hit) for i, hit in enumerate(self._search(question, top_k), 1)]

    def ask(self, question: str, *, top_k: int | None = None) -> Answer:
        return self.stream(question, top_k=top_k).consume()

    def stream(self, question: str, *, top_k: int | None = None) -> AnswerStream:
        question = self._validate(question)
        return self.answer_stream(question, question, top_k=top_k)

    def chat(self) -> ChatSession:
        return ChatSession(self)

    def answer_stream(
        self, question: str, standalone: str, *, top_k: int | None = None, history: Sequence[tuple[str, str]] = ()
    ) -> AnswerStream:
        """Answer `question`, retrieving with `standalone` (its self-contained form, for follow-ups).

        `history`: earlier (question, answer) turns an LLM should see; the extractive answerer ignores it."""
        started = time.perf_counter()
        hits = self._search(standalone, top_k)
        language = guess_language(question)
        bm25_scores = [h.bm25 for h in hits if h.bm25 is not None]
        lexical = max(bm25_scores, default=0.0) if self.settings.retrieval != "dense" else self._components.bm25_top_score(standalone)
        dense = max((h.dense for h in hits if h.dense is not None), default=None)
        signals = Signals(
            lexical=lexical or 0.0, lexical_floor=self._components.abstain_threshold(self.settings.abstain_threshold),
            dense=dense,
        )
        wanted = overview.detect(standalone)
        plan = None
        if wanted is not None:
            hits, plan = self._overview(wanted, hits, language)
        answer = Answer(
            question=question, text="", retrieved=[self._passage(i, h) for i, h in enumerate(hits, 1)],
            mode=self.mode, language=language, standalone_question=standalone,  # type: ignore[arg-type]
        )
        answer.timings["retrieve"] = time.perf_counter() - started
        weights = self._components.term_weights
        policy = policy_of(self.settings, embedding_identity(self.settings))
        embed = self._components.embed_texts if self.llm is not None else None
        pieces = answer_pieces(
            answer, hits, self.llm, self.settings, weights, signals, policy, started, plan, embed, history
        )
        return AnswerStream(pieces, answer)

    def _overview(self, wanted: overview.OverviewQuestion, hits: list[Hit], language: str) -> tuple[list[Hit], Any]:
        """The passages and quotes of an overview answer (the named article, or the corpus's main ones)."""
        weights = self._components.term_weights
        count = max(3, self.settings.max_answer_sentences)
        if wanted.kind == "corpus":
            articles = self._components.articles()
            chosen, quotes = [], []
            for source, title, _ in articles[: self.settings.top_k]:
                nodes = self._components.article_nodes(source, title)
                span = overview.lead_sentence(nodes[0], title) if nodes else None
                if span:
                    chosen.append(Hit(node=nodes[0], score=0.0))
                    quotes.append(Quote(len(chosen), *span, 0.0, nodes[0].get_content()[span[0] : span[1]]))
            documents = len({source for source, _, _ in articles})
            return chosen or hits, (overview.corpus_intro(len(articles), documents, language), quotes)
        keys = [(str(h.node.metadata.get("source", "")), str(h.node.metadata.get("title", "")), h.score) for h in hits]
        picked = overview.pick_article(wanted.subject, keys)
        if picked is None:
            return hits, None
        nodes = self._components.article_nodes(*picked)
        picks = overview.summary_sentences(nodes, picked[1], weights, count)
        if not picks:
            return hits, None
        used = sorted({p.index for p in picks})
        chosen = [Hit(node=nodes[i], score=0.0) for i in used]
        quotes = [Quote(used.index(p.index) + 1, p.start, p.end, 0.0, nodes[p.index].get_content()[p.start : p.end]) for p in picks]
        return chosen, (overview.article_intro(picked[1], language), quotes)

    # --- internals -----------------------------------------------------------------------------

    def _validate(self, question: str) -> str:
        if not isinstance(question, str):
            raise InvalidQuestionError("The question must be text.")
        # The documents' own normalisation (NFKC, soft hyphens and zero-width characters dropped…),
        # so a question pasted from a web page or a PDF matches the text it asks about.
        cleaned = " ".join(normalize(question)[0].split())
        if not cleaned:
            raise InvalidQuestionError("The question is empty: type a question about the corpus.")
        if len(cleaned) > self.settings.max_question_chars:
            raise InvalidQuestionError(
                f"The question is too long ({len(cleaned)} characters; the limit is "
                f"{self.settings.max_question_chars}). Shorten it or raise ASSISTANT_MAX_QUESTION_CHARS."
            )
        return cleaned

    def _search(self, query: str, top_k: int | None) -> list[Hit]:
        try:
            hits = self._components.retriever(self.settings).search(query, top_k or self.settings.top_k)
        except IndexChangedError:  # rebuilt elsewhere between two calls: reopen and ask once more
            hits = self._components.retriever(self.settings).search(query, top_k or self.settings.top_k)
        if not hits and self._components.store.count() == 0:
            raise EmptyIndexError()
        return hits

    def _passage(self, number: int, hit: Hit) -> Passage:
        meta = hit.node.metadata
        also: tuple[str, ...] = ()
        if hit.also:
            folders = {r.key: Path(r.path).name for r in self._components.store.roots()}
            also = tuple(f"{folders.get(key, key)}/{source}" for key, source in hit.also)
        return Passage(
            number=number, source=str(meta.get("source", "")), title=str(meta.get("title", "")),
            text=hit.node.get_content(), score=round(float(hit.score), 6),
            start_char=int(meta.get("start_char", 0) or 0), end_char=int(meta.get("end_char", 0) or 0),
            node_id=hit.node.node_id, also_in=also,
        )

    # --- kept conversations and the LLM queue (issue 19: the web UI and `assistant chat --resume`) ----

    def conversations(self) -> ConversationStore:
        """The store of kept conversations and feedback: one SQLite file in the data folder."""
        return ConversationStore(self.settings.data_dir / CONVERSATIONS_FILE)

    def llm_busy(self) -> bool:
        """True while another answer holds the local model (a new one would wait for it)."""
        busy = getattr(self.llm, "busy", None)
        return bool(callable(busy) and busy())


__all__ = ["Assistant", "AnswerStream", "ChatSession", "DocumentInfo", "AssistantError"]
