"""Stage 3 of the pipeline, `retrieve`: hybrid retrieval, dense (Chroma) + BM25 (French/English
stemming and stopwords), fused; and the lexical and dense signals the abstention decision weighs.

Fusion is done here rather than with QueryFusionRetriever because the answerer and the abstention
check need each retriever's raw score (dense cosine, BM25 score) for every fused passage, and
QueryFusionRetriever overwrites them in place while fusing. The fusion itself is the same
reciprocal-rank formula (k=60) or a weighted sum of min-max normalised scores.

Two corpus languages (French and English) change what a BM25 score means: an English question matches
English passages on every word and French ones only on names, numbers and commands, so its best French
passage scores far below its English ones and, normalised against them, brings little to the fusion
while the dense retriever, which does the cross-language work, may rank it fifth. BM25 results are
therefore normalised per passage language (each language's best BM25 hit counts fully), and the best
hit of each retriever always makes the top-k (`Tuning.bm25_per_language`, `Tuning.keep_lane_best`;
measured in docs/answer-quality.md).
"""

from __future__ import annotations

import math
import time
from functools import lru_cache
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import httpx
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from assistant.answer import Answer, Passage
from assistant.compound import asks_several, parts
from assistant.context import Context, Tools
from core.errors import EmptyIndexError, StoreUnavailableError
from core.text import guess_language
from index.bm25 import Bm25Index
from index.records import document_of, record_of
from index.store import IndexChangedError

RRF_K = 60.0


def retrieve(ctx: Context) -> None:
    """Stage: the fused passages for the standalone question, and what retrieval measured (the
    question's best BM25 score and its floor for this corpus size, the best dense similarity)."""
    ctx.started = time.perf_counter()
    components, settings = ctx.tools.components, ctx.settings
    several = settings.tuning.several_documents if not ctx.followup and asks_several(ctx.standalone) else 0
    ctx.hits = search(ctx.tools, ctx.standalone, (ctx.top_k or settings.top_k) * (3 if several else 1), exclude=ctx.exclude)
    if several:  # "dans le corpus", "in two articles": the best passages of other documents take the lowest places
        ctx.hits = spread_hits(ctx.hits, ctx.top_k or settings.top_k, several)
    if settings.tuning.compound_sentences and not ctx.followup:
        ctx.parts = parts(ctx.standalone)
        if ctx.parts:  # each part's best passages are in the top-k, in place of the whole question's lowest
            ctx.hits = with_part_hits(ctx.hits, [search(ctx.tools, p.query, _PART_KEEP, exclude=ctx.exclude) for p in ctx.parts])
    bm25 = [h.bm25 for h in ctx.hits if h.bm25 is not None]
    lexical = max(bm25, default=0.0) if settings.retrieval != "dense" else components.bm25_top_score(ctx.standalone)
    ctx.lexical = lexical or 0.0
    ctx.lexical_floor = components.abstain_threshold(settings.abstain_threshold)
    if settings.tuning.unknown_names:
        ctx.names_unknown = tuple(components.unknown_names(ctx.standalone))
    nearest = max((h for h in ctx.hits if h.dense is not None), key=lambda h: h.dense or 0.0, default=None)
    ctx.dense = nearest.dense if nearest is not None else None
    ctx.dense_across = nearest is not None and passage_language(nearest.node.get_content()) != guess_language(ctx.standalone)
    ctx.answer = Answer(
        question=ctx.question, text="", mode=ctx.tools.mode, language=guess_language(ctx.question),  # type: ignore[arg-type]
        standalone_question=ctx.standalone,
    )


_PART_KEEP = 2  # passages of each part of a compound question kept in the top-k
_KEEP_BEST = 2  # the best passages of the whole question, kept when others are spread over documents


def document_of(hit: "Hit") -> tuple[str, str]:
    """The document a passage belongs to: its file, and its article or section (a file may hold many articles)."""
    meta = hit.node.metadata
    return str(meta.get("source", "")), str(meta.get("title", ""))


