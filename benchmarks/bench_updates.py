"""Updates without a gap (issue 18): the three figures its closing note quotes (not a timed test).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_updates.py [--files 40] [--rounds 3]

1. Questions answered during a re-ingest of 40 edited files: a real `assistant ingest` process
   re-embeds them (hash embedding slowed to 0.05 s per chunk, so the window lasts seconds) while a
   long-lived in-process assistant asks about each edited file in turn (target: all answered).
2. Seconds until a long-lived embedded-store process's dense-only search returns a file another
   process added, counted from the end of that process's ingest (target <= 2 s). Median of rounds.
3. CPU seconds (the parsing worker's, from RUSAGE_CHILDREN) to refuse or ingest a ~100 KB PDF whose
   pages all replay one large compressed stream of empty text operators (target <= 5 s); also the
   variants under the operator limit, shared (parsed once) and one stream per page (stopped by
   ASSISTANT_MAX_PARSE_SECONDS, default 30).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.loaders import Limits, UnreadableFileError  # noqa: E402
from ingest.parsing import parse_file  # noqa: E402
from tests.fakes.hostile import empty_operators_pdf  # noqa: E402
from tests.reliability.dense_follow import seconds_until_dense_sees_a_new_file  # noqa: E402
from tests.reliability.updates import reingest_under_readers  # noqa: E402


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def pdf_cpu(tmp: Path, label: str, **kwargs) -> None:
    path = empty_operators_pdf(tmp / f"{label}.pdf", **kwargs)
    before = child_cpu()
    try:
        parse_file(path.read_bytes(), path.name, Limits(), cpu_seconds=30)
        outcome = "ingested"
    except UnreadableFileError as err:
        outcome = f"refused: {err}"
    print(f"  {label:<34} {path.stat().st_size / 1000:6.1f} KB  {child_cpu() - before:6.2f} CPU s  {outcome}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        print(f"[{load()}]")
        result = reingest_under_readers(tmp / "cow", n_files=args.files, delay=0.05)
        print(f"1. re-ingest of {result['files']} edited files ({result['seconds']:.1f} s): "
              f"{result['answered']}/{result['asked']} questions answered; failures {result['failures']}; "
              f"new versions found afterwards {result['revised_after']}/{result['files']}")
        print(f"[{load()}]")
        seconds = [seconds_until_dense_sees_a_new_file(tmp / f"dense{i}") for i in range(args.rounds)]
        shown = ", ".join("never" if s is None else f"{s:.2f}" for s in seconds)
        found = [s for s in seconds if s is not None]
        median = f"{statistics.median(found):.2f} s" if found else "never"
        print(f"2. dense search follows another process's ingest: median {median} (rounds: {shown})")
        print(f"[{load()}]")
        print("3. CPU seconds to refuse or ingest a ~100 KB PDF of pages replaying empty text operators:")
        pdf_cpu(tmp, "100 pages, one 2 MB stream (320k ops)", pages=100)
        pdf_cpu(tmp, "100 pages, one stream of 95k ops", pages=100, operators=95_000)
        pdf_cpu(tmp, "60 pages, own streams of 95k ops", pages=60, share=False, operators=95_000)
        print(f"[{load()}]")


if __name__ == "__main__":
    main()
