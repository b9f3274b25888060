"""Fit chunking and retrieval on the DEV questions only: evidence recall vs context tokens.

    PYTHONPATH=$PWD python benchmarks/tune_retrieval.py [--chunks 128:16,180:24,256:32,384:48] [--out FILE]

For each chunk size:overlap the bundled corpus is ingested once (temporary data dir, the real
e5 model loaded once); each dev question is embedded once and its dense and BM25 candidates
(up to 40 each) fetched once. Every retrieval setting (dense / BM25 / hybrid, weighted fusion
weights and RRF, candidates per retriever, top-k) is then replayed on those candidates with the
assistant's own fusion code (HybridRetriever._fuse), which is what truncating the candidate
lists amounts to. Follow-up questions are left out (their retrieval query is the chat rewrite).
Questions with `split: test` are never read.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from statistics import mean
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

MAX_CANDIDATES = 40
WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
CANDIDATES = (5, 10, 20, 30, 40)
TOP_KS = (3, 4, 5, 6, 8)


def dev_questions() -> list[Any]:
    from eval.dataset import load_questions

    return [
        q for q in load_questions()
        if getattr(q, "split", "dev") == "dev" and q.kind != "followup" and q.answerable and q.key_facts
    ]


def candidates(size: int, overlap: int, questions: list[Any], embed: Any, qvecs: dict[str, list[float]]) -> tuple[dict, int, Any]:
    """Ingest the corpus with this chunking; (question id -> (dense, bm25) candidates, chunk count, retriever)."""
    from llama_index.core.schema import QueryBundle

    from assistant.components import Components
    from core.settings import Settings

    with tempfile.TemporaryDirectory(prefix="tune-") as data:
        settings = Settings(_env_file=None, data_dir=Path(data), corpus_dir=REPO / "corpus", llm="none",
                            chunk_size=size, chunk_overlap=overlap)
        comp = Components(settings, embed_model=embed)
        started = time.perf_counter()
        comp.sync(settings.corpus_dir, show_progress=False, rebuild=False)
        print(f"  ingest {size}:{overlap}: {comp.store.count()} chunks in {time.perf_counter() - started:.0f} s", flush=True)
        retriever = comp.retriever(settings.model_copy(update={"candidates_k": MAX_CANDIDATES}))
        retriever.dense.similarity_top_k = MAX_CANDIDATES
        out = {}
        for q in questions:
            dense = retriever.dense.retrieve(QueryBundle(q.question, embedding=qvecs[q.id]))
            out[q.id] = (dense, retriever._bm25(q.question))
        return out, comp.store.count(), retriever


def replay(retriever: Any, cands: dict, questions: list[Any]) -> list[dict[str, Any]]:
    """Evidence recall and context tokens of every setting, per language."""
    from eval import metrics as m

    settings: list[tuple[str, str, float, int]] = [("dense", "rrf", 1.0, c) for c in CANDIDATES]
    settings += [("bm25", "rrf", 0.0, c) for c in CANDIDATES]
    settings += [("hybrid", "rrf", 0.5, c) for c in CANDIDATES]
    settings += [("hybrid", "weighted", w, c) for w in WEIGHTS[1:-1] for c in CANDIDATES]
    rows = []
    for mode, fusion, weight, cand in settings:
        retriever.mode, retriever.fusion, retriever.dense_weight = mode, fusion, weight
        fused = {}
        for q in questions:
            dense, bm25 = cands[q.id]
            fused[q.id] = retriever._fuse(dense[:cand] if mode != "bm25" else [], bm25[:cand] if mode != "dense" else [])
        for k in TOP_KS:
            per: dict[str, list[tuple[float, int]]] = defaultdict(list)
            for q in questions:
                context = [h.node.get_content() for h in fused[q.id][:k]]
                score = (m.evidence_recall(q.key_facts, context), m.context_tokens(context))
                per[q.lang].append(score)
                per["all"].append(score)
            row = {"mode": mode, "fusion": fusion, "dense_weight": weight, "candidates_k": cand, "top_k": k}
            for lang, scores in per.items():
                row[f"recall_{lang}"] = round(mean(s[0] for s in scores), 4)
                row[f"tokens_{lang}"] = round(mean(s[1] for s in scores))
            rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", default="128:16,180:24,256:32,384:48", help="size:overlap pairs, in e5 tokens")
    parser.add_argument("--out", default="/tmp/tune_retrieval.json", help="all rows as JSON")
    args = parser.parse_args()
    from core.providers import make_embedding, prepare_offline_environment
    from core.settings import Settings

    prepare_offline_environment()
    questions = dev_questions()
    print(f"{len(questions)} dev questions (answerable, not follow-ups): "
          f"{sum(q.lang == 'fr' for q in questions)} fr, {sum(q.lang == 'en' for q in questions)} en", flush=True)
    embed = make_embedding(Settings(_env_file=None))
    qvecs = {q.id: embed.get_query_embedding(q.question) for q in questions}
    results = []
    for pair in args.chunks.split(","):
        size, overlap = (int(x) for x in pair.split(":"))
        cands, chunks, retriever = candidates(size, overlap, questions, embed, qvecs)
        for row in replay(retriever, cands, questions):
            results.append({"chunk_size": size, "chunk_overlap": overlap, "chunks": chunks, **row})
        Path(args.out).write_text(json.dumps(results, indent=0), encoding="utf-8")
    print(f"wrote {len(results)} rows to {args.out}")


if __name__ == "__main__":
    main()
