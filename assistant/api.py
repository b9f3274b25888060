"""The public Python API: `Assistant`. Scripts, the web UI and the eval all go through it.

    from assistant import Assistant
    bot = Assistant()                    # settings from env / .env / defaults
    bot.ingest("corpus/")                # -> SyncReport
    ans = bot.ask("Qui a composé la musique du film 2050 ?")
    stream = bot.stream("...")
    for piece in stream: print(piece, end="")
    stream.answer                        # the final Answer once the stream is exhausted
    chat = bot.chat(); chat.ask("..."); chat.ask("et en 2018 ?")
    bot.as_query_engine() / bot.as_chat_engine() / bot.as_retriever()   # LlamaIndex objects

Every question goes through the stages of assistant/pipeline.py; this class holds what they share.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant import pipeline
from assistant.answer import Answer, Passage
from assistant.chat import ChatSession
from assistant.conversations import FILE_NAME as CONVERSATIONS_FILE, ConversationStore
from assistant.components import Components
from assistant.context import Tools
from assistant.pipeline import AnswerStream
from assistant.question import clean_question
from assistant.retrieve import passage_of, search
from assistant.uploads import UploadReport, is_upload, is_uploads_root, upload
from core import local_model
from core.errors import AssistantError
from core.providers import make_llm, prepare_offline_environment
from core.settings import Settings
from ingest.report import SyncReport


@dataclass(frozen=True)
class DocumentInfo:
    source: str
    root: str
    titles: list[str]
    chunks: int
    tokens: int
    ingested_at: str


class Assistant:
    """Ask a corpus questions; get answers that cite their passages."""

    EXTRACTIVE = "extractive"  # the offline answerer's name (its `mode`)
    LOCAL_MODEL = local_model.MODEL_NAME  # the local LLM's name, when scripts/setup installed it

    def __init__(self, settings: Settings | None = None, *, components: Components | None = None) -> None:
        prepare_offline_environment()
        self.settings = settings or Settings()
        self._components = components or Components(self.settings)
        self.llm = make_llm(self.settings)
        self._tools = Tools(self.settings, self._components, self.llm)
        self._answerers: dict[str, Assistant] = {self.mode: self}
        self._lock = threading.Lock()

    # --- configuration -------------------------------------------------------------------------

    @property
    def mode(self) -> str:
        return self._tools.mode

    @property
    def embed_model(self) -> Any:
        """The loaded embedding model (shared by variants)."""
        return self._components.embed_model

    def sharing_model(self, **overrides: Any) -> "Assistant":
        """Another assistant with some settings changed over its own store and caches (give it another
        data_dir or collection), sharing this one's loaded embedding model (the eval's other corpora)."""
        settings = type(self.settings)(_env_file=None, **{**self.settings.model_dump(), **overrides})
        return type(self)(settings, components=Components(settings, embed_model=self.embed_model))

    def variant(self, **overrides: Any) -> "Assistant":
        """Another assistant over the same store and loaded model, with some settings changed.

        `tuning` may be a dict of the `Tuning` fields to change: `bot.variant(tuning={"question_first": True})`."""
        # Re-validate (model_copy would not): every field is given, so the environment cannot leak in.
        values = self.settings.model_dump()
        if isinstance(overrides.get("tuning"), dict):  # a partial tuning: the other switches stay as they are
            overrides["tuning"] = {**values["tuning"], **overrides["tuning"]}
        settings = type(self.settings)(_env_file=None, **{**values, **overrides})
        return Assistant(settings, components=self._components)

    def answerers(self) -> list[str]:
        """The answerers available now, by name (their `mode`): this one (the configured LLM, or
        extractive), the extractive answerer, and the local LLM when it is installed. The web UI's
        choice, the HTTP API's models and the eval's configurations are these."""
        names = [self.mode, self.EXTRACTIVE]
        if local_model.installed(self.settings):  # one model copy is shared by every variant
            names.append(self.LOCAL_MODEL)
        return list(dict.fromkeys(names))

    def answerer(self, name: str | None = None) -> "Assistant":
        """The assistant answering as `name` (one of `answerers()`; default: this one), built once and shared."""
        name = name or self.mode
        with self._lock:  # build each variant once, even when two first requests race
            if name not in self._answerers:
                if name not in self.answerers():
                    raise AssistantError(f"No answerer named {name[:100]!r}; choose one of: {', '.join(self.answerers())}.")
                self._answerers[name] = self.variant(llm="none" if name == self.EXTRACTIVE else "local")
            return self._answerers[name]

    # --- ingest --------------------------------------------------------------------------------

    def ingest(
        self, path: str | Path, *, show_progress: bool = True, rebuild: bool = False, on_step: Any = None
    ) -> SyncReport:
        """Sync a folder (or one file) into the index; see ingest/sync.py for the rules.

        ``on_step`` (optional) is called with an ``ingest.progress.Step`` after each file embedded:
        files done, chunks, share done and the estimated seconds left."""
        return self._components.sync(Path(path), show_progress=show_progress, rebuild=rebuild, on_step=on_step)

    def upload(
        self, files: Sequence[str | Path], *, show_progress: bool = False, progress: Callable[[str], Any] | None = None,
        on_step: Any = None,
    ) -> UploadReport:
        """Check files handed over by a user (type, size, content limits), store them in the uploads
        folder under safe names and sync that folder: one call for the web UI and any other client.
        ``on_step`` is handed to `ingest` (per-file progress)."""
        return upload(self, files, show_progress=show_progress, progress=progress, on_step=on_step)

    def uploaded(self, source: str, root: str) -> bool:
        """True when the document is a file in the uploads folder (`remove` deletes that file too)."""
        return is_uploads_root(root, self.settings.uploads_dir) and is_upload(source, self.settings.uploads_dir)

    def documents(self) -> list[DocumentInfo]:
        """Every ingested document, as the index (Chroma) records it: the same list on every machine."""
        out = [DocumentInfo(r.source, r.root_path, r.titles, r.chunks, r.tokens, r.ingested_at)
               for r in self._components.records()]
        return sorted(out, key=lambda d: (d.root, d.source))

    def remove(self, source: str, root: str | None = None) -> int:
        """Remove one document from the index (Chroma records + chunks, BM25); returns the chunks removed.

        A file still in its folder comes back at the next sync of that folder (see `comes_back`); an
        upload's file is deleted with it (the one place removal happens: Components.remove)."""
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

    # --- asking: every question goes through assistant/pipeline.py -------------------------------

    def retrieve(self, question: str, *, top_k: int | None = None, exclude: Collection[str] = ()) -> list[Passage]:
        question = clean_question(question, self.settings.max_question_chars)
        hits = search(self._tools, question, top_k, exclude=frozenset(exclude))
        return [passage_of(self._components, i, hit) for i, hit in enumerate(hits, 1)]

    def ask(self, question: str, *, top_k: int | None = None, exclude: Collection[str] = ()) -> Answer:
        """The answer to `question`. `exclude`: chunk ids (`Passage.node_id`) retrieval skips, e.g. the
        passages an earlier answer cited: the answer then rests on the next-best evidence, and declines
        when nothing grounded is left (Regenerate with the extractive answerer)."""
        return self.stream(question, top_k=top_k, exclude=exclude).consume()

    def stream(self, question: str, *, top_k: int | None = None, exclude: Collection[str] = ()) -> AnswerStream:
        return pipeline.answer(self._tools, question, top_k=top_k, exclude=frozenset(exclude))

    def chat(self) -> ChatSession:
        return ChatSession(self._tools)

    # --- as LlamaIndex objects (assistant/llamaindex.py) -----------------------------------------

    def as_retriever(self, *, top_k: int | None = None) -> Any:
        """The hybrid retriever as a LlamaIndex `BaseRetriever` (nodes carry source, title, offsets)."""
        from assistant.llamaindex import CorpusRetriever

        return CorpusRetriever(self, top_k)

    def as_query_engine(self, *, top_k: int | None = None) -> Any:
        """A LlamaIndex `BaseQueryEngine`: `Response` = the checked answer, `source_nodes` = the cited
        passages, `metadata` = abstained / warnings / standalone_question (`aquery` works too)."""
        from assistant.llamaindex import CorpusQueryEngine

        return CorpusQueryEngine(self, top_k)

    def as_chat_engine(self) -> Any:
        """A LlamaIndex `BaseChatEngine` holding one conversation: follow-ups as `assistant chat`."""
        from assistant.llamaindex import CorpusChatEngine

        return CorpusChatEngine(self)

    # --- kept conversations and the LLM queue (issue 19: the web UI and `assistant chat --resume`) ----

    def conversations(self) -> ConversationStore:
        """The store of kept conversations and feedback: one SQLite file in the data folder."""
        return ConversationStore(self.settings.data_dir / CONVERSATIONS_FILE)

    def llm_busy(self) -> bool:
        """True while another answer holds the local model (a new one would wait for it)."""
        busy = getattr(self.llm, "busy", None)
        return bool(callable(busy) and busy())


__all__ = ["Assistant", "AnswerStream", "ChatSession", "DocumentInfo", "AssistantError"]
