"""Kept-conversation, viewer and feedback handlers (the browser tests drive the same code in Chromium)."""

from __future__ import annotations

import json
from types import SimpleNamespace

from ui import chat, kept, render, viewer

JAPAN = "What share of Japan's audio music market revenues did streaming claim in 2019?"
ALICE, BOB = "a" * 32, "b" * 32


def answered(bots, store, state, question=JAPAN, history=None):
    *_, last = chat.respond(bots, question, history or [], state, 5, None, store=store)
    return last


def test_each_browser_keeps_its_own_conversations(fake_bot):
    bots, store = chat.answerers(fake_bot), fake_bot.conversations()
    alice, _ = kept.on_load(bots, store, ALICE, None, None)
    bob, _ = kept.on_load(bots, store, BOB, None, None)
    history, sources, alice, _, listing = answered(bots, store, alice)
    assert listing["choices"] == [(JAPAN, alice.cid)] and listing["value"] == alice.cid
    assert 'data-turn="0"' in sources
    assert kept.on_load(bots, store, BOB, bob, None)[1]["choices"] == []
    assert kept.on_load(bots, store, "not-an-id", None, None)[0].owner is None  # not kept at all

    # A new page of Alice's browser opens it again, whole.
    again, listing = kept.on_load(bots, store, ALICE, None, None)
    shown, sources, again = kept.open_conversation(store, listing["choices"][0][1], again)
    assert [m["role"] for m in shown] == ["user", "assistant"] and "19.3%" in shown[1]["content"]
    assert again.answers[0].citations and len(again.session.history) == 1
    assert kept.open_conversation(store, alice.cid, bob)[0] is not None and bob.cid is None  # not Bob's


def test_viewer_copy_and_document(fake_bot):
    bots, store = chat.answerers(fake_bot), fake_bot.conversations()
    state, _ = kept.on_load(bots, store, ALICE, None, None)
    state = answered(bots, store, state)[2]
    html, copied = viewer.act(fake_bot, json.dumps({"kind": "cite", "turn": 0, "n": 1}), state)
    assert 'id="viewer-passage"' in html and "<mark>" in html and copied == ""
    _, copied = viewer.act(fake_bot, json.dumps({"kind": "copy", "turn": 0}), state)
    assert "19.3%" in copied and "Sources:" in copied and "000_9fbf024f9cdb4384.txt" in copied
    doc = fake_bot.documents()[0]
    html, _ = viewer.act(fake_bot, json.dumps({"kind": "doc", "key": render.document_key(doc)}), state)
    assert "viewer-box" in html and render.esc(doc.source) in html
    assert viewer.act(fake_bot, "{not json", state) == ("", "")
    assert viewer.act(fake_bot, json.dumps({"kind": "cite", "turn": 9, "n": 1}), state) == ("", "")


def test_long_documents_show_the_section_around_the_passage():
    document = ("paragraphe. " * 50 + "\n\n") * 200
    at = len(document) // 2
    lo, hi = viewer.section(document, (at, at + 100))
    assert lo <= at and hi >= at + 100 and hi - lo <= viewer.SECTION_CHARS + 200 and document[lo - 2 : lo] == "\n\n"


def test_rating_rename_export_delete(fake_bot):
    bots, store = chat.answerers(fake_bot), fake_bot.conversations()
    state, _ = kept.on_load(bots, store, ALICE, None, None)
    history, _, state, _, _ = answered(bots, store, state)
    shown = kept.rate(store, history, state, SimpleNamespace(index=1, liked=False))
    assert shown["visible"] is True
    kept.comment(store, "incomplet", state)
    (fb,) = store.feedback()
    assert (fb.rating, fb.comment, fb.question, fb.answerer) == (-1, "incomplet", JAPAN, "extractive")
    listing, _ = kept.rename(store, "Japon", state)
    assert listing["choices"] == [("Japon", state.cid)]
    exported = kept.export(store, state)["value"]
    text = open(exported, encoding="utf-8").read()
    assert text.startswith("# Japon") and "> " in text and "000_9fbf024f9cdb4384.txt" in text
    assert kept.delete(store, "no", state)[0] is not None and store.conversations(ALICE)  # not confirmed
    history, sources, state, listing = kept.delete(store, "yes", state)
    assert history == [] and sources == render.EMPTY_SOURCES and listing["choices"] == []


