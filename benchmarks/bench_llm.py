"""Local LLM benchmark: prints figures for Qwen2.5-Coder-1.5B through llama.cpp (not a timed test).

    .venv/bin/python benchmarks/bench_llm.py [--questions 22] [--data-dir DIR] [--no-ui] [--compare-prefixes]

In one run, over N dev questions (answerable, not follow-ups, evenly spaced), through the public API
exactly as a user asks: prompt tokens p50, time to first token p50/p95 (target p50 <= 3 s) and divided by
the time the same build takes, in the same run, to read a fixed 1,000-token prompt (target <= 0.35), full
answer p50 (target <= 8 s), generation tokens/s seen by the assistant beside llama.cpp's own
counters for the same calls (raw prompt-reading and generation tokens/s of this build), then the
peak memory of `assistant ui` with the model loaded, after it answered one question. The first
`scripts/setup` time (with the llama-cpp-python build) is printed from --setup-seconds when given
(measured by timing scripts/setup in a fresh clone with an empty pip cache; see README).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


from bench_core import percentile  # noqa: E402 - benchmarks/ is this script's folder, first on sys.path


def questions(n: int) -> list[str]:
    from eval.dataset import load_questions, spread

    pool = [q for q in load_questions() if q.split == "dev" and q.answerable and not q.history]
    return [q.question for q in spread(pool, n)]


def bench_answers(data_dir: Path, n: int, compare_prefixes: bool = False) -> None:
    """The figures below over `n` dev questions; with `compare_prefixes`, the same questions a second time
    with the kept system-message states off (core/llamacpp.py `_Prefixes`), side by side. The kept-states
    pass runs first, so the other one has the warmer sentence-embedding cache (the comparison is conservative)."""
    from assistant.api import Assistant
    from core.settings import Settings

    bot = Assistant(Settings(_env_file=None, **_where(data_dir), llm="local"))
    bot.ingest(REPO / "corpus", show_progress=False)
    started = time.perf_counter()
    bot.warm_up()
    print(f"warm-up (embedding model, BM25, GGUF load): {time.perf_counter() - started:.1f} s")
    passes = [True, False] if compare_prefixes else [True]
    medians = {}
    for keep in passes:
        bot.llm.keep_prefixes = keep
        if compare_prefixes:
            print(f"\n--- system-message states kept: {'yes' if keep else 'no'}")
        medians[keep] = _answers(bot, n)
    bot.llm.keep_prefixes = True
    if compare_prefixes and all(medians.values()):
        (ttft_on, total_on), (ttft_off, total_off) = medians[True], medians[False]
        print(f"\nkept system-message states, same questions, same run: TTFT p50 {ttft_on:.2f} s against {ttft_off:.2f} s "
              f"(ratio {ttft_on / ttft_off:.2f}), full answer p50 {total_on:.2f} s against {total_off:.2f} s "
              f"(ratio {total_on / total_off:.2f})")


def _answers(bot: Any, n: int) -> tuple[float, float] | None:
    """Ask the questions, print the figures; (TTFT p50, full answer p50), None when no question reached the model."""
    stats = bot.llm.stats
    reference = [reference_read_s(bot.llm, 0)]  # before, between and after the questions: the same machine state
    rows = []
    for number, question in enumerate(questions(n)):
        if number == n // 2:
            reference.append(reference_read_s(bot.llm, 1))
        first, total, answer = _timed(bot, question)
        if "first_token" not in answer.timings:  # declined before the model was called, or a quoted overview
            why = "declined" if answer.abstained else "quoted without the model (an overview: Tuning.llm_overview)"
            print(f"  (no model call: {why}) {question[:60]}")
            continue
        gen_s = max(stats.total_s - stats.first_token_s, 1e-9)
        rows.append(dict(
            prompt=stats.prompt_tokens, evaluated=stats.prompt_eval_tokens, ttft=first, total=total,
            gen_tps=max(stats.completion_tokens - 1, 0) / gen_s,
            raw_gen_tps=stats.eval_tokens / stats.eval_s if stats.eval_s else 0.0,
            raw_prompt_tps=stats.prompt_eval_tokens / stats.prompt_eval_s if stats.prompt_eval_s else 0.0,
            abstained=answer.abstained, cited=bool(answer.citations),
        ))
        r = rows[-1]
        print(f"  ttft {r['ttft']:5.1f} s  total {r['total']:5.1f} s  prompt {r['prompt']:4d} tok "
              f"({r['evaluated']:4d} read)  {'abstained' if r['abstained'] else 'answered'}  {question[:50]}")
    reference.append(reference_read_s(bot.llm, 2))
    if not rows:
        print("no question reached the model")
        return None
    col = lambda k: [r[k] for r in rows]  # noqa: E731
    print(f"\nLocal LLM over {len(rows)} questions ({os.cpu_count()} cores):")
    print(f"  prompt tokens p50: {statistics.median(col('prompt')):.0f} "
          f"(read after the prefix cache p50: {statistics.median(col('evaluated')):.0f})")
    print(f"  time to first token p50: {percentile(col('ttft'), 50):.2f} s   p95: {percentile(col('ttft'), 95):.2f} s   (target p50 <= 3 s)")
    read_1000 = statistics.median(reference)
    print(f"  reading a fixed {REFERENCE_TOKENS}-token prompt (no cached prefix, median of {len(reference)}): {read_1000:.2f} s;"
          f"  TTFT p50 / that: {percentile(col('ttft'), 50) / read_1000:.2f}   (target <= 0.35)")
    print(f"  full answer p50: {percentile(col('total'), 50):.2f} s   p95: {percentile(col('total'), 95):.2f} s   (target p50 <= 8 s)")
    print(f"  generation tokens/s p50: {statistics.median(col('gen_tps')):.1f} (assistant)   "
          f"{statistics.median(col('raw_gen_tps')):.1f} (llama.cpp raw, same calls)")
    print(f"  prompt reading tokens/s p50 (llama.cpp raw): {statistics.median(col('raw_prompt_tps')):.1f}")
    print(f"  answered with citations: {sum(r['cited'] for r in rows)}/{len(rows)}, abstained: {sum(r['abstained'] for r in rows)}")
    return percentile(col('ttft'), 50), percentile(col('total'), 50)


REFERENCE_TOKENS = 1000


def reference_read_s(llm: Any, round_: int) -> float:
    """Seconds this build takes to read a fixed 1,000-token prompt and give its first token: the yardstick the
    assistant's time to first token is divided by (the same machine, the same moment). Each round opens with its
    own words, so llama.cpp reuses no cached prefix."""
    from llama_index.core.llms import ChatMessage, MessageRole

    llama = llm.shared.llama
    text = (REPO / "corpus").glob("*.txt").__next__().read_text(encoding="utf-8")
    tokens = llama.tokenize(f"Round {round_}: {text}".encode("utf-8"), add_bos=False)[: REFERENCE_TOKENS - 30]
    body = llama.detokenize(tokens).decode("utf-8", errors="ignore")
    started = time.perf_counter()
    stream = llm.stream_chat([ChatMessage(role=MessageRole.USER, content=body)], max_tokens=1)
    next(stream, None)
    elapsed = time.perf_counter() - started
    stream.close()  # releases the model at once
    return elapsed


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status_kb(pid: int, field: str) -> int:
    """A memory figure of /proc/PID/status in kB (VmHWM: peak resident, VmRSS: resident now)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def bench_ui_memory(data_dir: Path) -> None:
    """Peak RSS of `assistant ui` (ASSISTANT_LLM=local) after start-up and one answered question."""
    port = _free_port()
    env = {**os.environ, "ASSISTANT_LLM": "local", **({"ASSISTANT_DATA_DIR": str(data_dir)} if data_dir else {}), "ASSISTANT_UI_PORT": str(port),
           "ASSISTANT_CORPUS_DIR": str(REPO / "corpus"), "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "ui"], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 900
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(1)
        after_start = _status_kb(proc.pid, "VmHWM")
        asked = "not asked"
        try:
            from gradio_client import Client

            client = Client(f"http://127.0.0.1:{port}/", verbose=False)
            client.predict("Qui a composé la musique du film 2050 ?", [], 5, "qwen2.5-coder-1.5b-instruct", api_name="/ask")
            asked = "after one answer"
        except Exception as err:  # noqa: BLE001 - the figure after start-up is still worth printing
            asked = f"question failed: {type(err).__name__}"
        peak = _status_kb(proc.pid, "VmHWM")
        print(f"\n`assistant ui` with the local model: peak RSS {after_start / 1024:.0f} MB after start-up "
              f"(model loaded), {peak / 1024:.0f} MB {asked}")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _wait_http(url: str, timeout: float) -> None:
    import urllib.request

    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer in {timeout:.0f} s")


def _timed(bot, question: str) -> tuple[float, float, Any]:
    """(time to first token, full answer, the Answer) for one question through the public API."""
    t0 = time.perf_counter()
    stream = bot.stream(question)
    first = None
    for _ in stream:
        first = first or time.perf_counter() - t0
    total = time.perf_counter() - t0
    return first or total, total, stream.answer


def bench_server(data_dir: Path, n: int, extras: str) -> None:
    """In-process llama.cpp against llama.cpp's own OpenAI-compatible server behind OpenAILike.

    Same GGUF, same build, same threads, same questions, asked alternately (in-process, then server)
    so both see the same machine load. `extras` is a folder holding the server's two extra packages
    (sse-starlette, starlette-context), put on the server's PYTHONPATH only.
    """
    from assistant.api import Assistant
    from core import local_model
    from core.settings import Settings

    settings = Settings(_env_file=None, **_where(data_dir))
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (extras, os.environ.get("PYTHONPATH", "")) if p)}
    server = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(local_model.gguf_path(settings)), "--model_alias",
         local_model.MODEL_NAME, "--chat_format", "chatml", "--n_ctx", "4096", "--n_threads", str(os.cpu_count() or 2),
         "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,  # its verbose log would fill a pipe
    )
    # llama.cpp's server has no switch for weight repacking (on by default): the in-process copy
    # repacks too here, so that the comparison is of the two ways of serving, not of that setting.
    repack = {"tuning": {"repack_weights": True}}
    try:
        _wait_http(f"http://127.0.0.1:{port}/v1/models", 120)
        inproc = Assistant(Settings(_env_file=None, **_where(data_dir), llm="local", **repack))
        remote = Assistant(Settings(_env_file=None, **_where(data_dir), llm="openai_like", llm_model=local_model.MODEL_NAME,
                                    llm_base_url=f"http://127.0.0.1:{port}/v1", llm_timeout=300))
        inproc.ingest(REPO / "corpus", show_progress=False)
        inproc.warm_up()
        remote.warm_up()
        rss_before = _status_kb(os.getpid(), "VmRSS")
        rows = {"in-process": [], "server": []}
        for question in questions(n):
            for name, bot in (("in-process", inproc), ("server", remote)):
                ttft, total, answer = _timed(bot, question)
                if "first_token" in answer.timings:  # the model was called
                    rows[name].append((ttft, total))
            print(f"  {question[:60]}")
        print(f"\nIn-process vs llama.cpp server (OpenAILike), {len(rows['server'])} questions asked alternately:")
        for name, got in rows.items():
            ttfts, totals = [r[0] for r in got], [r[1] for r in got]
            print(f"  {name:10s}  time to first token p50 {percentile(ttfts, 50):5.2f} s  p95 {percentile(ttfts, 95):5.2f} s"
                  f"   full answer p50 {percentile(totals, 50):5.2f} s")
        ratio = [s[1] / i[1] for i, s in zip(rows["in-process"], rows["server"])]
        print(f"  server/in-process full-answer time, median of per-question ratios: {statistics.median(ratio):.2f}")
        print(f"  resident memory: server process {_status_kb(server.pid, 'VmRSS') / 1024:.0f} MB beside the assistant's "
              f"{rss_before / 1024:.0f} MB (which also holds the in-process copy)")
    finally:
        server.terminate()
        server.wait(timeout=30)