def spread_hits(hits: list["Hit"], k: int, documents: int) -> list["Hit"]:
    """The first `k` of `hits`, where the best passages of further documents (in `hits`' order) take the lowest
    places until `documents` documents are there; the best `_KEEP_BEST` stay."""
    kept = hits[:k]
    seen = {document_of(h) for h in kept}
    incoming = []
    for hit in hits[k:]:
        if len(seen) >= documents:
            break
        if document_of(hit) not in seen:
            seen.add(document_of(hit))
            incoming.append(hit)
    wanted = {h.node.node_id for h in kept[:_KEEP_BEST]}
    firsts: dict[tuple[str, str], str] = {}
    for h in kept:  # each document's best passage stays too
        firsts.setdefault(document_of(h), h.node.node_id)
    return take_places(kept, incoming, wanted | set(firsts.values()))


def with_part_hits(hits: list["Hit"], part_hits: list[list["Hit"]]) -> list["Hit"]:
    """`hits` (the whole question's), where each part's best hits below them take the places of the
    lowest-ranked ones not wanted by a part; the order is the whole question's, then the parts'."""
    seen = {h.node.node_id for h in hits}
    incoming = []
    for hit in (h for found in part_hits for h in found):
        if hit.node.node_id not in seen:
            seen.add(hit.node.node_id)
            incoming.append(hit)
    return take_places(list(hits), incoming, {h.node.node_id for found in part_hits for h in found})


def search(tools: Tools, query: str, top_k: int | None, *, exclude: frozenset[str] = frozenset()) -> list["Hit"]:
    """The fused hits for `query`, without the chunks in `exclude` (the next-best ones take their
    places); an index rebuilt elsewhere since the last call is reopened once."""
    k = top_k or tools.settings.top_k
    wanted = k + len(exclude)
    try:
        hits = tools.components.retriever(tools.settings).search(query, wanted)
    except IndexChangedError:  # rebuilt elsewhere between two calls: reopen and ask once more
        hits = tools.components.retriever(tools.settings).search(query, wanted)
    if not hits and tools.components.store.count() == 0:
        raise EmptyIndexError()
    return [h for h in hits if h.node.node_id not in exclude][:k]


def passage_of(components: Any, number: int, hit: "Hit") -> Passage:
    """The public form of a hit: passage [number], with the other places holding the same text."""
    meta = hit.node.metadata
    also: tuple[str, ...] = ()
    if hit.also:
        folders = {r.key: Path(r.path).name for r in components.store.roots()}
        also = tuple(f"{folders.get(key, key)}/{source}" for key, source in hit.also)
    return Passage(
        number=number, source=str(meta.get("source", "")), title=str(meta.get("title", "")),
        text=hit.node.get_content(), score=round(float(hit.score), 6),
        start_char=int(meta.get("start_char", 0) or 0), end_char=int(meta.get("end_char", 0) or 0),
        node_id=hit.node.node_id, also_in=also, page=_kept_int(meta, "page", least=1), page_end=_kept_int(meta, "page_end", least=1),
        tokens=_kept_int(meta, "e5_tokens", least=0),
    )


def _kept_int(meta: dict[str, Any], key: str, *, least: int) -> int | None:
    """A number ingest keeps in the chunk metadata (a PDF's page, the e5 token count); None when this
    chunk has none (another format, an index made before it was kept)."""
    value = meta.get(key)
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= least else None


@dataclass
class Hit:
    """A fused result with the raw signals behind it."""

    node: TextNode
    score: float  # fused score, higher is better
    dense: float | None = None  # cosine similarity, when the dense retriever returned it
    bm25: float | None = None  # BM25 score, when BM25 returned it
    # Other places holding the very same passage text: (root key, source) of each duplicate.
    also: list[tuple[str, str]] = field(default_factory=list)


def merge_duplicates(hits: list[Hit]) -> list[Hit]:
    """Identical passages (the same text ingested from two places) kept once, at the best rank,
    with the other places listed in ``also``."""
    out: list[Hit] = []
    seen: dict[str, Hit] = {}
    for hit in hits:
        key = " ".join(hit.node.get_content().split())
        if key in seen:
            meta = hit.node.metadata
            seen[key].also.append((str(meta.get("root", "")), str(meta.get("source", ""))))
            continue
        seen[key] = hit
        out.append(hit)
    return out


