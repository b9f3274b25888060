"""An incremental BM25 index (Lucene variant, as bm25s scores it: k1=1.5, b=0.75).

bm25s builds a whole index at once (about 15 s for 100k chunks on 2 cores, tokens already cut), so
one uploaded file would cost a full rebuild. This index is an immutable snapshot with postings per
term; `updated()` returns a new snapshot that appends the rows of new documents and masks the rows
of removed ones, sharing everything else with the old snapshot. Questions keep using the old one
until the new one is swapped in. Scores match bm25s's (same tokenizer, stemmer and formula), so the
thresholds tuned on it still hold.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

K1, B = 1.5, 0.75


def tokenize(texts: list[str]) -> list[Counter[str]]:
    """Term counts per text: the tokenizer, stopwords and stemmer the index has always used."""
    import bm25s

    from core.text import stemmer, stopwords

    tokens = bm25s.tokenize(texts, stopwords=sorted(stopwords()), stemmer=stemmer(), return_ids=False, show_progress=False)
    return [Counter(t) for t in tokens]


def query_terms(query: str) -> list[str]:
    """A question's terms, cut as llama-index's BM25Retriever cuts them (English stopwords only)."""
    import bm25s

    from core.text import stemmer

    return bm25s.tokenize(query, stemmer=stemmer(), return_ids=False, show_progress=False)[0]


@dataclass
class Segment:
    """One document version's rows: corpus entries (node dicts) and their term counts."""

    record_id: str
    entries: list[dict[str, Any]]
    terms: list[dict[str, int]]


@dataclass(frozen=True)
class Snapshot:
    rows: list[dict[str, Any]]  # append-only, shared between snapshots: read only [:n_rows]
    n_rows: int
    alive: np.ndarray  # bool per row
    lengths: np.ndarray  # float32 tokens per row
    postings: dict[str, tuple[np.ndarray, np.ndarray]]  # term -> (rows, term counts)
    by_record: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def empty(cls) -> "Snapshot":
        return cls([], 0, np.zeros(0, bool), np.zeros(0, np.float32), {}, {})

    @property
    def n_docs(self) -> int:
        return int(self.alive.sum())

    @property
    def dead_fraction(self) -> float:
        return 1.0 - self.n_docs / self.n_rows if self.n_rows else 0.0

    def df(self, term: str) -> int:
        posting = self.postings.get(term)
        return int(self.alive[posting[0]].sum()) if posting is not None else 0

    def idf(self, term: str) -> float:
        n, df = self.n_docs, self.df(term)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def search(self, terms: list[str], k: int) -> list[tuple[dict[str, Any], float]]:
        """The `k` best live rows for `terms` with a positive score, best first."""
        n_docs = self.n_docs
        if not n_docs or k <= 0:
            return []
        avg = float(self.lengths[self.alive].mean()) or 1.0
        scores = np.zeros(self.n_rows, np.float32)
        for term in terms:
            posting = self.postings.get(term)
            if posting is None:
                continue
            rows, tfs = posting
            norm = K1 * ((1.0 - B) + B * self.lengths[rows] / avg)
            scores[rows] += np.float32(self.idf(term)) * tfs / (tfs + norm)
        scores[~self.alive] = 0.0
        k = min(k, self.n_rows)
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self.rows[i], float(scores[i])) for i in best if scores[i] > 0.0]

    def updated(self, added: list[Segment], removed: set[str]) -> "Snapshot":
        """A new snapshot with `added` appended and the `removed` record ids masked out."""
        start = self.n_rows
        new_rows = [e for seg in added for e in seg.entries]
        new_terms = [t for seg in added for t in seg.terms]
        if start != len(self.rows):  # someone appended past us: start a fresh row list
            rows = self.rows[:start] + new_rows
        else:
            rows = self.rows
            rows.extend(new_rows)
        alive = np.concatenate([self.alive, np.ones(len(new_rows), bool)])
        lengths = np.concatenate([self.lengths, np.array([sum(t.values()) for t in new_terms], np.float32)])
        by_record = {r: rows_ for r, rows_ in self.by_record.items() if r not in removed}
        for record in removed:
            alive[self.by_record.get(record, [])] = False
        grown: dict[str, tuple[list[int], list[int]]] = {}
        row = start
        for seg in added:
            by_record[seg.record_id] = list(range(row, row + len(seg.entries)))
            for counts in seg.terms:
                for term, tf in counts.items():
                    entry = grown.setdefault(term, ([], []))
                    entry[0].append(row)
                    entry[1].append(tf)
                row += 1
        postings = dict(self.postings)
        for term, (rows_, tfs) in grown.items():
            extra = (np.array(rows_, np.int64), np.array(tfs, np.float32))
            old = postings.get(term)
            postings[term] = extra if old is None else (np.concatenate([old[0], extra[0]]), np.concatenate([old[1], extra[1]]))
        return Snapshot(rows, start + len(new_rows), alive, lengths, postings, by_record)
