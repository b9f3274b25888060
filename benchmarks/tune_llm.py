"""Fit the local LLM's prompting and conversation handling on DEV questions only (not a test).

    PYTHONPATH=$PWD .venv/bin/python benchmarks/tune_llm.py --variants base,history [--kind followup] [--limit 40]

Each variant is a named set of `Tuning` values (core/settings.py: whether a follow-up is rewritten
by the LLM or by the offline rule, whether the LLM sees the previous turn, the prompt). Every variant
runs the eval's own `local` configuration on the same dev questions, one variant after another in
this process (one model copy), and the eval's own metrics are printed side by side with per-question
latency. Questions with `split: test` are never read: the test split is for reporting only.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def variants() -> dict[str, dict[str, Any]]:
    """Each variant is a set of `Tuning` fields (core/settings.py), passed as `bot.variant(tuning=...)`."""
    return {
        "base": {},
        # follow-ups (the local model): the offline rule rewrites them (the default); the LLM sees the previous turn
        "history": {"llm_sees_previous_turn": True},
        # follow-ups: the local LLM rewrites them (one more model call)
        "llm-condense": {"condense_with_local_llm": True},
        # follow-ups: the model reads the follow-up as asked, after the earlier question (not "question (topic)")
        "as-asked": {"llm_reads_followup": True},
        # before the model is called: the extractive answerer's own decision (no lenient floor, kind check)
        "strict": {"llm_lenient_floor": False, "llm_kind_check": True},
        "lenient": {"llm_lenient_floor": True, "llm_kind_check": False},
        "lenient-floor": {"llm_lenient_floor": True},
        "no-kind-check": {"llm_kind_check": False},
        "qfirst": {"question_first": True},
        # shorter excerpts: fewer prompt tokens to read
        "short": {"excerpt_chars": 300, "excerpt_chars_lower": 180},
        # evidence-first: the model reads only the evidence sentences the answerer selected (issue 21)
        "evidence": {"evidence_first": True, "evidence_first_across": True},
        # evidence-first only when the evidence is in the question's language (excerpts otherwise)
        "evidence-same": {"evidence_first": True, "evidence_first_across": False},
        "excerpts": {"evidence_first": False},
    }


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
        tuning = {k: v for part in name.split("+") for k, v in table[part].items()}  # "strict+qfirst": both
        config = replace(build_config(bot.variant(tuning=tuning), "local"), name=name)
        results = run([config], questions, progress=False)
        all_results += results
        print(f"--- {name}: {len(results)} dev questions", flush=True)
    summary = summarize(all_results)
    print(text_table(table_rows(summary), only=("key_fact_recall", "citation_validity",
                                                "citation_precision", "unheld_fact_rate", "abstention_accuracy",
                                                "abstention_tricky", "false_abstention_rate",
                                                "latency_p50", "latency_p95")))
    if args.output:
        args.output.write_text("".join(r.to_json() + "\n" for r in all_results), encoding="utf-8")


if __name__ == "__main__":
    main()