@lru_cache(maxsize=4096)
def passage_language(text: str) -> str:
    """'fr' or 'en' (core.text.guess_language), remembered: the same passages come back question after question."""
    return guess_language(text)


def keep_lane_best(fused: list[Hit], bests: list[list[NodeWithScore]], k: int) -> list[Hit]:
    """The top `k` of `fused`, where the best hit of each retriever (`bests`: each lane's first result)
    below the top `k` takes the place of the lowest-ranked other hit; the fused order is kept."""
    wanted = {n.node.node_id for best in bests for n in best}
    kept = take_places(fused[:k], [h for h in fused[k:] if h.node.node_id in wanted], wanted)
    return sorted(kept, key=lambda h: h.score, reverse=True)


def take_places(kept: list[Hit], incoming: list[Hit], wanted: set[str]) -> list[Hit]:
    """`kept`, each of `incoming` in turn replacing its lowest-ranked hit whose id is not `wanted`
    (stopping when every hit left is wanted)."""
    for hit in incoming:
        lowest = next((i for i in range(len(kept) - 1, -1, -1) if kept[i].node.node_id not in wanted), None)
        if lowest is None:
            break
        kept[lowest] = hit
    return kept


def chroma_cosine(similarity: float | None) -> float | None:
    """ChromaVectorStore reports exp(-distance); with cosine distance that is exp(cos - 1)."""
    if similarity is None or similarity <= 0:
        return None
    return 1.0 + math.log(similarity)


