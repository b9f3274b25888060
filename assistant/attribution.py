"""Citations attributed after generation: each answer sentence is aligned with the passage sentences.

Small models rarely write [n] markers, and any model may write a wrong one. So every sentence of a
generated answer is compared with every sentence of the passages it was given, by multilingual
embedding similarity (e5 when configured: an English sentence finds its French source) and by
shared content words; the markers the model wrote are kept only where that check supports them, and
a sentence without a supported marker gets the best-supported passage. A sentence no passage
supports keeps no marker and is reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.citations import MARKER_RE, overlap
from core.settings import Tuning
from core.text import content_terms, split_sentences

Embed = Callable[[list[str]], Sequence[Sequence[float]]]

# Cosine similarity above which a passage sentence supports an answer sentence (multilingual-e5-small
# puts related sentences at about 0.85-0.95 and unrelated ones at 0.70-0.80): Tuning.e5_related_cosine.
_TUNED = Tuning()
_END_RE = re.compile(r"\s*([.!?…:;]*)\s*$")


@dataclass
class Attribution:
    text: str  # the answer with verified [n] markers
    highlights: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # passage -> supporting spans
    unsupported: list[str] = field(default_factory=list)  # claim sentences no passage supports
    claims: int = 0  # sentences that state something (enough content words to check)
    changed: int = 0  # markers the model wrote that the check removed or replaced
    removed: list[int] = field(default_factory=list)  # markers that pointed to no passage
    aligner: "Aligner | None" = None  # reusable for further checks (its passage vectors are cached)


class Aligner:
    """Sentence-level similarity between answer sentences and the sentences of numbered passages."""

    def __init__(self, passages: list[str], embed: Embed | None, related: float = _TUNED.e5_related_cosine) -> None:
        self.passages = passages
        self.embed = embed
        self.related = related
        self.spans = [split_sentences(p) for p in passages]
        self._vectors: np.ndarray | None = None
        self._rows: dict[str, list[tuple[float, tuple[int, int] | None]]] = {}

    def _passage_vectors(self) -> np.ndarray:
        if self._vectors is None:
            texts = [p[a:b] for p, spans in zip(self.passages, self.spans) for a, b in spans]
            self._vectors = _unit(self.embed(texts)) if self.embed and texts else np.zeros((0, 1))
        return self._vectors

    def support(self, sentence: str, number: int) -> float:
        """How well passage `number` (from 1) supports `sentence`, 0..1 (see `scores`)."""
        if sentence not in self._rows:
            self._rows[sentence] = self.scores([sentence])[0]
        return self._rows[sentence][number - 1][0]

    def scores(self, sentences: list[str]) -> list[list[tuple[float, tuple[int, int] | None]]]:
        """For each sentence, for each passage: (support score, best span). Support is the larger of
        the best sentence cosine and the word overlap with the whole passage."""
        sims = None
        if self.embed and sentences and any(self.spans):
            sims = _unit(self.embed(sentences)) @ self._passage_vectors().T
        out = []
        for i, sentence in enumerate(sentences):
            row, offset = [], 0
            for p, spans in enumerate(self.spans):
                best, span = 0.0, None
                if sims is not None and spans:
                    local = sims[i, offset : offset + len(spans)]
                    j = int(np.argmax(local))
                    best, span = float(local[j]), spans[j]
                offset += len(spans)
                lexical = overlap(sentence, self.passages[p])
                row.append((max(_scaled(best, self.related), lexical), span))
            out.append(row)
        return out


def _unit(vectors: Sequence[Sequence[float]]) -> np.ndarray:
    array = np.asarray(vectors, dtype=np.float32)
    return array / np.maximum(np.linalg.norm(array, axis=1, keepdims=True), 1e-9)


def _scaled(cosine: float, related: float) -> float:
    """Cosine on the same 0..1 footing as word overlap: `related` maps to 0.5."""
    return max(0.0, min(1.0, 0.5 + (cosine - related) * 5))


def attribute(
    text: str, passages: list[str], embed: Embed | None, min_support: float = _TUNED.citation_min_support,
    related: float = _TUNED.e5_related_cosine,
) -> Attribution:
    """Give every claim sentence of `text` verified [n] markers (passages numbered from 1)."""
    spans = split_sentences(text)
    sentences = [MARKER_RE.sub(" ", text[a:b]) for a, b in spans]
    claims = [i for i, s in enumerate(sentences) if len(content_terms(s)) >= 2]
    aligner = Aligner(passages, embed, related)
    table = dict(zip(claims, aligner.scores([sentences[i] for i in claims])))
    result = Attribution(text="", claims=len(claims), aligner=aligner)
    pieces = []
    for i, (a, b) in enumerate(spans):
        written = [int(n) for g in MARKER_RE.findall(text[a:b]) for n in re.split(r"\s*[,;]\s*", g)]
        result.removed.extend(n for n in written if not 1 <= n <= len(passages))
        if i not in table:
            pieces.append(_with_markers(sentences[i], []))
            result.changed += len(written)
            continue
        row = table[i]
        keep = [n for n in dict.fromkeys(written) if 1 <= n <= len(passages) and row[n - 1][0] >= min_support]
        if not keep:
            best = max(range(len(passages)), key=lambda p: row[p][0], default=None)
            keep = [best + 1] if best is not None and row[best][0] >= min_support else []
        result.changed += len(set(written) - set(keep))
        for n in keep:
            span = row[n - 1][1]
            if span and span not in result.highlights.setdefault(n, []):
                result.highlights[n].append(span)
        if not keep:
            result.unsupported.append(_with_markers(sentences[i], []))
        pieces.append(_with_markers(sentences[i], keep))
    result.text = " ".join(p for p in pieces if p)
    return result


def _with_markers(sentence: str, numbers: list[int]) -> str:
    """`sentence` with its markers placed before the final punctuation: "… in 2019 [1]."."""
    body = " ".join(sentence.split())
    match = _END_RE.search(body)
    end = match.group(1) if match else ""
    core = body[: match.start()] if match else body
    return f"{core} {''.join(f'[{n}]' for n in numbers)}{end}" if numbers else f"{core}{end}"
