"""Part of stage 5, `evidence`: a sentence right under a heading that matches the question is its answer.

A FAQ asks its question in a heading and answers it in the sentences under it: "11.3. Comment charger une
police pour la console au démarrage de Debian ?" then "Le paquet kbd permet cela, éditez le fichier
/etc/kbd/config.". The answer
shares few words with the question (fewer still across languages) while the heading shares them all, so the
first sentences under a heading get part of the heading's match to the question (`Tuning.answer_under_heading`,
calibrated on the eval's dev questions: docs/answer-quality.md): the first sentence all of it, the second half.
"""

from __future__ import annotations

from assistant.context import Evidence

Scored = tuple[float, float, Evidence, set[str]]  # (score, shared-word coverage, sentence, matched terms)
_DECAY = 0.5  # the second sentence under a heading gets half the first one's share
_SENTENCES = 2  # ... and the third none


def under_headings(scored: list[Scored], headings: set[tuple[int, int]], weight: float,
                   shares: dict[tuple[int, int], float] | None = None, dense_weight: float = 0.0) -> list[Scored]:
    """`scored`, each of the first `_SENTENCES` sentences after a heading (`headings`: (passage number, start)
    of Markdown heading lines) raised by `weight` x the heading's match: its shared-word coverage, plus
    `dense_weight` x its similarity share across languages (`shares`, from assistant/across.py rerank)."""
    if not weight or not headings:
        return scored
    shares = shares or {}
    out = list(scored)
    order = sorted(range(len(out)), key=lambda i: (out[i][2].number, out[i][2].start))
    match, passage, since = 0.0, 0, _SENTENCES
    for i in order:
        score, coverage, quote, matched = out[i]
        if quote.number != passage:
            passage, match, since = quote.number, 0.0, _SENTENCES
        if (quote.number, quote.start) in headings:
            match, since = coverage + dense_weight * shares.get((quote.number, quote.start), 0.0), 0
            continue
        if since < _SENTENCES and match:
            lift = weight * match * _DECAY ** since
            out[i] = (score + lift, coverage, Evidence(quote.number, quote.start, quote.end, score + lift, quote.text), matched)
        since += 1
    out.sort(key=lambda item: item[0], reverse=True)
    return out