class HybridRetriever(BaseRetriever):
    """Dense + BM25, fused. `mode` picks hybrid, dense only or BM25 only (for the eval)."""

    def __init__(
        self, dense: BaseRetriever, bm25: Bm25Index, *, mode: str = "hybrid", fusion: str = "rrf",
        dense_weight: float = 0.5, candidates_k: int = 20, top_k: int = 5,
        live: frozenset[str] | None = None, guard: Callable[[Callable[[], Any]], Any] | None = None,
        per_language: bool = False, keep_best: bool = False,
        across: Callable[[str], tuple[str, list[str]]] | None = None,
    ) -> None:
        """`live`: record ids (`<doc>@<version>`) in the index now (hits on others, e.g. chunks of a
        document removed since the BM25 snapshot was built, or of a version not yet or no longer
        committed, are dropped); `guard` turns store errors into one-line messages; `per_language`:
        BM25 candidates taken and normalised per passage language; `keep_best`: the best hit of each
        retriever is always in the top-k (hybrid only); `across`: the question's words in the corpus's
        other language (index/crossterms.py), which rank that language's BM25 candidates (hybrid with
        `per_language` only)."""
        super().__init__()
        self.dense = dense
        self.bm25 = bm25
        self.mode = mode
        self.fusion = fusion
        self.dense_weight = dense_weight
        self.candidates_k = candidates_k
        self.top_k = top_k
        self.live = live
        self.guard = guard or (lambda call: call())
        self.per_language = per_language
        self.keep_best = keep_best
        self.across = across

    def search(self, query: str, top_k: int | None = None) -> list[Hit]:
        k = top_k or self.top_k
        try:
            dense_hits = self.guard(lambda: self._dense(query)) if self.mode in ("hybrid", "dense") else []
        except (httpx.TransportError, ConnectionError) as err:  # a Chroma server that went away
            raise StoreUnavailableError(
                f"The Chroma store is unreachable ({type(err).__name__}). Check the server, then retry."
            ) from None
        bm25_hits = self._bm25(query) if self.mode in ("hybrid", "bm25") else []
        dense_hits, bm25_hits = self._live(dense_hits), self._live(bm25_hits)
        lists = self._lists(query, dense_hits, bm25_hits)
        fused = merge_duplicates(self._fuse(lists))
        if self.keep_best and self.mode == "hybrid":
            across = [results[:1] for name, results in lists if name == "across"]
            return keep_lane_best(fused, [dense_hits[:1], bm25_hits[:1], *across], k)
        return fused[:k]

    def _live(self, hits: list[NodeWithScore]) -> list[NodeWithScore]:
        if self.live is None:
            return hits
        return [h for h in hits if record_of(h.node.node_id, str(h.node.metadata.get("doc_hash", ""))) in self.live
                and h.node.get_content().strip()]

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return [NodeWithScore(node=h.node, score=h.score) for h in self.search(query_bundle.query_str)]

    def _dense(self, query: str) -> list[NodeWithScore]:
        self.dense.similarity_top_k = self.candidates_k
        return self.dense.retrieve(query)

    def _bm25(self, query: str) -> list[NodeWithScore]:
        if self.per_language and self.mode == "hybrid":  # enough candidates for each language to have its own `candidates_k`
            return self.bm25.search(query, 2 * self.candidates_k)
        return self.bm25.search(query, self.candidates_k)  # positive scores only

    def _lists(self, query: str, dense: list[NodeWithScore], bm25: list[NodeWithScore]) -> list[tuple[str, list[NodeWithScore]]]:
        """The ranked lists fused, each normalised on its own: dense, then BM25 (one list per passage
        language with `per_language` in hybrid mode, so a French passage's BM25 score is weighed against
        French ones). With `across`, the other language's list is BM25's for the question plus its words in
        that language ("across"), in place of the question's alone."""
        if not self.per_language or self.mode != "hybrid":
            return [("dense", dense), ("bm25", bm25)]
        other, words = self.across(query) if self.across is not None else ("", [])
        by_language: dict[str, list[NodeWithScore]] = {}
        for result in sorted(bm25, key=lambda n: n.score or 0.0, reverse=True):
            by_language.setdefault(passage_language(result.node.get_content()), []).append(result)
        lanes = {language: results[: self.candidates_k] for language, results in by_language.items()}
        if not words:
            return [("dense", dense)] + [("bm25", results) for results in lanes.values()]
        found = self._live(self.bm25.search(f"{query} {' '.join(words)}", 2 * self.candidates_k))
        across = [h for h in found if passage_language(h.node.get_content()) == other][: self.candidates_k]
        return ([("dense", dense)] + [("bm25", results) for language, results in lanes.items() if language != other]
                + [("across", across), ("bm25 scores", lanes.get(other, []))])

    def _fuse(self, lists: list[tuple[str, list[NodeWithScore]]]) -> list[Hit]:
        """One hit a passage, scored over `lists`. A hit's `bm25` is the question's own BM25 score (the
        abstention weighs it), never that of the question with its translated words: a "bm25 scores" list only
        gives the hits already found their BM25 score."""
        hits: dict[str, Hit] = {}
        for name, results in sorted(lists, key=lambda lane: lane[0] == "bm25 scores"):
            ranked = sorted(results, key=lambda n: n.score or 0.0, reverse=True)
            scores = [n.score or 0.0 for n in ranked]
            lo, hi = (min(scores), max(scores)) if scores else (0.0, 0.0)
            weight = self.dense_weight if name == "dense" else 1.0 - self.dense_weight
            for rank, result in enumerate(ranked):
                if name == "bm25 scores":
                    if result.node.node_id in hits:
                        hits[result.node.node_id].bm25 = result.score or 0.0
                    continue
                hit = hits.setdefault(result.node.node_id, Hit(node=result.node, score=0.0))
                raw = result.score or 0.0
                if name == "dense":
                    hit.dense = chroma_cosine(raw)
                elif name == "bm25":
                    hit.bm25 = raw
                if self.fusion == "weighted" and self.mode == "hybrid":
                    hit.score += weight * ((raw - lo) / (hi - lo) if hi > lo else 1.0)
                else:
                    hit.score += 1.0 / (RRF_K + rank + 1)
        return sorted(hits.values(), key=lambda h: h.score, reverse=True)