def test_stop_before_any_word_keeps_nothing(fake_bot):
    bots = chat.answerers(fake_bot)
    state = chat.session_for(bots, None, None)
    state.stop.set()
    chat.stop_answer(state)
    steps = list(chat._pump(state, JAPAN, 5))
    assert steps[-1] == ("stopped", None) or all(kind != "piece" for kind, _ in steps)


def regenerated(bots, store, history, state):
    *_, last = kept.regenerate(bots, store, history, state, 5, None)
    return last


def test_regenerate_with_the_extractive_answerer_quotes_the_next_best_evidence(settings):
    from tests.fakes.fake_assistant import FakeAssistant

    bot = FakeAssistant(settings.model_copy(update={"models_dir": settings.data_dir / "no-models"}))
    bot.ingest(settings.corpus_dir)
    bots, store = chat.answerers(bot), bot.conversations()
    assert list(bots) == ["extractive"]  # no LLM to write another answer
    state, _ = kept.on_load(bots, store, ALICE, None, None)
    history, _, state, _, _ = answered(bots, store, state)
    first = state.answers[-1]
    cited = {c.node_id for c in first.citations}
    assert cited and state.seen == cited
    history, sources, state, _, _ = regenerated(bots, store, history, state)
    again = state.answers[-1]
    assert len(state.answers) == 1 and [m["role"] for m in history] == ["user", "assistant"]
    assert again.text != first.text and not cited & {p.node_id for p in again.retrieved}
    assert [t.answer.text for t in store.turns(state.cid)] == [again.text]  # replaced in the store: one turn
    for _ in range(10):  # each time without all that was cited for this question, until nothing is left
        if state.answers[-1].abstained:
            break
        before = state.seen
        history, _, state, _, _ = regenerated(bots, store, history, state)
        assert not before & {c.node_id for c in state.answers[-1].citations}
    assert state.answers[-1].abstained and len(state.session.history) == 1
    # A new question starts afresh: nothing it retrieves is skipped.
    history, _, state, _, _ = answered(bots, store, state, "Qui est le directeur exécutif du syndicat SAG-AFTRA ?", history)
    assert state.seen == {c.node_id for c in state.answers[-1].citations}


def test_regenerate_with_the_extractive_answerer_asks_the_llm_when_there_is_one(fake_bot):
    from core import local_model

    llm = fake_bot.variant(llm="local")
    bots, store = {"extractive": fake_bot, llm.mode: llm}, fake_bot.conversations()
    state, _ = kept.on_load(bots, store, ALICE, None, "extractive")
    history, _, state, _, _ = answered(bots, store, state)
    assert state.answers[-1].mode == "extractive"
    history, _, state, _, _ = regenerated(bots, store, history, state)
    assert state.answers[-1].mode == local_model.MODEL_NAME == llm.mode  # written by the LLM, this turn only
    assert state.choice == "extractive" and len(state.answers) == 1
    assert [q for q, _ in state.session.history] == [JAPAN]  # the chat remembers the turn for follow-ups
    assert [t.answer.mode for t in store.turns(state.cid)] == [llm.mode]
    cited = set(state.seen)
    history, _, state, _, _ = regenerated(bots, store, history, state)  # again: the next-best evidence
    assert state.answers[-1].mode == "extractive" and not cited & {p.node_id for p in state.answers[-1].retrieved}


def test_an_answer_stopped_while_queued_ends_stopped_not_failed():
    """Stop pressed while the answer waits for the model: the cancelled generation ends empty and the
    pipeline calls that an error; the chat shows the turn stopped, not failed."""
    import threading
    import time

    from core.errors import AssistantError

    stop = threading.Event()

    class Queued:
        def stream(self, question, **kwargs):
            time.sleep(0.12)  # waiting for the model ...
            stop.set()  # ... when the asker stops: the cancelled generation ends at once, empty
            raise AssistantError("The LLM returned an empty answer; try again.")

    for _ in range(5):
        stop.clear()
        state = chat.ChatState(session=Queued(), choice="extractive", stop=stop)
        assert list(chat._pump(state, JAPAN, 5))[-1] == ("stopped", None)
