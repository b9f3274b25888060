"""Citation checking of a quoted (extractive) answer: every [n] must point at a passage that was
given, and the sentence that cites it should share enough content with it. (A model's answer is
checked by assistant/attribution.py, which also places its markers; assistant/checks.py runs one
or the other.)

- markers that point nowhere are removed from the text;
- a cited sentence sharing too little with its passage is flagged (a warning, not removed);
- for each cited passage, the sentences the answer relies on are located, for highlighting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.text import content_terms, split_sentences

MARKER_RE = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")


@dataclass
class CheckedText:
    text: str  # the answer with invalid markers removed
    cited: list[int] = field(default_factory=list)  # valid passage numbers, in order of first use
    removed: list[int] = field(default_factory=list)  # marker numbers that pointed nowhere
    unsupported: list[str] = field(default_factory=list)  # sentences flagged as weakly supported
    # passage number -> spans (start, end) inside that passage's text that the answer relies on
    highlights: dict[int, list[tuple[int, int]]] = field(default_factory=dict)


def overlap(sentence: str, passage: str) -> float:
    """Share of the sentence's content words (stemmed) that also occur in the passage."""
    terms = content_terms(MARKER_RE.sub(" ", sentence))
    if not terms:
        return 1.0
    passage_terms = set(content_terms(passage))
    return sum(1 for t in terms if t in passage_terms) / len(terms)


def is_document_reference(text: str, match: re.Match[str], passages: list[str]) -> bool:
    """A bracketed number copied from a passage with the words before it ("en 2021 [2]", "fin.[12]").

    Such numbers are the document's own notes (Wikipedia references), not the answer's citations.
    """
    before = text[max(0, match.start() - 40) : match.start()]
    tail = " ".join(before.split()[-2:])
    if not tail:
        return False
    needle = tail + (" " if before[-1].isspace() else "") + match.group(0)
    return any(needle in " ".join(p.split()) for p in passages)


def _clean_markers(text: str, passages: list[str]) -> tuple[str, list[int], list[int]]:
    n_passages = len(passages)
    cited: list[int] = []
    removed: list[int] = []

    def repl(match: re.Match[str]) -> str:
        if is_document_reference(text, match, passages):
            return ""  # the document's own note number: neither a citation nor a removed marker
        numbers = [int(x) for x in re.split(r"\s*[,;]\s*", match.group(1))]
        valid = [n for n in numbers if 1 <= n <= n_passages]
        removed.extend(n for n in numbers if n not in valid)
        for n in valid:
            if n not in cited:
                cited.append(n)
        return "".join(f"[{n}]" for n in dict.fromkeys(valid))

    cleaned = MARKER_RE.sub(repl, text)
    cleaned = re.sub(r"[ \t]+([.,])", r"\1", cleaned)  # French keeps its space before ; : ! ?
    cleaned = re.sub(r"[ \t]{2,}", " ", cleaned).strip()
    return cleaned, cited, removed


def best_supporting_span(claim: str, passage: str) -> tuple[int, int] | None:
    """The sentence of `passage` that shares the most content words with `claim`."""
    claim_terms = set(content_terms(MARKER_RE.sub(" ", claim)))
    if not claim_terms:
        return None
    best, best_score = None, 0.0
    for start, end in split_sentences(passage):
        terms = set(content_terms(passage[start:end]))
        score = len(claim_terms & terms) / len(claim_terms)
        if score > best_score:
            best, best_score = (start, end), score
    return best if best_score > 0 else None


def check_citations(text: str, passages: list[str], min_overlap: float) -> CheckedText:
    """Validate and locate the [n] markers of `text` against `passages` (numbered from 1)."""
    cleaned, cited, removed = _clean_markers(text, passages)
    result = CheckedText(text=cleaned, cited=cited, removed=removed)
    for start, end in split_sentences(cleaned):
        sentence = cleaned[start:end]
        numbers = [int(n) for group in MARKER_RE.findall(sentence) for n in re.split(r"\s*[,;]\s*", group)]
        if not numbers:
            continue
        scores = [overlap(sentence, passages[n - 1]) for n in numbers]
        if max(scores) < min_overlap:
            result.unsupported.append(MARKER_RE.sub("", sentence).strip())
        for n in numbers:
            span = best_supporting_span(sentence, passages[n - 1])
            if span and span not in result.highlights.setdefault(n, []):
                result.highlights[n].append(span)
    return result


def cited_numbers(text: str) -> list[int]:
    """The passage numbers `text` cites, in order of first use."""
    return list(dict.fromkeys(int(n) for group in MARKER_RE.findall(text) for n in re.split(r"\s*[,;]\s*", group)))
