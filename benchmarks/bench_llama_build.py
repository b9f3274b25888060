"""llama.cpp builds and load options side by side: prompt reading and generation tokens/s (not a test).

    .venv/bin/python benchmarks/bench_llama_build.py --build portable= --build native=/path/to/site [--rounds 3]

Each `--build NAME=DIR` is a llama-cpp-python install: DIR is put first on PYTHONPATH (empty: the
venv's own). Every build is run twice, with llama.cpp's weight repacking ("extra buffer types") on
and off, since native builds on AMX CPUs segfault with it on. The prompts are the assistant's own:
the messages it sends the model for N dev questions (captured with a recording LLM, so the e5
retrieval runs but no model does). Each round runs every configuration in a fresh process, one after
another, so all of them see the same machine load; the medians over rounds are printed. The whole
prompt is read every time (the cache is reset), and generation is capped at 48 tokens.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def capture_prompts(data_dir: Path, n: int) -> list[list[dict[str, str]]]:
    """The chat messages the assistant would send the model for n answerable dev questions."""
    from llama_index.core.llms import ChatMessage, ChatResponse, ChatResponseGen, CustomLLM, LLMMetadata, MessageRole
    from llama_index.core.llms.callbacks import llm_chat_callback

    from assistant.api import Assistant
    from core.settings import Settings
    from eval.dataset import load_questions, spread

    captured: list[list[dict[str, str]]] = []

    class Recording(CustomLLM):
        model: str = "recording"

        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata(is_chat_model=True, model_name=self.model)

        @llm_chat_callback()
        def stream_chat(self, messages, **kwargs) -> ChatResponseGen:  # type: ignore[override]
            captured.append([{"role": m.role.value, "content": m.content or ""} for m in messages])

            def gen() -> ChatResponseGen:
                yield ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content="."), delta=".")

            return gen()

        def complete(self, *a, **k):  # pragma: no cover - the answerer only chats
            raise NotImplementedError

        def stream_complete(self, *a, **k):  # pragma: no cover
            raise NotImplementedError

    bot = Assistant(Settings(_env_file=None, **_where(data_dir), llm="none"))
    bot.ingest(REPO / "corpus", show_progress=False)
    bot.llm = Recording()
    pool = [q for q in load_questions() if q.split == "dev" and q.answerable and not q.history]
    for q in spread(pool, n):
        bot.ask(q.question)
    return captured


def worker(prompts_file: str, repack: bool, threads: int) -> None:
    """Runs in the child: load the model, read and answer every prompt, print one JSON line each."""
    import llama_cpp
    import llama_cpp.llama_cpp as low

    from core.llamacpp import _model_params
    from core.local_model import gguf_path
    from core.settings import Settings

    t0 = time.perf_counter()
    with _model_params(use_extra_bufts=repack):  # the assistant's own way of setting it
        llama = llama_cpp.Llama(model_path=str(gguf_path(Settings(_env_file=None))), n_ctx=4096, n_threads=threads,
                                chat_format="chatml", verbose=False)
    print(json.dumps({"load_s": time.perf_counter() - t0}), flush=True)
    for messages in json.loads(Path(prompts_file).read_text()):
        llama.reset()
        low.llama_perf_context_reset(llama.ctx)
        llama.create_chat_completion(messages=messages, max_tokens=48, temperature=0.0)
        perf = low.llama_perf_context(llama.ctx)
        print(json.dumps({"prompt_tokens": perf.n_p_eval, "prompt_s": perf.t_p_eval_ms / 1000,
                          "gen_tokens": perf.n_eval, "gen_s": perf.t_eval_ms / 1000}), flush=True)
    llama.close()


def run_config(site: str, repack: bool, prompts_file: str, threads: int) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (site, str(REPO)) if p)}
    cmd = [sys.executable, __file__, "--worker", prompts_file, "--repack", str(int(repack)), "--threads", str(threads)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800)
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    result = {"rc": proc.returncode, "load_s": rows[0]["load_s"] if rows else None, "calls": rows[1:]}
    if proc.returncode:
        result["error"] = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
    return result


def _where(data_dir: Path | None) -> dict:
    """Settings arguments for the index folder: the assistant's own unless one was given."""
    return {"data_dir": data_dir} if data_dir else {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="append", default=[], help="NAME=DIR (DIR empty: the venv's own)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--questions", type=int, default=6)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--data-dir", type=Path, default=None, help="index folder (default: the assistant's own)")
    parser.add_argument("--worker")
    parser.add_argument("--repack", type=int, default=1)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, bool(args.repack), args.threads)
        return
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    builds = [b.split("=", 1) for b in args.build or ["portable="]]
    prompts = capture_prompts(args.data_dir, args.questions)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(prompts, f)
    configs = [(name, site, repack) for name, site in builds for repack in (True, False)]
    results: dict[tuple[str, bool], list[dict]] = {(n, r): [] for n, _, r in configs}
    for round_ in range(args.rounds):
        for name, site, repack in configs:
            res = run_config(site, repack, f.name, args.threads)
            results[(name, repack)].append(res)
            status = f"exit {res['rc']}: {res.get('error', '')}" if res["rc"] else "ok"
            print(f"  round {round_ + 1}  {name:10s} repack={'on ' if repack else 'off'}  {status}", flush=True)
    print(f"\nllama.cpp builds, {len(prompts)} assistant prompts x {args.rounds} rounds, {args.threads} threads, "
          f"load average at the end {os.getloadavg()[0]:.2f}")
    print(f"  {'build':10s} {'repack':6s} {'prompt tok':>10s} {'read tok/s':>10s} {'gen tok/s':>9s} {'load s':>7s}  status")
    for name, _, repack in configs:
        runs = results[(name, repack)]
        calls = [c for r in runs for c in r["calls"]]
        crashed = [r for r in runs if r["rc"]]
        if not calls:
            print(f"  {name:10s} {'on' if repack else 'off':6s} {'-':>10s} {'-':>10s} {'-':>9s} {'-':>7s}  "
                  f"failed in {len(crashed)}/{len(runs)} runs ({crashed[0].get('error', '')[:60]})")
            continue
        med = statistics.median
        read = med(c["prompt_tokens"] / c["prompt_s"] for c in calls if c["prompt_s"])
        gen = med(c["gen_tokens"] / c["gen_s"] for c in calls if c["gen_s"])
        toks = med(c["prompt_tokens"] for c in calls)
        load = med(r["load_s"] for r in runs if r["load_s"] is not None)
        note = f"failed in {len(crashed)}/{len(runs)} runs" if crashed else "ok"
        print(f"  {name:10s} {'on' if repack else 'off':6s} {toks:10.0f} {read:10.1f} {gen:9.1f} {load:7.2f}  {note}")
    os.unlink(f.name)


if __name__ == "__main__":
    main()
