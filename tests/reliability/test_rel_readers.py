"""Readers keep answering while another thread syncs a changed folder into the same store."""

from __future__ import annotations

import threading
import time

import pytest

from tests.reliability.relhelpers import index_facts, make_bot, write_generated_corpus

pytestmark = pytest.mark.slow

QUESTIONS = [
    "What share of Japan's audio music market revenues did streaming claim in 2019?",
    "Combien de professionnels le syndicat SAG-AFTRA représente-t-il ?",
    "Qui a composé la musique du film ?",
]


def test_questions_are_answered_during_a_sync(tmp_path, embed_model):
    folder = write_generated_corpus(tmp_path / "docs", 30)
    bot = make_bot(tmp_path / "data", embed_model)
    bot.ingest(folder, show_progress=False)
    for i in range(12):  # a sync with changes, removals and additions, a few seconds of work
        (folder / f"doc{i:03d}.txt").write_text(f"Revised {i}\n\nThe lighthouse of Brest was repainted in 19{i:02d}.\n")
    for i in range(25, 30):
        (folder / f"doc{i:03d}.txt").unlink()
    write_generated_corpus(folder / "extra", 6, salt="extra")

    errors: list[BaseException] = []
    answers = []
    syncing = threading.Event()
    done = threading.Event()

    def reader() -> None:
        chat = bot.chat()
        syncing.wait(10)
        n = 0
        while not done.is_set() or n < 3:
            try:
                answer = (chat.ask if n % 2 else bot.ask)(QUESTIONS[n % len(QUESTIONS)])
                answers.append((time.monotonic(), answer))
            except BaseException as err:  # noqa: BLE001 - collected and reported below
                errors.append(err)
            n += 1

    readers = [threading.Thread(target=reader) for _ in range(2)]
    for t in readers:
        t.start()
    syncing.set()
    started = time.monotonic()
    report = bot.ingest(folder, show_progress=False)
    ended = time.monotonic()
    done.set()
    for t in readers:
        t.join(60)
    assert not errors, errors
    during = [a for at, a in answers if started <= at <= ended]
    assert len(during) >= 2, "the readers did not overlap the sync"
    assert all(a.complete and (a.citations or a.abstained) and a.text for _, a in answers)
    assert report.count("changed") == 12 and report.count("removed") == 5 and report.count("added") == 6
    index_facts(bot)
