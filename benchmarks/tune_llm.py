"""Fit the local LLM's prompting and conversation handling on DEV questions only (not a test).

    PYTHONPATH=$PWD .venv/bin/python benchmarks/tune_llm.py --variants base,history [--kind followup] [--limit 40]

Each variant is a named set of module-level choices (prompt wording, whether a follow-up is
rewritten by the LLM or by the offline rule, whether the LLM sees the previous turn). Every variant
runs the eval's own `local` configuration on the same dev questions, one variant after another in
this process (one model copy), and the eval's own metrics are printed side by side with per-question
latency. Questions with `split: test` are never read: the test split is for reporting only.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _set(module: Any, **values: Any) -> Callable[[], None]:
    """Set module attributes; return the function that puts them back."""
    old = {k: getattr(module, k) for k in values}
    for k, v in values.items():
        setattr(module, k, v)
    return lambda: [setattr(module, k, v) for k, v in old.items()]


def variants() -> dict[str, Callable[[], Callable[[], None]]]:
    from assistant import answering, chat, excerpts, generate

    return {
        "base": lambda: _set(chat),
        # follow-ups: the LLM rewrites them (one more model call) and also sees the previous turn
        "history": lambda: _set(chat, LLM_SEES_PREVIOUS_TURN=True),
        # follow-ups: the offline rule rewrites them (no model call), the LLM sees the previous turn
        "offline+history": lambda: _set(chat, CONDENSE_WITH_LLM=False, LLM_SEES_PREVIOUS_TURN=True),
        "offline": lambda: _set(chat, CONDENSE_WITH_LLM=False),
        # before the model is called: the extractive answerer's own decision (no lenient floor, kind check)
        "strict": lambda: _set(answering, LLM_LENIENT_FLOOR=False, LLM_KIND_CHECK=True),
        "strict-floor": lambda: _set(answering, LLM_LENIENT_FLOOR=False),
        "kind-check": lambda: _set(answering, LLM_KIND_CHECK=True),
        "qfirst": lambda: _set(generate, QUESTION_FIRST=True),
        # shorter excerpts: fewer prompt tokens to read
        "short": lambda: _set(excerpts, MAX_CHARS=300, MAX_CHARS_LOWER=180),
        **{f"prompt:{name}": (lambda p=prompt: _set(generate, **p)) for name, prompt in PROMPTS.items()},
    }


# Prompt candidates (each replaces some of generate.py's constants). Kept here so the chosen one can be
# traced to its dev figures; the winner is copied into generate.py.
PROMPTS: dict[str, dict[str, Any]] = {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default="base", help="comma-separated; join with + to combine (strict+qfirst)")
    parser.add_argument("--kind", help="only dev questions of this kind (single, followup, multi_doc, unanswerable)")
    parser.add_argument("--lang", choices=("fr", "en"))
    parser.add_argument("--ids", help="comma-separated dev question ids")
    parser.add_argument("--limit", type=int, help="at most N questions, evenly spaced through the file")
    parser.add_argument("--output", type=Path, help="write every variant's per-question results (JSONL) here")
    args = parser.parse_args()

    from assistant import Assistant
    from eval.configs import build_config
    from eval.dataset import load_questions, spread
    from eval.report import table_rows, text_table
    from eval.runner import run, summarize

    questions = [q for q in load_questions() if q.split == "dev"]
    if args.kind:
        questions = [q for q in questions if q.kind == args.kind]
    if args.lang:
        questions = [q for q in questions if q.lang == args.lang]
    if args.ids:
        wanted = set(args.ids.split(","))
        questions = [q for q in questions if q.id in wanted]
    questions = spread(questions, args.limit)
    bot = Assistant()
    bot.ingest(REPO / "corpus", show_progress=False)
    table = variants()
    all_results = []
    for name in args.variants.split(","):
        restores = [table[part]() for part in name.split("+")]  # "strict+qfirst": both at once
        try:
            config = replace(build_config(bot, "local"), name=name)
            results = run([config], questions, progress=False)
        finally:
            for restore in reversed(restores):
                restore()
        all_results += results
        print(f"--- {name}: {len(results)} dev questions", flush=True)
    summary = summarize(all_results)
    print(text_table(table_rows(summary), only=("key_fact_recall", "citation_validity",
                                                "citation_precision", "abstention_accuracy", "false_abstention_rate",
                                                "latency_p50", "latency_p95")))
    if args.output:
        args.output.write_text("".join(r.to_json() + "\n" for r in all_results), encoding="utf-8")


if __name__ == "__main__":
    main()
