"""A deterministic stand-in for `assistant.Assistant`, following the public API contract.

It keeps documents in memory, retrieves paragraphs by word overlap and answers by quoting the best
sentences with [n] markers. No model, no Chroma: fast enough for UI unit tests and a browser test.

    bot = FakeAssistant(Settings(data_dir=tmp))
    bot.ingest("corpus/")
    for piece in (s := bot.chat().stream("Qui a composé la musique du film 2050 ?")): ...
    s.answer.citations
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import threading
import time
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from collections.abc import Collection
from typing import Any, Iterator

from assistant import Answer, Assistant, DocumentInfo, Passage
from assistant import uploads
from core.errors import EmptyIndexError, InvalidQuestionError
from core.settings import Settings
from ingest.loaders import UnreadableFileError
from ingest.progress import Step
from ingest.report import FileReport, SyncReport

SUFFIXES = {".txt", ".md", ".html", ".pdf", ".docx"}
STOPWORDS = set(
    "les des une que qui est dans pour par sur avec son ses aux qu quel quelle combien the and what did "
    "how does which who with from that this for are was were its according".split()
)


@dataclass
class _Doc:
    info: DocumentInfo
    text: str
    digest: str
    passages: list[tuple[int, int]]  # (start, end) of each paragraph in text


class FakeStream:
    """Iterate for text pieces (sentence by sentence); `.answer` is set once the loop ends."""

    def __init__(self, make: Iterator[str]) -> None:
        self._make = make
        self.answer: Answer | None = None

    def __iter__(self) -> Iterator[str]:
        yield from self._make


def _terms(text: str) -> set[str]:
    plain = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", plain)
    return {w.rstrip("s") for w in words if (len(w) > 2 or w.isdigit()) and w not in STOPWORDS}


def _sentences(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in re.finditer(r"(?<=[.!?»])\s+|\n+", text):
        if text[start : m.start()].strip():
            spans.append((start, m.start()))
        start = m.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def _read(path: Path) -> str:
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        return "\n\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    if path.suffix == ".docx":
        from ingest.loaders import load_file

        return load_file(path).text  # the real loader: python-docx has no plain-text export
    text = path.read_text(encoding="utf-8", errors="replace")
    return re.sub(r"<[^>]+>", " ", text) if path.suffix == ".html" else text


class FakeAssistant:
    """Same surface as `assistant.Assistant`; `delay` slows streaming, `fail_after` cuts it."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        mode: str = "extractive",
        delay: float = 0.0,
        fail_after: int | None = None,
        _docs: dict[tuple[str, str], _Doc] | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.mode = mode
        self.delay = delay
        self.fail_after = fail_after
        self._docs: dict[tuple[str, str], _Doc] = {} if _docs is None else _docs
        self._lock = threading.Lock()
        self.ingest_calls: list[Path] = []

    # --- corpus -------------------------------------------------------------------------------
    def ingest(self, path: str | Path, *, show_progress: bool = True, on_step: Any = None) -> SyncReport:
        path = Path(path).resolve()
        self.ingest_calls.append(path)
        root = str(path if path.is_dir() else path.parent)
        files = sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES) if path.is_dir() else [path]
        report = SyncReport(root=root)
        seen = set()
        with self._lock:
            for i, file in enumerate(files):
                source = str(file.relative_to(root))
                seen.add(source)
                report.files.append(self._sync_file(root, source, file))
                if on_step:  # like ingest/progress.py, one step per file
                    chunks = sum(f.chunks for f in report.files)
                    on_step(Step(i + 1, len(files), source, chunks, (i + 1) / len(files), 0.0))
            if path.is_dir():
                for key in [k for k in self._docs if k[0] == root and k[1] not in seen]:
                    del self._docs[key]
                    report.files.append(FileReport(key[1], "removed"))
            report.embedded_chunks = sum(f.chunks for f in report.files if f.status in ("added", "changed"))
            report.total_chunks = sum(d.info.chunks for d in self._docs.values())
        return report

    def _sync_file(self, root: str, source: str, file: Path) -> FileReport:
        try:
            text = _read(file)
        except (OSError, ValueError, UnreadableFileError) as err:
            return FileReport(source, "failed", reason=str(err))
        if not text.strip():
            return FileReport(source, "failed", reason="no text found")
        digest = hashlib.sha256(text.encode()).hexdigest()
        old = self._docs.get((root, source))
        if old and old.digest == digest:
            return FileReport(source, "unchanged", old.info.chunks, old.info.tokens)
        paragraphs = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+(?:\n[^\n]+)*", text) if m.group().strip()]
        titles = [text[paragraphs[0][0] : paragraphs[0][1]].strip()[:80]]
        info = DocumentInfo(
            source, root, titles, len(paragraphs), len(text.split()), datetime.now(timezone.utc).isoformat(timespec="seconds")
        )
        self._docs[(root, source)] = _Doc(info, text, digest, paragraphs)
        return FileReport(source, "changed" if old else "added", info.chunks, info.tokens)

    def documents(self) -> list:
        with self._lock:
            return sorted((d.info for d in self._docs.values()), key=lambda i: (i.root, i.source))

    def remove(self, source: str, root: str | None = None) -> int:
        with self._lock:
            keys = [k for k in self._docs if k[1] == source and (root is None or k[0] == root)]
            if any(self.uploaded(source, k[0]) for k in keys):
                uploads.delete_upload(source, self.settings.uploads_dir)  # as the real one: the upload goes too
            return sum(self._docs.pop(k).info.chunks for k in keys)

    def comes_back(self, source: str, root: str) -> str:
        return Assistant.comes_back(source, root)

    def upload(self, files, *, show_progress: bool = False, progress=None, on_step=None) -> "uploads.UploadReport":
        return uploads.upload(self, files, show_progress=show_progress, progress=progress, on_step=on_step)  # the real checks, this fake's ingest

    def uploaded(self, source: str, root: str) -> bool:
        return uploads.is_uploads_root(root, self.settings.uploads_dir) and uploads.is_upload(source, self.settings.uploads_dir)

    EXTRACTIVE = Assistant.EXTRACTIVE
    LOCAL_MODEL = Assistant.LOCAL_MODEL

    def answerers(self) -> list[str]:
        from core import local_model

        names = [self.mode, self.EXTRACTIVE] + ([self.LOCAL_MODEL] if local_model.installed(self.settings) else [])
        return list(dict.fromkeys(names))

    def answerer(self, name: str | None = None) -> "FakeAssistant":
        name = name or self.mode
        built = self.__dict__.setdefault("_answerers", {self.mode: self})
        if name not in built:
            built[name] = self.variant(llm="none" if name == self.EXTRACTIVE else "local")
        return built[name]

    def source_text(self, source: str, root: str | None = None) -> str:
        return next(d.text for (r, s), d in self._docs.items() if s == source and root in (None, r))

    def conversations(self):
        """The real store of kept conversations, in the data folder (as Assistant.conversations)."""
        from assistant.conversations import FILE_NAME, ConversationStore

        return ConversationStore(self.settings.data_dir / FILE_NAME)

    def llm_busy(self) -> bool:
        return False

    def variant(self, **overrides) -> "FakeAssistant":
        settings = self.settings.model_copy(update=overrides)
        from core import local_model

        llm = overrides.get("llm")
        mode = "extractive" if llm == "none" else local_model.MODEL_NAME if llm == "local" else self.mode
        return FakeAssistant(settings, mode=mode, delay=self.delay, fail_after=self.fail_after, _docs=self._docs)

    # --- answering ----------------------------------------------------------------------------
    def retrieve(self, question: str, *, top_k: int | None = None, exclude: Collection[str] = ()) -> list[Passage]:
        if not self._docs:
            raise EmptyIndexError()
        q = _terms(question)
        scored = []
        with self._lock:
            for doc in self._docs.values():
                title = doc.info.titles[0]
                for start, end in doc.passages:
                    overlap = len(q & _terms(doc.text[start:end]))
                    if overlap and f"{doc.info.source}:{start}" not in exclude:
                        scored.append((overlap / max(len(q), 1), doc.info.source, title, doc.text[start:end], start, end))
        scored.sort(key=lambda s: -s[0])
        k = top_k or self.settings.top_k
        return [
            Passage(n, src, title, text, round(score, 3), start, end, f"{src}:{start}")
            for n, (score, src, title, text, start, end) in enumerate(scored[:k], start=1)
        ]

    def ask(self, question: str, *, top_k: int | None = None, exclude: Collection[str] = ()) -> Answer:
        stream = self.stream(question, top_k=top_k, exclude=exclude)
        for _ in stream:
            pass
        return stream.answer

    def stream(self, question: str, *, top_k: int | None = None, standalone: str | None = None,
               exclude: Collection[str] = ()) -> FakeStream:
        if not question.strip():
            raise InvalidQuestionError("The question is empty: type a question.")
        if len(question) > self.settings.max_question_chars:
            raise InvalidQuestionError(f"The question is too long (over {self.settings.max_question_chars} characters).")
        retrieved = self.retrieve(standalone or question, top_k=top_k, exclude=exclude)
        lang = "fr" if re.search(r"[éèàùç]|\b(qui|quel|combien|le|la|et)\b", question.lower()) else "en"
        answer = Answer(question, "", retrieved=retrieved, mode=self.mode, language=lang, standalone_question=standalone or question)
        stream = FakeStream(iter(()))
        stream._make = self._produce(answer, stream)
        return stream

    def _produce(self, answer: Answer, stream: FakeStream) -> Iterator[str]:
        q = _terms(answer.standalone_question)
        picks = []  # (passage, sentence span)
        for passage in answer.retrieved[:2]:
            spans = _sentences(passage.text)
            best = max(spans, key=lambda s: len(q & _terms(passage.text[s[0] : s[1]])))
            if len(q & _terms(passage.text[best[0] : best[1]])) >= 2:
                picks.append((passage, best))
        if not picks:
            answer.abstained = True
            answer.text = (
                "Ce n'est pas dans le corpus." if answer.language == "fr" else "This is not in the corpus."
            )
            yield answer.text
            stream.answer = answer
            return
        cited, parts = [], []
        for i, (passage, (start, end)) in enumerate(picks):
            if self.fail_after is not None and i >= self.fail_after:
                answer.error = "The LLM timed out after 60 s: try again or raise ASSISTANT_LLM_TIMEOUT."
                break
            if self.delay:
                time.sleep(self.delay)
            piece = f"{passage.text[start:end].strip()} [{passage.number}]"
            piece = piece if not parts else " " + piece
            parts.append(piece)
            cited.append(dataclasses.replace(passage, highlights=((start, end),)))
            yield piece
        answer.text = "".join(parts)
        answer.citations = cited
        stream.answer = answer

    def chat(self) -> "FakeChatSession":
        return FakeChatSession(self)


