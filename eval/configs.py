"""Named configurations compared side by side, each a callable Question -> Outcome.

hybrid / dense / bm25  the assistant, extractive (llm="none"), with that retrieval
llm                    the assistant with the configured LLM, hybrid retrieval (only when one is configured)
starter                the LlamaIndex starter a user writes first: VectorStoreIndex over the corpus
                       files, default SentenceSplitter (1024 tokens), top-2, same embedding model.
                       Retrieval metrics only, unless an LLM is configured (then it also answers).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from assistant.answer import Answer, Passage
from eval.dataset import Question

ALL_CONFIGS = ("hybrid", "dense", "bm25", "llm", "starter")
STARTER_TOP_K = 2


class EvalConfigError(ValueError):
    """A configuration cannot be built; the message is one line."""


@dataclass
class Outcome:
    answer: Answer
    latency_s: float  # the asked question only (history turns of a follow-up are not counted)


@dataclass(frozen=True)
class EvalConfig:
    name: str
    description: str
    run: Callable[[Question], Outcome]
    answers: bool = True  # False: only retrieval metrics apply (starter without an LLM)
    abstains: bool = True  # False: it cannot decline, so abstention figures are n/a (starter)


def has_llm(bot: Any) -> bool:
    """True when the assistant answers with an LLM rather than extractively."""
    return getattr(bot, "mode", "extractive") != "extractive"


def default_config_names(bot: Any) -> list[str]:
    """hybrid, dense, bm25, starter — plus llm when an LLM is configured."""
    names = ["hybrid", "dense", "bm25"]
    return names + (["llm"] if has_llm(bot) else []) + ["starter"]


def _timed(call: Callable[[], Answer]) -> Outcome:
    start = time.perf_counter()
    answer = call()
    return Outcome(answer=answer, latency_s=time.perf_counter() - start)


def assistant_runner(variant: Any) -> Callable[[Question], Outcome]:
    """Ask through `variant`; a follow-up goes through one chat session with its history asked first."""

    def run(question: Question) -> Outcome:
        if not question.history:
            return _timed(lambda: variant.ask(question.question))
        chat = variant.chat()
        for turn in question.history:
            chat.ask(turn)
        return _timed(lambda: chat.ask(question.question))

    return run


def starter_embed_model(bot: Any) -> Any:
    """The assistant's embedding model if it exposes one, else the bundled multilingual-e5-small."""
    model = getattr(bot, "embed_model", None)
    if model is not None:
        return model
    from core.e5 import E5Embedding

    settings = getattr(bot, "settings", None)
    local = getattr(settings, "embedding", "local") == "local"
    return E5Embedding(model_file=getattr(settings, "embedding_model", None) if local else None)


def _passages(nodes: Sequence[Any]) -> list[Passage]:
    return [
        Passage(
            number=i,
            source=str(n.node.metadata.get("file_name", "")),
            title="",
            text=n.node.get_content(),
            score=float(n.score or 0.0),
            node_id=n.node.node_id,
        )
        for i, n in enumerate(nodes, start=1)
    ]


def starter_runner(
    corpus_dir: str | Path, embed_model: Any, llm: Any = None, top_k: int = STARTER_TOP_K
) -> Callable[[Question], Outcome]:
    """Build the starter index in memory now; the runner retrieves (or queries, with an LLM)."""
    from llama_index.core import SimpleDirectoryReader, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter

    documents = SimpleDirectoryReader(str(corpus_dir), recursive=True).load_data()
    index = VectorStoreIndex.from_documents(documents, embed_model=embed_model, transformations=[SentenceSplitter()])
    retriever = index.as_retriever(similarity_top_k=top_k)
    engine = index.as_query_engine(similarity_top_k=top_k, llm=llm) if llm is not None else None

    def ask(question: Question) -> Answer:
        if engine is None:
            passages = _passages(retriever.retrieve(question.question))
            return Answer(question=question.question, text="", retrieved=passages, mode="starter", language=question.lang)  # type: ignore[arg-type]
        response = engine.query(question.question)
        passages = _passages(response.source_nodes)
        return Answer(question=question.question, text=str(response), retrieved=passages, mode="starter", language=question.lang)  # type: ignore[arg-type]

    return lambda question: _timed(lambda: ask(question))


def _variant_config(bot: Any, name: str) -> EvalConfig:
    if name == "llm":
        if not has_llm(bot):
            raise EvalConfigError("configuration 'llm' needs an LLM: set ASSISTANT_LLM / OPENAI_API_KEY, or drop it from --configs")
        return EvalConfig("llm", f"assistant, hybrid retrieval, LLM {bot.mode}", assistant_runner(bot.variant(retrieval="hybrid")))
    variant = bot.variant(retrieval=name, llm="none")
    return EvalConfig(name, f"assistant, {name} retrieval, extractive", assistant_runner(variant))


def build_config(bot: Any, name: str, *, corpus_dir: str | Path | None = None) -> EvalConfig:
    """One named configuration over `bot` (its settings, store and embedding model)."""
    if name not in ALL_CONFIGS:
        raise EvalConfigError(f"unknown configuration {name!r} (choose from {', '.join(ALL_CONFIGS)})")
    if name != "starter":
        return _variant_config(bot, name)
    folder = Path(corpus_dir or bot.settings.corpus_dir)
    if not folder.is_dir():
        raise EvalConfigError(f"starter: corpus folder {folder} not found")
    llm = getattr(bot, "llm", None) if has_llm(bot) else None
    run = starter_runner(folder, starter_embed_model(bot), llm=llm)
    description = f"LlamaIndex starter: VectorStoreIndex, SentenceSplitter 1024, top-{STARTER_TOP_K}" + (
        ", LLM" if llm is not None else ", retrieval only"
    )
    return EvalConfig("starter", description, run, answers=llm is not None, abstains=False)


def build_configs(bot: Any, names: Sequence[str], *, corpus_dir: str | Path | None = None) -> list[EvalConfig]:
    """The configurations asked for, in the order given (duplicates dropped)."""
    return [build_config(bot, name, corpus_dir=corpus_dir) for name in dict.fromkeys(names)]
