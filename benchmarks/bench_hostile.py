"""Hostile files benchmark (issue 12): peak memory and time of each hostile file, through the CLI
and through the running web UI's upload, while GET / is polled (not a timed test).

    .venv/bin/python benchmarks/bench_hostile.py [--embedding real|fake] [--cases pdf,word,...]

Each case is a folder holding three small articles plus one hostile file (made here): a
compressed PDF expanding to 200M characters, a 15 MB one-word file, 50k nested tags, 200k short
lines, and 5,000 tiny files.
- CLI: `assistant ingest FOLDER --quiet` in a fresh process and a fresh data dir; "idle" is the
  same command on the three articles alone, so "above idle" is what the hostile file costs.
- UI: `assistant ui` in its own process (fresh data dir, one warm-up upload first so the model
  is loaded); idle = its RSS then. Each case's files go through Gradio's upload endpoint and the
  upload event, as the browser sends them, while a thread polls GET / every 0.2 s; peak RSS is
  sampled from /proc every 20 ms.
Target: peak <= 1.5 GB above idle, no failed GET /, one-line reason for a refused file, the
articles indexed. `--embedding fake` swaps the model for a hashed fake (to time the rest).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.servers import free_port, stop_process  # noqa: E402

TARGET_MB = 1536
CASES = {
    "pdf": ("compressed PDF, 10 pages x 20M chars", lambda d: _h().compressed_pdf(d / "bomb.pdf", 10, 20_000_000)),
    "word": ("15 MB one-word .txt", lambda d: _h().one_word(d / "one-word.txt", 15)),
    "tags": ("50k nested tags .html", lambda d: _h().nested_tags(d / "nested.html", 50_000)),
    "lines": ("200k short lines .txt", lambda d: _h().short_lines(d / "lines.txt", 200_000)),
    "tiny": ("5,000 tiny files", lambda d: _h().tiny_files(d / "tiny", 5_000)),
}


def _h():
    from tests.fakes import hostile

    return hostile


def _use_fake_embedding() -> None:
    import assistant.components
    from tests.fakes.hash_embedding import HashEmbedding

    assistant.components.make_embedding = lambda settings: HashEmbedding()


def _rss_mb(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _folder(work: Path, case: str | None) -> Path:
    from tests.fakes.sample_docs import write_corpus

    folder = work / f"docs-{case or 'idle'}"
    write_corpus(folder)
    if case:
        CASES[case][1](folder)
    return folder


# --- children ------------------------------------------------------------------------------------

def child_cli(folder: str, fake: bool) -> None:
    if fake:
        _use_fake_embedding()
    from cli.main import main

    started = time.perf_counter()
    code = main(["ingest", folder, "--quiet"])
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"code": code, "seconds": seconds, "peak_mb": peak}), file=sys.stderr)


def child_ui(port: int, fake: bool) -> None:
    if fake:
        _use_fake_embedding()
    from assistant.api import Assistant
    from ui.app import launch

    launch(Assistant(), port=port)


# --- CLI ---------------------------------------------------------------------------------------------

def run_cli(work: Path, case: str | None, fake: bool) -> dict:
    folder = _folder(work, case)
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(work / f"data-cli-{case or 'idle'}"), "ASSISTANT_LLM": "none",
           "PYTHONPATH": str(REPO)}
    args = [sys.executable, __file__, "--child-cli", str(folder)] + (["--embedding", "fake"] if fake else [])
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=3600)
    result = json.loads(proc.stderr.strip().splitlines()[-1])
    table = proc.stdout.strip().splitlines()
    result["failed"] = [line for line in table[1:-1] if " failed " in line]
    result["summary"] = table[-1] if table else proc.stderr[-300:]
    result["noise"] = [line for line in proc.stderr.strip().splitlines()[:-1] if line.strip()]
    return result


# --- UI ----------------------------------------------------------------------------------------------

class Poller(threading.Thread):
    """GET / every 0.2 s; counts failures (non-200 or no answer within 10 s)."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.ok, self.failed, self.stop = url, 0, 0, threading.Event()
        self.kinds: dict[str, int] = {}
        self.slowest = 0.0

    def run(self) -> None:
        import httpx

        while not self.stop.is_set():
            started = time.perf_counter()
            try:
                status = httpx.get(self.url, timeout=10).status_code
                kind = "" if status == 200 else f"HTTP {status}"
            except httpx.HTTPError as err:
                kind = type(err).__name__
            self.slowest = max(self.slowest, time.perf_counter() - started)
            if kind:
                self.failed += 1
                self.kinds[kind] = self.kinds.get(kind, 0) + 1
            else:
                self.ok += 1
            time.sleep(0.2)


class PeakSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, _rss_mb(self.pid))
            time.sleep(0.02)


