"""Bounded load on loopback: 20 concurrent users through the Python API and through the Gradio server.

Every answer must be the one the assistant gives when asked alone (so correct: only questions whose
key facts it gets right alone are used), and chat sessions must not mix: each follow-up has to resolve
against its own session's first question. The pairs are chosen so that a follow-up answered after
another session's question comes out wrong. Latency p50/p95 are printed and written to
$ASSISTANT_TEST_ARTIFACTS/load.json (default tests/artifacts/load.json).

    .venv/bin/python -m pytest tests/load -q -s
"""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

import pytest

from eval.dataset import Question, load_questions
from eval.metrics import key_fact_recall

pytestmark = [
    pytest.mark.slow,
    # Gradio 6.31's local per-event statistics use pandas options that pandas 3 deprecates (no network).
    pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword is deprecated).*:pandas.errors.Pandas4Warning"),
]

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("ASSISTANT_TEST_ARTIFACTS") or REPO / "tests" / "artifacts")
USERS = 20
DEADLINE_S = 90.0  # for all requests of one test; the whole module stays under ~2 minutes


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def record(name: str, latencies: list[float], wall: float, **extra: Any) -> dict[str, Any]:
    """Print the figures and merge them into load.json under `name`."""
    figures = {
        "requests": len(latencies), "concurrency": USERS, "wall_s": round(wall, 3),
        "p50_ms": round(percentile(latencies, 50) * 1000, 1), "p95_ms": round(percentile(latencies, 95) * 1000, 1),
        "max_ms": round(max(latencies) * 1000, 1), "nproc": os.cpu_count(), **extra,
    }
    print(f"\n[load] {name}: {json.dumps(figures)}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "load.json"
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    data[name] = figures
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return figures


def run_all(tasks: list, worker) -> tuple[list[Any], float]:  # noqa: ANN001
    """Run `worker` on every task with USERS threads; fail if the batch misses DEADLINE_S."""
    start = time.perf_counter()
    with ThreadPoolExecutor(USERS) as pool:
        futures = [pool.submit(worker, task) for task in tasks]
        done, pending = wait(futures, timeout=DEADLINE_S)
        for future in pending:
            future.cancel()
        assert not pending, f"{len(pending)} of {len(futures)} requests still running after {DEADLINE_S:.0f} s"
        results = [f.result() for f in futures]
    return results, time.perf_counter() - start


@pytest.fixture(scope="module")
def solo(ingested_assistant) -> dict[str, Any]:
    """What the assistant answers when asked alone, one at a time: the reference for the concurrent runs.

    `questions`: single questions it answers correctly (all key facts), with their answers.
    `pairs`: follow-up conversations it answers correctly, whose follow-up goes wrong when asked after
    another pair's first question (so a session mix-up cannot pass unnoticed), with every turn's answer.
    """
    bot = ingested_assistant
    items = load_questions()
    questions = []
    for q in items:
        if q.kind == "single" and q.answerable:
            answer = bot.ask(q.question)
            if key_fact_recall(q.key_facts, answer.text) == 1.0:
                questions.append((q, answer))
    followups = [q for q in items if q.kind == "followup"]
    pairs = []
    for i, q in enumerate(followups):
        chat = bot.chat()
        turns = [chat.ask(t) for t in (*q.history, q.question)]
        if key_fact_recall(q.key_facts, turns[-1].text) != 1.0:
            continue
        crossed = bot.chat()
        crossed.ask(followups[(i + 1) % len(followups)].history[-1])
        if key_fact_recall(q.key_facts, crossed.ask(q.question).text) == 0.0:
            pairs.append((q, turns))
    assert len(questions) >= USERS, f"only {len(questions)} questions are answered correctly alone"
    assert len(pairs) >= 3, f"only {len(pairs)} follow-up pairs tell sessions apart"
    return {"questions": questions, "pairs": pairs}


def test_concurrent_questions_and_chats_through_the_python_api(ingested_assistant, solo):
    bot = ingested_assistant
    questions: list[tuple[Question, Any]] = solo["questions"]
    pairs = solo["pairs"]

    def ask(task: tuple[str, Any]) -> tuple[list[str], list[float]]:
        kind, item = task
        if kind == "question":
            start = time.perf_counter()
            text = bot.ask(item[0].question).text
            return [text], [time.perf_counter() - start]
        chat, texts, times = bot.chat(), [], []
        for turn in (*item[0].history, item[0].question):
            start = time.perf_counter()
            texts.append(chat.ask(turn).text)
            times.append(time.perf_counter() - start)
        return texts, times

    # Every good question once plus one chat per good pair, 20 at a time (the first 20 start together).
    tasks = [("question", qa) for qa in questions] + [("chat", pair) for pair in pairs]
    results, wall = run_all(tasks, ask)

    for (kind, item), (texts, _) in zip(tasks, results):
        if kind == "question":
            q, alone = item
            assert texts == [alone.text], f"{q.id}: the answer changed under load"
            assert key_fact_recall(q.key_facts, texts[0]) == 1.0
        else:
            q, turns = item
            assert texts == [t.text for t in turns], f"{q.id}: the conversation changed under load"
    latencies = [t for _, times in results for t in times]
    figures = record("python_api", latencies, wall, questions=len(questions), chats=len(pairs))
    assert figures["requests"] >= USERS


def message_text(message: dict) -> str:
    """A chat message's text: Gradio 6 sends content as a list of {"type": "text", "text": ...} parts."""
    content = message["content"]
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content)


@pytest.fixture(scope="module")
def ui_url(ingested_assistant, tmp_path_factory):
    from ui.app import free_port, launch

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADIO_TEMP_DIR", str(tmp_path_factory.mktemp("gradio-load")))
        demo = launch(ingested_assistant, port=free_port(), block=False)
        try:
            yield demo.local_url.rstrip("/")
        finally:
            demo.close()


def test_twenty_gradio_sessions_answer_correctly_without_mixing(ui_url, solo):
    from gradio_client import Client

    from ui import render

    pairs = solo["pairs"]
    # Session i gets pair i mod len(pairs): neighbours talk about different topics.
    sessions = [pairs[i % len(pairs)] for i in range(USERS)]

    def converse(pair: tuple[Question, list]) -> tuple[list[str], list[float]]:
        q, _ = pair
        client = Client(ui_url + "/", verbose=False, analytics_enabled=False, download_files=False,
                        httpx_kwargs={"timeout": 60})
        history: list = []
        contents, times = [], []
        for turn in (*q.history, q.question):
            start = time.perf_counter()
            history = client.predict(turn, history, 5, "extractive", api_name="/ask")[0]
            times.append(time.perf_counter() - start)
            contents.append(message_text(history[-1]))
        return contents, times

    results, wall = run_all(sessions, converse)

    for (q, turns), (contents, _) in zip(sessions, results):
        # Each message is the answer, then its "why" panel and tools (ui/render.answer_tools).
        expected = [render.answer_markdown(t) for t in turns]
        got = [c[: len(e)] for c, e in zip(contents, expected)]
        assert len(contents) == len(expected) and got == expected, \
            f"{q.id}: a session's conversation differs from the same conversation alone"
        own_topic = render.esc(turns[-1].standalone_question)  # as resolved when the conversation ran alone
        assert f"Understood as: {own_topic}" in contents[-1], f"{q.id}: the follow-up resolved against another session"
        assert key_fact_recall(q.key_facts, turns[-1].text) == 1.0
    latencies = [t for _, times in results for t in times]
    record("gradio", latencies, wall, sessions=USERS, pairs=len(pairs), ui_concurrency_limit=4)
