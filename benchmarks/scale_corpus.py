"""The generated corpus of benchmarks/bench_scale.py: the bundled corpus's real chunks and vectors, then
recombined variants of them with derived vectors (bench_scale.py's docstring says how and why)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SEED = 7
DOC_CHUNKS = 20  # variants per synthetic document
NOISE = 0.35  # norm of the noise added to derived vectors (unit vectors)


@dataclass
class Corpus:
    nodes: list[Any]  # real chunks first, then variants (TextNode with .embedding set)
    n_real: int
    embed_rate: float = 0.0  # real model, chunks/s
    embed_sample: int = 0
    derived_cosine: float = 0.0  # mean cosine(derived vector, real embedding) on the sample
    notes: list[str] = field(default_factory=list)


def ingest_real_corpus(work: Path, model: Any) -> tuple[list[Any], np.ndarray]:
    """The bundled corpus through the real sync path; returns its chunks and their real vectors."""
    from llama_index.core.vector_stores.utils import metadata_dict_to_node

    from assistant.components import Components
    from core.settings import Settings

    settings = Settings(_env_file=None, data_dir=work / "real", corpus_dir=REPO / "corpus", llm="none")
    components = Components(settings, embed_model=model)
    components.sync(settings.corpus_dir, show_progress=False, rebuild=False)
    got = components.store.collection.get(include=["documents", "metadatas", "embeddings"])
    nodes = []
    for node_id, text, meta in zip(got["ids"], got["documents"], got["metadatas"]):
        node = metadata_dict_to_node(meta, text=text)
        node.id_ = node_id
        nodes.append(node)
    vectors = np.asarray(got["embeddings"], dtype=np.float32)
    for node, vector in zip(nodes, vectors):
        node.embedding = vector.tolist()
    return nodes, vectors


def make_variants(real: list[Any], count: int) -> tuple[list[Any], np.ndarray, np.ndarray]:
    """`count` recombined chunks, plus for each its source chunk indices and weights (-1 / 0 padded)."""
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

    from core.text import split_sentences

    rng = np.random.default_rng(SEED)
    sentences = [[n.text[a:b] for a, b in split_sentences(n.text)] or [n.text] for n in real]
    sources = np.full((count, 3), -1, dtype=np.int64)
    weights = np.zeros((count, 3), dtype=np.float32)
    nodes = []
    for j in range(count):
        k = int(rng.integers(2, 4))
        picked = rng.choice(len(real), size=k, replace=False)
        parts = []
        for slot, idx in enumerate(picked):
            sents = sentences[idx]
            take = max(1, round(len(sents) / k))
            start = int(rng.integers(0, len(sents) - take + 1))
            part = " ".join(sents[start:start + take])
            parts.append(part)
            sources[j, slot], weights[j, slot] = idx, len(part)
        text = " ".join(parts) + f" Réf. SV{j:06d}."
        base = real[picked[0]]
        source = f"scale/doc_{j // DOC_CHUNKS:05d}.txt"
        doc_id = f"{base.metadata['root']}:{source}"
        chunk = j % DOC_CHUNKS
        metadata = {
            "source": source, "format": "txt", "root": base.metadata["root"], "title": base.metadata.get("title", ""),
            "start_char": chunk * 1000, "end_char": chunk * 1000 + len(text), "chunk": chunk,
            "n_tokens": int(len(text.split()) * 1.4),
        }
        nodes.append(TextNode(
            id_=f"{doc_id}::{chunk:05d}", text=text, metadata=metadata,
            excluded_embed_metadata_keys=list(base.excluded_embed_metadata_keys),
            excluded_llm_metadata_keys=list(base.excluded_llm_metadata_keys),
            relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=doc_id)},
        ))
    return nodes, sources, weights


def derive_vectors(real_vectors: np.ndarray, sources: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Length-weighted mean of the source chunks' real vectors, plus noise of norm ~NOISE, re-normalised."""
    rng = np.random.default_rng(SEED + 1)
    out = np.zeros((len(sources), real_vectors.shape[1]), dtype=np.float32)
    for slot in range(sources.shape[1]):
        used = sources[:, slot] >= 0
        out[used] += weights[used, slot, None] * real_vectors[sources[used, slot]]
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    out += rng.standard_normal(out.shape).astype(np.float32) * (NOISE / np.sqrt(out.shape[1]))
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def build_corpus(work: Path, model: Any, largest: int, sample: int) -> Corpus:
    from llama_index.core.schema import MetadataMode

    real, real_vectors = ingest_real_corpus(work, model)
    variants, sources, weights = make_variants(real, max(0, largest - len(real)))
    vectors = derive_vectors(real_vectors, sources, weights)
    sample = min(sample, len(variants))
    texts = [n.get_content(metadata_mode=MetadataMode.EMBED) for n in variants[:sample]]
    model.get_text_embedding_batch(texts[:16])  # warm-up
    started = time.perf_counter()
    embedded = np.asarray(model.get_text_embedding_batch(texts), dtype=np.float32)
    rate = sample / (time.perf_counter() - started) if sample else 0.0
    cosine = float(np.mean(np.sum(embedded * vectors[:sample], axis=1))) if sample else 0.0
    vectors[:sample] = embedded
    for node, vector in zip(variants, vectors):
        node.embedding = vector.tolist()
    return Corpus(nodes=real + variants, n_real=len(real), embed_rate=rate, embed_sample=sample, derived_cosine=cosine)