def upload(url: str, files: list[Path]) -> str:
    import httpx

    stored: list[str] = []
    for i in range(0, len(files), 500):
        batch = [("files", (p.name, p.read_bytes(), "application/octet-stream")) for p in files[i:i + 500]]
        stored += httpx.post(f"{url}/gradio_api/upload", files=batch, timeout=600).json()
    data = [[{"path": s, "meta": {"_type": "gradio.FileData"}, "orig_name": p.name} for s, p in zip(stored, files)]]
    event = httpx.post(f"{url}/gradio_api/call/upload", json={"data": data}, timeout=60).json()["event_id"]
    with httpx.stream("GET", f"{url}/gradio_api/call/upload/{event}", timeout=3600) as resp:
        return "".join(resp.iter_text())


def run_ui(work: Path, cases: list[str], fake: bool) -> list[dict]:
    import httpx

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(work / "data-ui"), "ASSISTANT_LLM": "none", "PYTHONPATH": str(REPO),
           "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    args = [sys.executable, __file__, "--child-ui", str(port)] + (["--embedding", "fake"] if fake else [])
    log = open(work / "ui.log", "wb")
    proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
    results = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        upload(url, sorted(p for p in _folder(work, None).rglob("*") if p.is_file()))  # warm-up: loads the model
        for case in cases:
            files = sorted(p for p in _folder(work, case).rglob("*") if p.is_file())
            idle = _rss_mb(proc.pid)
            poller, sampler = Poller(url + "/"), PeakSampler(proc.pid)
            poller.start(), sampler.start()
            started = time.perf_counter()
            out = upload(url, files)
            seconds = time.perf_counter() - started
            time.sleep(0.5)
            poller.stop.set(), sampler.stop.set()
            poller.join(), sampler.join()
            found = re.search(r'class=\\"status[^>]*>(.*?)</div>', out)
            status = json.loads(f'"{found.group(1)}"') if found else out[-200:]
            reasons = sorted({json.loads(f'"{s}"') for s in re.findall(r'"([^"]*ASSISTANT_[^"]*)"', out)})
            results.append({"case": case, "idle_mb": idle, "peak_mb": sampler.peak, "seconds": seconds,
                            "get_ok": poller.ok, "get_failed": poller.failed, "status": status, "reasons": reasons,
                            "get_kinds": poller.kinds, "get_slowest": poller.slowest})
    finally:
        stop_process(proc, timeout=20)
        log.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedding", choices=["real", "fake"], default="real")
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--only", choices=["cli", "ui", "both"], default="both")
    parser.add_argument("--child-cli")
    parser.add_argument("--child-ui", type=int)
    args = parser.parse_args()
    fake = args.embedding == "fake"
    if args.child_cli:
        child_cli(args.child_cli, fake)
        return 0
    if args.child_ui:
        child_ui(args.child_ui, fake)
        return 0
    cases = [c for c in args.cases.split(",") if c]
    work = Path(tempfile.mkdtemp(prefix="bench-hostile-"))
    print(f"# bench_hostile: embedding={args.embedding}, {os.cpu_count()} cores, target <= {TARGET_MB} MB above idle")
    if args.only in ("cli", "both"):
        idle = run_cli(work, None, fake)
        print(f"CLI idle (3 articles): peak {idle['peak_mb']:.0f} MB, {idle['seconds']:.1f} s")
        for case in cases:
            r = run_cli(work, case, fake)
            above = r["peak_mb"] - idle["peak_mb"]
            verdict = "OK" if above <= TARGET_MB and r["code"] == 0 and not r["noise"] else "OVER"
            print(f"CLI  {CASES[case][0]:<38} peak +{above:6.0f} MB above idle  {r['seconds']:6.1f} s  {verdict}")
            print(f"       {r['summary']}")
            for line in r["failed"]:
                print(f"       {' '.join(line.split())}")
            if r["noise"]:
                print(f"       stderr noise in --quiet: {r['noise'][:2]}")
    if args.only in ("ui", "both"):
        for r in run_ui(work, cases, fake):
            above = r["peak_mb"] - r["idle_mb"]
            verdict = "OK" if above <= TARGET_MB and r["get_failed"] == 0 else "OVER"
            print(f"UI   {CASES[r['case']][0]:<38} peak +{above:6.0f} MB above idle ({r['idle_mb']:.0f} MB)  "
                  f"{r['seconds']:6.1f} s  GET / ok {r['get_ok']}, failed {r['get_failed']}  {verdict}")
            print(f"       {r['status'][:160]}")
            print(f"       slowest GET / {r['get_slowest']:.1f} s; failures: {r['get_kinds'] or 'none'}")
            for reason in r["reasons"][:2]:
                print(f"       {reason[:200]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
