"""Named configurations compared side by side, each a callable Question -> Outcome.

hybrid / dense / bm25  the assistant, extractive (llm="none"), with that retrieval
llm                    the assistant with the configured LLM, hybrid retrieval (only when one is configured)
local                  the assistant with the local model (llama.cpp, in-process), hybrid retrieval (slow: local:N)
starter                the LlamaIndex starter a user writes first: VectorStoreIndex over the corpus
                       files, default SentenceSplitter (1024 tokens), top-2, same embedding model.
                       Retrieval metrics only, unless an LLM is configured (then it also answers).

The list is pluggable: `@register("name")` on a function (assistant, corpus folder) -> EvalConfig adds a
row to every report. `--configs name:N` runs a (slow) configuration on at most N questions per split.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Sequence

from assistant import Answer, Passage
from eval.dataset import Question

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
    limit: int | None = None  # at most this many questions per split (a slow LLM); None: all


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
    """The assistant's own embedding model (the starter is compared on the same one)."""
    model = getattr(bot, "embed_model", None)
    if model is None:
        raise EvalConfigError("configuration 'starter' needs an assistant with an embedding model (Assistant.embed_model)")
    return model


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


Builder = Callable[[Any, Path], "EvalConfig"]  # (assistant, corpus folder) -> configuration
BUILDERS: dict[str, Builder] = {}


def register(name: str) -> Callable[[Builder], Builder]:
    """Make `name` a configuration for `--configs`; the builder raises EvalConfigError when it cannot run."""

    def add(builder: Builder) -> Builder:
        BUILDERS[name] = builder
        return builder

    return add


def config_names() -> tuple[str, ...]:
    """Every registered configuration name, in registration order."""
    return tuple(BUILDERS)


def _retrieval_builder(name: str) -> Builder:
    def build(bot: Any, _corpus: Path) -> EvalConfig:
        variant = bot.variant(retrieval=name, llm="none")
        return EvalConfig(name, f"assistant, {name} retrieval, extractive", assistant_runner(variant))

    return build


for _name in ("hybrid", "dense", "bm25"):
    register(_name)(_retrieval_builder(_name))


@register("llm")
def _llm_config(bot: Any, _corpus: Path) -> EvalConfig:
    if not has_llm(bot):
        raise EvalConfigError("configuration 'llm' needs an LLM: set ASSISTANT_LLM / OPENAI_API_KEY, or drop it from --configs")
    return EvalConfig("llm", f"assistant, hybrid retrieval, LLM {bot.mode}", assistant_runner(bot.variant(retrieval="hybrid")))


@register("local")
def _local_config(bot: Any, _corpus: Path) -> EvalConfig:
    """The local model (Qwen2.5-Coder-1.5B through llama.cpp), whatever ASSISTANT_LLM says; slow: use local:N."""
    if bot.LOCAL_MODEL not in bot.answerers():
        raise EvalConfigError("configuration 'local' needs the local model: run scripts/setup, or drop it from --configs")
    variant = bot.answerer(bot.LOCAL_MODEL).variant(retrieval="hybrid")
    return EvalConfig("local", f"assistant, hybrid retrieval, local LLM {variant.mode}", assistant_runner(variant))


@register("starter")
def _starter_config(bot: Any, folder: Path) -> EvalConfig:
    if not folder.is_dir():
        raise EvalConfigError(f"starter: corpus folder {folder} not found")
    llm = getattr(bot, "llm", None) if has_llm(bot) else None
    run = starter_runner(folder, starter_embed_model(bot), llm=llm)
    description = f"LlamaIndex starter: VectorStoreIndex, SentenceSplitter 1024, top-{STARTER_TOP_K}" + (
        ", LLM" if llm is not None else ", retrieval only"
    )
    return EvalConfig("starter", description, run, answers=llm is not None, abstains=False)


def parse_spec(spec: str) -> tuple[str, int | None]:
    """"local:40" -> ("local", 40); "hybrid" -> ("hybrid", None)."""
    name, _, limit = spec.partition(":")
    if not limit:
        return name.strip(), None
    if not limit.strip().isdigit() or int(limit) < 1:
        raise EvalConfigError(f"configuration {spec!r}: write name:N with N a positive number of questions per split")
    return name.strip(), int(limit)


def build_config(bot: Any, spec: str, *, corpus_dir: str | Path | None = None) -> EvalConfig:
    """One configuration over `bot` (its settings, store and embedding model); `spec` is name or name:N."""
    name, limit = parse_spec(spec)
    if name not in BUILDERS:
        raise EvalConfigError(f"unknown configuration {name!r} (choose from {', '.join(BUILDERS)})")
    config = BUILDERS[name](bot, Path(corpus_dir or bot.settings.corpus_dir))
    return replace(config, limit=limit) if limit is not None else config


def build_configs(bot: Any, specs: Sequence[str], *, corpus_dir: str | Path | None = None) -> list[EvalConfig]:
    """The configurations asked for, in the order given (duplicates dropped)."""
    return [build_config(bot, spec, corpus_dir=corpus_dir) for spec in dict.fromkeys(specs)]