class FakeChatSession:
    """Follow-ups of under four words (or starting with "et"/"and") are joined to the previous question."""

    def __init__(self, bot: FakeAssistant) -> None:
        self._bot = bot
        self.history: list[tuple[str, Answer]] = []

    def _standalone(self, question: str) -> str:
        short = len(question.split()) < 4 or question.lower().startswith(("et ", "and "))
        if self.history and short:
            return f"{self.history[-1][1].standalone_question} {question}"
        return question

    def stream(self, question: str, *, top_k: int | None = None, exclude: Collection[str] = ()) -> FakeStream:
        stream = self._bot.stream(question, top_k=top_k, standalone=self._standalone(question), exclude=exclude)
        inner = stream._make

        def record() -> Iterator[str]:
            yield from inner
            self.history.append((question, stream.answer))

        stream._make = record()
        return stream

    def ask(self, question: str, *, top_k: int | None = None, exclude: Collection[str] = ()) -> Answer:
        stream = self.stream(question, top_k=top_k, exclude=exclude)
        for _ in stream:
            pass
        return stream.answer

    def reset(self) -> None:
        self.history = []

    def seed(self, turns: list[tuple[str, str]]) -> None:
        self.history = []
        for question, text in turns:
            standalone = self._standalone(question)
            self.history.append((question, Answer(question=question, text=text, standalone_question=standalone)))


class FailingAssistant(FakeAssistant):
    """Raises the given AssistantError from every question and listing, to test error display."""

    def __init__(self, error: Exception, settings: Settings | None = None) -> None:
        super().__init__(settings)
        self.error = error

    def stream(self, question: str, *, top_k: int | None = None, standalone: str | None = None,
               exclude: Collection[str] = ()) -> FakeStream:
        raise self.error

    def documents(self) -> list:
        raise self.error


__all__ = ["DocumentInfo", "FailingAssistant", "FakeAssistant", "FakeChatSession", "FakeStream"]
