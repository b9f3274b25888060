"""Real processes: `python -m cli.main ingest` killed with SIGKILL midway, and a second ingest
started while the first one runs.

To kill at a known point, the child process gets a `sitecustomize` (fault injection, test only) that
pauses it inside the step we want to interrupt and prints a marker: inside the embedding of the
second batch, or between two halves of the Chroma write. The test waits for the marker, then
sends SIGKILL — the process dies exactly as it would have mid-step.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.reliability.relhelpers import REPO, index_facts, make_bot, statuses, write_generated_corpus

pytestmark = pytest.mark.slow

MARKER = "REL-PAUSED"
HOOK = f'''
import os, sys, time

def _pause():
    print("{MARKER}", file=sys.stderr, flush=True)
    time.sleep(300)

_point = os.environ.get("REL_CRASH_POINT")
if _point == "embed":
    from core.e5 import E5Embedding
    _embed, _calls = E5Embedding._get_text_embeddings, []

    def _get_text_embeddings(self, texts):
        _calls.append(len(texts))
        if len(_calls) == 2:
            _pause()
        return _embed(self, texts)

    E5Embedding._get_text_embeddings = _get_text_embeddings
elif _point == "write":
    from llama_index.vector_stores.chroma import ChromaVectorStore
    _add = ChromaVectorStore.add

    def add(self, nodes, **kwargs):
        half = len(nodes) // 2
        ids = _add(self, nodes[:half], **kwargs)
        _pause()
        return ids + _add(self, nodes[half:], **kwargs)

    ChromaVectorStore.add = add
'''


def cli_env(tmp_path: Path, data_dir: Path, crash_point: str | None = None) -> dict[str, str]:
    hooks = tmp_path / "hooks"
    hooks.mkdir(exist_ok=True)
    (hooks / "sitecustomize.py").write_text(HOOK, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(
        PYTHONPATH=os.pathsep.join([str(hooks), str(REPO)]), ASSISTANT_DATA_DIR=str(data_dir),
        ASSISTANT_LLM="none", ASSISTANT_EMBED_BATCH_SIZE="8", PYTHONWARNINGS="ignore",
    )
    if crash_point:
        env["REL_CRASH_POINT"] = crash_point
    return env


class PausedIngest:
    """`python -m cli.main ingest FOLDER` in a child process, paused at `crash_point`."""

    def __init__(self, tmp_path: Path, data_dir: Path, folder: Path, crash_point: str) -> None:
        self.stderr = b""
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "ingest", str(folder), "--quiet"],
            env=cli_env(tmp_path, data_dir, crash_point), cwd=tmp_path,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in iter(self.proc.stderr.readline, b""):
            self.stderr += line

    def wait_paused(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while MARKER.encode() not in self.stderr:
            assert self.proc.poll() is None, f"ingest ended before the pause:\n{self.stderr.decode(errors='replace')}"
            assert time.monotonic() < deadline, "ingest never reached the pause"
            time.sleep(0.1)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        assert self.proc.wait(timeout=30) == -signal.SIGKILL
        self._reader.join(timeout=5)


def journals(data_dir: Path) -> list[Path]:
    return list((data_dir / "state" / "roots").glob("*/sync-journal.json"))


def check_rerun(report, bot) -> None:
    """The index is consistent and each file's chunks in Chroma match what the report says."""
    facts = index_facts(bot)
    root_key = bot._components.store.root_for(Path(report.root)).key
    for f in report.files:
        assert f.status != "failed", f
        if f.status != "removed":
            assert facts["per_doc"].get(f"{root_key}:{f.source}") == f.chunks, f.source
    assert report.total_chunks == sum(facts["per_doc"].values())


