"""HTTP API benchmark: what the API adds over `Assistant.ask`, and throughput with 20 clients (not a test).

    .venv/bin/python benchmarks/bench_api.py [--data-dir DIR] [--rounds 2] [--requests 200]

One process, extractive answers, the bundled corpus: ingests into a fresh temporary data dir (or
reuses --data-dir if it holds the corpus already), serves the API with uvicorn on 127.0.0.1, then
for every eval question times `Assistant.ask` and the same question through POST /v1/chat/completions
(a keep-alive httpx client), interleaved so machine load hits both alike. Overhead = API time - ask
time, per question; p50/p95 printed (target: p50 <= 10 ms). Then 20 concurrent clients send
--requests questions: requests/s through the API beside the same load on the Python API.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.bench_core import load_questions, percentile  # noqa: E402

CLIENTS = 20


def serve(app):  # noqa: ANN001, ANN201
    """uvicorn in a thread on a free loopback port; returns (server, base url)."""
    import socket

    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


def timed(fn) -> float:  # noqa: ANN001
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def throughput(questions: list[str], total: int, ask_one) -> float:  # noqa: ANN001
    """Requests per second with CLIENTS threads sharing `total` requests."""
    work = [questions[i % len(questions)] for i in range(total)]
    start = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(ask_one, work))
    return total / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None, help="reuse an ingested data dir (default: a fresh one)")
    parser.add_argument("--rounds", type=int, default=2, help="passes over the eval questions for the overhead")
    parser.add_argument("--requests", type=int, default=200, help="requests for the concurrency figure")
    args = parser.parse_args()

    import httpx

    from assistant import Assistant, Settings
    from server.app import create_app

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="bench-api-"))
    settings = Settings(_env_file=None, data_dir=data_dir, corpus_dir=REPO / "corpus", llm="none")
    bot = Assistant(settings)
    bot.ingest(settings.corpus_dir, show_progress=False)
    questions = load_questions(REPO / "eval" / "questions.yaml")
    server, url = serve(create_app(bot))
    client = httpx.Client(base_url=f"{url}/v1", timeout=60)

    def via_api(question: str) -> None:
        reply = client.post("/chat/completions", json={"model": "extractive", "messages": [{"role": "user", "content": question}]})
        reply.raise_for_status()

    for question in questions[:10]:  # warm-up: model, BM25, connection
        bot.ask(question)
        via_api(question)
    floor = [timed(lambda: client.get("/models").raise_for_status()) for _ in range(200)]
    direct, api, overhead = [], [], []
    for _ in range(args.rounds):
        for question in questions:
            d = timed(lambda: bot.ask(question))
            a = timed(lambda: via_api(question))
            direct.append(d)
            api.append(a)
            overhead.append(a - d)

    def ms(values: list[float], p: float) -> str:
        return f"{percentile(values, p) * 1000:.1f} ms"

    def api_one(question: str, local=threading.local()) -> None:  # noqa: B008 - one keep-alive client per thread
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=f"{url}/v1", timeout=120)
        local.client.post("/chat/completions", json={"messages": [{"role": "user", "content": question}]}).raise_for_status()

    api_rps = throughput(questions, args.requests, api_one)
    python_rps = throughput(questions, args.requests, bot.ask)
    n = len(direct)
    print(f"  Assistant.ask, {n} asks (eval questions x {args.rounds})      p50 {ms(direct, 50)}  p95 {ms(direct, 95)}")
    print(f"  POST /v1/chat/completions, same questions         p50 {ms(api, 50)}  p95 {ms(api, 95)}")
    print(f"  API overhead per question (API - ask)             p50 {ms(overhead, 50)}  p95 {ms(overhead, 95)}  (target p50 <= 10 ms)")
    print(f"  HTTP round trip alone (GET /v1/models)            p50 {ms(floor, 50)}  p95 {ms(floor, 95)}")
    print(f"  {CLIENTS} concurrent clients, {args.requests} requests                 API {api_rps:.1f} req/s  "
          f"(Python API, same load: {python_rps:.1f} req/s)")
    print(f"  machine load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    server.should_exit = True
    return 0


if __name__ == "__main__":
    sys.exit(main())
