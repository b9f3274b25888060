"""The claim check (a check stage, assistant/checks.py): every stated fact of an answer sentence must stand
in the passage that sentence cites.

A *fact* is a number, date, quantity, proper name, command, path, URL or identifier (core/facts.py, the
same module the eval's stated-fact metric uses), compared after normalisation (digit groups, decimal
commas, accents, units, French and English number words). Every mode goes through it: the quoted
(extractive) answer, the local model, OpenAI and any OpenAI-compatible server.

A sentence whose fact is not in its cited passage is never shown as supported:

- a model's answer loses that sentence; when what is left no longer holds the kind of fact asked (or
  nothing is left), the answer falls back to the quoted evidence, which the check validates again
  (never worse than the extractive answer). `Tuning.claim_failure` = "decline" abstains instead;
- a quoted answer loses the quote (verbatim quotes hold their facts; this guards the frame and edits).

Either way the answer's `warnings` say what was removed and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.attribution import _with_markers as with_markers
from assistant.citations import MARKER_RE
from core.facts import Fact, extract_facts, fact_held
from core.text import content_terms, split_sentences


@dataclass
class ClaimCheck:
    text: str  # the answer without the sentences whose facts their cited passages do not hold
    failed: list[tuple[str, list[Fact]]] = field(default_factory=list)  # (sentence, facts not held)
    kept: int = 0  # sentences kept that state something
    recited: int = 0  # sentences whose citation moved to the passage holding their facts


def sentence_citations(text: str) -> list[tuple[int, int, list[int]]]:
    """(start, end, cited numbers) for each sentence of `text`, per line. A sentence without a marker takes
    the markers of its nearest cited neighbours on the same line (one marker at the end covers the line),
    as the eval's stated-fact metric reads it."""
    out: list[tuple[int, int, list[int]]] = []
    offset = 0
    for line in text.split("\n"):
        spans = [(a, b) for a, b in split_sentences(line) if content_terms(MARKER_RE.sub(" ", line[a:b])) or _numbers(line[a:b])]
        cited = [_numbers(line[a:b]) for a, b in spans]
        for i, (a, b) in enumerate(spans):
            numbers = cited[i]
            if not numbers:
                later = next((c for c in cited[i:] if c), [])
                earlier = next((c for c in reversed(cited[:i]) if c), [])
                numbers = list(dict.fromkeys(earlier + later))
            out.append((offset + a, offset + b, numbers))
        offset += len(line) + 1
    return out


def _numbers(sentence: str) -> list[int]:
    return list(dict.fromkeys(int(n) for g in MARKER_RE.findall(sentence) for n in re.split(r"\s*[,;]\s*", g)))


def unheld(sentence: str, cited: list[str]) -> list[Fact]:
    """Facts `sentence` states that none of the `cited` passages holds."""
    return [f for f in extract_facts(sentence) if not any(fact_held(f, p) for p in cited)]


def check_claims(text: str, passages: list[str], *, recite: bool = False) -> ClaimCheck:
    """`text` without the sentences stating a fact their cited passages (numbered from 1) do not hold.

    `recite`: a sentence whose facts all stand in another of the passages cites that one instead (a model
    that wrote [2] for a figure of passage [1]); `recited` counts them."""
    result = ClaimCheck(text=text)
    drop: list[tuple[int, int]] = []
    recited: list[tuple[int, int, str]] = []
    for start, end, numbers in sentence_citations(text):
        sentence = text[start:end]
        cited = [passages[n - 1] for n in numbers if 1 <= n <= len(passages)]
        missing = unheld(sentence, cited)
        if missing and recite and extract_facts(sentence):
            holder = next((n for n, p in enumerate(passages, 1) if not unheld(sentence, [p])), None)
            if holder is not None:  # the fact stands in another given passage: cite that one instead
                recited.append((start, end, with_markers(MARKER_RE.sub(" ", sentence), [holder])))
                result.kept += 1
                continue
        if missing:
            result.failed.append((" ".join(MARKER_RE.sub(" ", sentence).split()), missing))
            drop.append((start, end))
        elif content_terms(MARKER_RE.sub(" ", sentence)):
            result.kept += 1
    edits = sorted([(a, b, "") for a, b in drop] + recited, reverse=True)
    for start, end, replacement in edits:
        text = text[:start] + replacement + text[end:]
    result.recited = len(recited)
    result.text = re.sub(r"[ \t]{2,}", " ", text).strip()
    return result


def warning(failed: list[tuple[str, list[Fact]]], fallback: str) -> str:
    """One line for `answer.warnings`: the facts no cited passage holds, and what was done."""
    facts = "; ".join(f"{f.text!r} in “{s[:80]}”" for s, missing in failed for f in missing[:3])
    return f"Stated facts its cited passage does not hold ({facts}): {fallback}"