def test_second_ingest_is_refused_then_sigkill_while_embedding_leaves_nothing_broken(tmp_path, embed_model):
    data_dir = tmp_path / "data"
    folder = write_generated_corpus(tmp_path / "docs", 40)
    first = PausedIngest(tmp_path, data_dir, folder, "embed")
    try:
        first.wait_paused()
        assert journals(data_dir), "the crash journal is written before anything is embedded"
        # A second writer on the same data dir gets one clear line and a non-zero exit, not corruption.
        second = subprocess.run(
            [sys.executable, "-m", "cli.main", "ingest", str(folder), "--quiet"],
            env=cli_env(tmp_path, data_dir), cwd=tmp_path, capture_output=True, text=True, timeout=120,
        )
        assert second.returncode == 1
        assert second.stderr.startswith("error: Another ingest is running") and second.stderr.count("\n") == 1
        assert f"pid {first.proc.pid}" in second.stderr and "Traceback" not in second.stderr
    finally:
        first.kill()
    assert journals(data_dir), "killed mid-sync: the journal is still there"

    bot = make_bot(data_dir, embed_model)
    report = bot.ingest(folder, show_progress=False)
    assert set(statuses(report).values()) == {"added"} and len(report.files) == 40
    assert not journals(data_dir)
    check_rerun(report, bot)
    again = bot.ingest(folder, show_progress=False)
    assert again.embedded_chunks == 0 and set(statuses(again).values()) == {"unchanged"}


def test_sigkill_in_the_middle_of_the_chroma_write_of_a_resync(tmp_path, embed_model):
    data_dir = tmp_path / "data"
    folder = write_generated_corpus(tmp_path / "docs", 24)
    bot = make_bot(data_dir, embed_model)
    before = bot.ingest(folder, show_progress=False)
    assert before.total_chunks == 24
    # Change 8 files, remove 4, add 4: then a re-sync is killed halfway through writing to Chroma.
    for i in range(8):
        (folder / f"doc{i:03d}.txt").write_text(f"Changed {i}\n\nThe harbour of Valparaiso handled {i} ships.\n")
    for i in range(20, 24):
        (folder / f"doc{i:03d}.txt").unlink()
    write_generated_corpus(folder / "new", 4, salt="new")

    killed = PausedIngest(tmp_path, data_dir, folder, "write")
    try:
        killed.wait_paused()
    finally:
        killed.kill()
    (journal,) = journals(data_dir)
    assert len(json.loads(journal.read_text())["touched"]) == 8 + 4 + 4
    # The dangerous state is real: Chroma holds part of the new chunks, the docstore is the old one.
    fresh = make_bot(data_dir, embed_model)
    half_written = fresh._components.store.collection.get(include=["metadatas"])["metadatas"]
    new_chunks = [m for m in half_written if m["source"].startswith("new/") or "Changed" in m.get("title", "")]
    assert 0 < len(new_chunks) < 12, "killed after part of the new chunks reached Chroma"

    report = fresh.ingest(folder, show_progress=False)
    got = statuses(report)
    # Recovery already dropped every document the killed sync touched: the changed ones are
    # re-ingested from scratch ("added"), the removed ones are simply gone.
    assert {got[f"doc{i:03d}.txt"] for i in range(8)} == {"added"}
    gone = {f"doc{i:03d}.txt" for i in range(20, 24)}
    assert not gone & {d.source for d in fresh.documents()} and not gone & {s for s, st in got.items() if st != "removed"}
    assert {got[f"new/doc{i:03d}.txt"] for i in range(4)} == {"added"}
    assert {got[f"doc{i:03d}.txt"] for i in range(8, 20)} == {"unchanged"}
    facts = index_facts(fresh)
    check_rerun(report, fresh)
    assert report.total_chunks == 24 and not any(d.split(":", 1)[1] in gone for d in facts["per_doc"])
    texts = " ".join(p.text for p in fresh.retrieve("harbour of Valparaiso ships", top_k=10))
    assert "Valparaiso" in texts
    # A new process sees the same consistent index (BM25 loaded from disk agrees with Chroma).
    index_facts(make_bot(data_dir, embed_model))
    again = fresh.ingest(folder, show_progress=False)
    assert again.embedded_chunks == 0 and set(statuses(again).values()) == {"unchanged"}
