"""Answering again from the next-best evidence: `exclude` (chunk ids retrieval skips) on the public API,
as the web UI's Regenerate uses it with the extractive answerer. The real Assistant on the bundled corpus."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

JAPAN = "What share of Japan's audio music market revenues did streaming claim in 2019?"
SAG = "Combien de professionnels le syndicat SAG-AFTRA représente-t-il ?"


def test_an_answer_again_rests_on_other_passages_and_declines_when_none_is_left(ingested_assistant):
    bot = ingested_assistant
    first = bot.ask(JAPAN)
    assert "19.3%" in first.text and first.citations
    seen = {c.node_id for c in first.citations}
    again = bot.ask(JAPAN, exclude=seen)
    assert not again.abstained and again.text != first.text and "19.3%" not in again.text
    assert again.citations and not seen & {c.node_id for c in again.citations}
    assert not seen & {p.node_id for p in again.retrieved}  # skipped by retrieval, not just by the citations
    assert len(again.retrieved) == len(first.retrieved)  # the next-best passages took their places
    assert "doubled" in again.text  # the next-best evidence: streaming revenues in Japan nearly doubled
    for _ in range(8):  # each time without what was cited so far, until nothing grounded is left
        seen |= {c.node_id for c in again.citations}
        again = bot.ask(JAPAN, exclude=seen)
        if again.abstained:
            break
        assert not seen & {c.node_id for c in again.citations}
    assert again.abstained and not again.citations
    assert bot.ask(JAPAN).text == first.text  # nothing is remembered between questions


def test_a_chat_turn_again_and_retrieve_take_exclude_too(ingested_assistant):
    chat = ingested_assistant.chat()
    first = chat.ask(SAG)
    assert "160 000" in first.text
    cited = [c.node_id for c in first.citations]
    again = ingested_assistant.chat().ask(SAG, exclude=cited)
    assert again.abstained  # the count is only in the passages already cited: the next-best ones decline
    assert not set(cited) & {p.node_id for p in ingested_assistant.retrieve(SAG, exclude=cited)}


def test_an_overview_again_summarises_other_passages(ingested_assistant):
    """Regenerate on an overview: the article's passages not yet quoted, then other articles; the corpus
    overview moves on to the next-largest articles."""
    bot = ingested_assistant
    for question in ("Résume l'article sur Netflix", "De quoi parle le corpus ?"):
        first = bot.ask(question)
        assert not first.abstained and first.citations
        seen = {c.node_id for c in first.citations}
        again = bot.ask(question, exclude=seen)
        assert not again.abstained and again.citations and again.text != first.text
        assert not seen & {c.node_id for c in again.citations}
        assert again.text.split("«")[0] == first.text.split("«")[0] or "Netflix" in again.text  # still that overview
