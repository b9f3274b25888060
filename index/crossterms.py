"""A question's words in the corpus's other language, for BM25: "mirror" -> "miroir", "week" -> "semaine".

An English question shares no word with the French passage that answers it, so BM25 cannot find that
passage, and dense retrieval alone (flat similarities across languages with multilingual-e5-small) often
ranks it below English passages of the wrong chapters. Each word of the question is therefore mapped to
the nearest words of the other language's passages, by the embedding model the index already uses:
corpus words embedded as passages, question words as queries, nearest by cosine. The translations are the
corpus's own words by construction, so they always match something.

Why not a bilingual dictionary: none installs from PyPI (FreeDict comes from apt), and a general dictionary
misses the corpus's own terms and lists many senses where BM25 wants the one the corpus uses.

The word vectors are a local cache (`<state>/bm25/words/<model>.npz`): a new document costs only its new
words; deleting the file costs one pass over the vocabulary (about 4 ms a word on 2 cores).
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections import Counter
from pathlib import Path
from typing import Any, Callable

import numpy as np
from llama_index.core.vector_stores.utils import metadata_dict_to_node

from core.text import fold, guess_language, stopwords
from index.lexical import Snapshot

log = logging.getLogger(__name__)

_WORD_RE = re.compile(r"[a-zàâäçéèêëîïôöûùüÿœæ]{4,}")  # corpus words: lower-case letters, 4 or more
_QUESTION_WORD_RE = re.compile(r"[^\W\d_]{3,}")
MAX_WORDS = 30_000  # most frequent words per language embedded (a 100k-chunk corpus stays a few minutes' work)
MARGIN = 0.02  # a second translation is kept when within this of the first (calibrated with `min_similarity`)
_ASKED_CACHE = 20_000  # question words whose vectors are remembered
_RECENT = 64  # questions whose translations are remembered (per snapshot)
_PREFIX = 5  # a candidate sharing its first 5 letters with the word is the same word ("packages" / "buildpackage")


class WordBridge:
    """Question words -> nearest words of the passages in the other language (French <-> English)."""

    def __init__(self, folder: Path, embed_words: Callable[[list[str]], list[list[float]]],
                 embed_queries: Callable[[list[str]], list[list[float]]], model: str) -> None:
        """`embed_words`: passage vectors of corpus words; `embed_queries`: query vectors of question words."""
        self.folder = folder
        self.embed_words = embed_words
        self.embed_queries = embed_queries
        self._asked: dict[str, np.ndarray] = {}  # question word -> query vector, the last _ASKED_CACHE
        self.path = folder / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', model)}.npz"
        self._lock = threading.Lock()
        self._vectors: dict[str, np.ndarray] | None = None  # word -> unit vector (float16), all languages
        self._records: dict[str, dict[str, Counter[str]]] = {}  # record id -> language -> word document counts
        self._vocab: tuple[Snapshot, dict[str, tuple[list[str], np.ndarray]]] | None = None
        # The last questions' translations for one snapshot: retrieval and the evidence stage ask the same question.
        self._recent: tuple[Snapshot | None, dict[tuple[str, int, float], tuple[str, list[str]]]] = (None, {})

    def translations(self, snap: Snapshot, question: str, *, per_word: int, min_similarity: float) -> tuple[str, list[str]]:
        """(the other language, its words nearest to the question's words): up to `per_word` a word, each at
        least `min_similarity` and within MARGIN of the word's best. ("", []) when the corpus has no passage in
        the other language."""
        key = (question, per_word, min_similarity)
        with self._lock:
            if self._recent[0] is not snap:
                self._recent = (snap, {})
            recent = self._recent[1]
            if key in recent:
                return recent[key][0], list(recent[key][1])
        found = self._translations(snap, question, per_word=per_word, min_similarity=min_similarity)
        with self._lock:
            if self._recent[0] is snap:
                recent = self._recent[1]
                while len(recent) >= _RECENT:
                    recent.pop(next(iter(recent)))
                recent[key] = (found[0], list(found[1]))
        return found

    def _translations(self, snap: Snapshot, question: str, *, per_word: int, min_similarity: float) -> tuple[str, list[str]]:
        language = guess_language(question)
        other = "fr" if language == "en" else "en"
        words, matrix = self.vocabulary(snap).get(other, ([], np.zeros((0, 0), np.float16)))
        asked = [w for w in dict.fromkeys(m.lower() for m in _QUESTION_WORD_RE.findall(question))
                 if w not in stopwords() and fold(w) not in stopwords()]
        if not words or not asked or per_word <= 0:
            return other, []
        similarity = self._query_vectors(asked) @ matrix.T.astype(np.float32)
        out: list[str] = []
        for word, row in zip(asked, similarity):
            best: float | None = None
            kept = 0
            for i in np.argsort(-row)[: per_word + 6]:
                candidate, score = words[i], float(row[i])
                if word[:_PREFIX] in candidate or candidate[:_PREFIX] in word:
                    continue
                best = score if best is None else best
                if score < min_similarity or score < best - MARGIN:
                    break
                out.append(candidate)
                kept += 1
                if kept >= per_word:
                    break
        return other, list(dict.fromkeys(out))

    def _query_vectors(self, words: list[str]) -> np.ndarray:
        with self._lock:
            missing = [w for w in words if w not in self._asked]
        if missing:
            vectors = self.embed_queries(missing)
            with self._lock:
                self._asked.update(zip(missing, (np.asarray(v, np.float32) for v in vectors)))
                while len(self._asked) > _ASKED_CACHE:
                    self._asked.pop(next(iter(self._asked)))
        with self._lock:
            return np.stack([self._asked[w] for w in words])

    def vocabulary(self, snap: Snapshot) -> dict[str, tuple[list[str], np.ndarray]]:
        """Per passage language: its words (not stopwords, not found in the other language's passages, the
        MAX_WORDS most frequent) and their vectors. Built once per BM25 snapshot, embedding only new words."""
        with self._lock:
            if self._vocab is not None and self._vocab[0] is snap:
                return self._vocab[1]
            counts: dict[str, Counter[str]] = {"fr": Counter(), "en": Counter()}
            for record, rows in snap.by_record.items():
                for language, found in self._record_words(snap, record, rows).items():
                    counts[language].update(found)
            self._records = {r: v for r, v in self._records.items() if r in snap.by_record}
            stop = stopwords()
            chosen = {}
            for language, found in counts.items():
                others = counts["en" if language == "fr" else "fr"]
                words = [w for w, _ in found.most_common() if w not in others and w not in stop and fold(w) not in stop]
                chosen[language] = words[:MAX_WORDS]
            vectors = self._load()
            missing = [w for words in chosen.values() for w in words if w not in vectors]
            if missing:
                for start in range(0, len(missing), 256):
                    batch = missing[start: start + 256]
                    for word, vector in zip(batch, self.embed_words(batch)):
                        vectors[word] = _unit(vector)
                self._save(vectors)
            vocab = {language: (words, np.stack([vectors[w] for w in words]) if words else np.zeros((0, 0), np.float16))
                     for language, words in chosen.items()}
            self._vocab = (snap, vocab)
            return vocab

    def _record_words(self, snap: Snapshot, record: str, rows: list[int]) -> dict[str, Counter[str]]:
        """Each language's words in one document version (cached: a version's text never changes)."""
        cached = self._records.get(record)
        if cached is None:
            cached = {"fr": Counter(), "en": Counter()}
            for row in rows:
                text = metadata_dict_to_node(snap.rows[row]).get_content()
                cached[guess_language(text)].update(set(_WORD_RE.findall(text.lower())))
            self._records[record] = cached
        return cached

    def _load(self) -> dict[str, np.ndarray]:
        if self._vectors is None:
            self._vectors = {}
            try:
                with np.load(self.path, allow_pickle=False) as data:
                    self._vectors = dict(zip((str(w) for w in data["words"]), data["vectors"]))
            except FileNotFoundError:
                pass
            except (OSError, ValueError, KeyError) as err:  # a corrupt cache costs one pass over the words
                log.warning("word vectors at %s unreadable (%s): embedding them again", self.path, err)
        return self._vectors

    def _save(self, vectors: dict[str, np.ndarray]) -> None:
        """Written atomically; a cache that cannot be written costs time on the next start, never the answer."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp.npz")
            words = list(vectors)
            np.savez(tmp, words=np.array(words), vectors=np.stack([vectors[w] for w in words]))
            os.replace(tmp, self.path)
        except OSError as err:
            log.warning("could not cache word vectors at %s (%s)", self.path, err)


def _unit(vector: Any) -> np.ndarray:
    array = np.asarray(vector, np.float32)
    norm = float(np.linalg.norm(array)) or 1.0
    return (array / norm).astype(np.float16)