def _where(data_dir: Path | None) -> dict:
    """Settings arguments for the index folder: the assistant's own unless one was given."""
    return {"data_dir": data_dir} if data_dir else {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=22)
    parser.add_argument("--data-dir", type=Path, default=None, help="index folder (default: the assistant's own)")
    parser.add_argument("--no-ui", action="store_true", help="skip the `assistant ui` memory figure")
    parser.add_argument("--compare-prefixes", action="store_true",
                        help="also ask the questions with the kept system-message states off, side by side")
    parser.add_argument("--setup-seconds", type=float, help="first scripts/setup time, measured separately")
    parser.add_argument("--compare-server", metavar="EXTRAS_DIR",
                        help="only compare in-process with llama.cpp's server; EXTRAS_DIR holds sse-starlette and "
                        "starlette-context (pip install --target EXTRAS_DIR --no-deps sse-starlette starlette-context)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.compare_server:
        bench_server(args.data_dir, args.questions, args.compare_server)
        return
    bench_answers(args.data_dir, args.questions, args.compare_prefixes)
    if not args.no_ui:
        bench_ui_memory(args.data_dir)
    if args.setup_seconds:
        print(f"first scripts/setup (fresh venv, llama-cpp-python built from source): {args.setup_seconds / 60:.1f} min")


if __name__ == "__main__":
    main()
