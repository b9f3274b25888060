"""The store of kept conversations and feedback: one SQLite file, per owner, safe with several writers."""

from __future__ import annotations

import sqlite3
import threading

from assistant import ConversationStore
from assistant.answer import Answer, Passage
from assistant.conversations import answer_from_json, answer_to_json, title_of

TEXT = "Le syndicat représente environ 160 000 professionnels des médias. Il a été fondé en 2012."


def answer(question: str = "Combien de membres ?", text: str = "Environ 160 000 [1].") -> Answer:
    cited = Passage(1, "003.txt", "SAG-AFTRA", TEXT, 0.91, 10, 10 + len(TEXT), "n1", ((0, 67),), ("other/003.txt",))
    return Answer(question=question, text=text, citations=[cited], retrieved=[cited], mode="extractive",
                  language="fr", standalone_question=question, timings={"confidence": 0.8})


def test_an_answer_round_trips_whole():
    a = answer()
    back = answer_from_json(answer_to_json(a))
    assert back == a and isinstance(back.citations[0].highlights[0], tuple)


def test_conversations_per_owner_newest_first_rename_delete(tmp_path):
    store = ConversationStore(tmp_path / "c.sqlite3")
    first = store.create("alice", "Première question ?")
    second = store.create("alice", "Deuxième question ?")
    bob = store.create("bob", "Question de Bob ?")
    store.add_turn(first, answer())  # used last: on top
    assert [c.id for c in store.conversations("alice")] == [first, second]
    assert [c.id for c in store.conversations("bob")] == [bob]
    assert store.get(first, "bob") is None and store.rename(first, "bob", "x") is False
    assert store.delete(first, "bob") is False
    assert store.rename(first, "alice", "  Renommée  ") and store.get(first).title == "Renommée"
    assert store.delete(second, "alice") and [c.id for c in store.conversations("alice")] == [first]
    assert store.turns(second) == []


def test_turns_survive_a_new_store_object_and_the_last_can_be_replaced(tmp_path):
    path = tmp_path / "c.sqlite3"
    cid = ConversationStore(path).create("alice", "Q")
    ConversationStore(path).add_turn(cid, answer("Q1"))
    ConversationStore(path).add_turn(cid, answer("Q2"), stopped=True)
    turns = ConversationStore(path).turns(cid)
    assert [(t.seq, t.question, t.stopped) for t in turns] == [(0, "Q1", False), (1, "Q2", True)]
    store = ConversationStore(path)
    store.drop_last_turn(cid)
    store.add_turn(cid, answer("Q2 again"))
    assert [t.question for t in store.turns(cid)] == ["Q1", "Q2 again"]
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_several_writers_at_once(tmp_path):
    path = tmp_path / "c.sqlite3"
    cid = ConversationStore(path).create("alice", "Q")
    errors = []

    def write(n: int) -> None:
        try:
            store = ConversationStore(path)
            for i in range(10):
                store.add_turn(cid, answer(f"Q{n}-{i}"))
        except Exception as err:  # noqa: BLE001 - collected for the assertion
            errors.append(err)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    turns = ConversationStore(path).turns(cid)
    assert len(turns) == 40 and [t.seq for t in turns] == list(range(40))


def test_markdown_export_quotes_the_citations(tmp_path):
    store = ConversationStore(tmp_path / "c.sqlite3")
    cid = store.create("alice", "Combien de membres ?")
    store.add_turn(cid, answer())
    md = store.export_markdown(cid)
    assert md.startswith("# Combien de membres ?")
    assert "## Combien de membres ?" in md and "Environ 160 000 [1]." in md
    assert "[1] SAG-AFTRA — `003.txt`" in md
    assert "> Le syndicat représente environ 160 000 professionnels des médias." in md


def test_feedback_keeps_question_answer_citations_and_answerer(tmp_path):
    store = ConversationStore(tmp_path / "c.sqlite3")
    fid = store.add_feedback("alice", answer(), -1, "wrong figure")
    assert store.comment_feedback(fid, "alice", "the figure is from 2012")
    (fb,) = store.feedback()
    assert (fb.rating, fb.comment, fb.question, fb.answer, fb.answerer) == (
        -1, "the figure is from 2012", "Combien de membres ?", "Environ 160 000 [1].", "extractive")
    assert fb.citations[0]["source"] == "003.txt" and "160 000" in fb.citations[0]["quoted"][0]


def test_titles_are_short():
    assert title_of("  a   b ") == "a b"
    assert len(title_of("mot " * 100)) <= 80 and title_of("mot " * 100).endswith("…")
