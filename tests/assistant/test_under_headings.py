"""A FAQ answers the question its heading asks in the sentences under it (assistant/sections.py)."""

from __future__ import annotations

from assistant.context import Evidence
from assistant.evidence import extract
from assistant.sections import under_headings

FAQ = ("## 11.3. How do I load a console font when my system boots?\n\n"
       "The kbd package does this: edit the file /etc/kbd/config. Other settings live elsewhere.")
NEARBY = "Messages are shown on the console while the system boots."
QUESTION = "How do I load a console font when my system boots?"


def test_the_sentence_under_a_matching_heading_answers_it() -> None:
    by_words = extract(QUESTION, [NEARBY, FAQ])
    assert by_words.quotes[0].number == 1  # shared words alone open with the nearby sentence
    under = extract(QUESTION, [NEARBY, FAQ], heading_weight=0.5)
    assert under.quotes[0].text.startswith("The kbd package") and under.quotes[0].number == 2


def _scored(number: int, start: int, score: float, coverage: float = 0.0) -> tuple[float, float, Evidence, set[str]]:
    return (score, coverage, Evidence(number, start, start + 5, score, "text"), set())


def test_the_first_sentence_gets_the_heading_match_the_second_half_the_third_none() -> None:
    scored = [_scored(1, 0, 0.1, coverage=0.8), _scored(1, 10, 0.1), _scored(1, 20, 0.1), _scored(1, 30, 0.1),
              _scored(2, 0, 0.3)]
    out = {(q.number, q.start): score for score, _, q, _ in under_headings(scored, {(1, 0)}, 0.5)}
    assert out[(1, 10)] == 0.1 + 0.5 * 0.8
    assert out[(1, 20)] == 0.1 + 0.5 * 0.8 * 0.5
    assert out[(1, 30)] == 0.1 and out[(2, 0)] == 0.3  # the third sentence, and another passage: unchanged
    shares = {(1, 0): 1.0}  # across languages, the heading's e5 similarity share counts too
    across = {(q.number, q.start): score for score, _, q, _ in under_headings(scored, {(1, 0)}, 0.5, shares, 0.3)}
    assert round(across[(1, 10)], 6) == round(0.1 + 0.5 * (0.8 + 0.3), 6)
    assert under_headings(scored, {(1, 0)}, 0.0) == scored  # off
