"""`assistant eval` / `python -m eval`: run the configurations, print the table, write the report."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from eval.dataset import DEFAULT_QUESTIONS, SPLITS, DatasetError, Question, load_questions, select, spread

DEFAULT_OUTPUT = Path("eval-report")


def build_parser() -> argparse.ArgumentParser:
    from eval.configs import config_names

    parser = argparse.ArgumentParser(
        prog="assistant eval",
        description="Evaluate retrieval and answers on the question set; write a report folder. "
        "Figures are shown for the dev split (tuned on) beside the test split (reporting only).",
    )
    parser.add_argument(
        "--configs",
        help=f"comma-separated, from {','.join(config_names())} (default: all that apply); "
        "name:N runs that configuration on at most N questions per split (e.g. llm:20 for a slow LLM)",
    )
    parser.add_argument("--split", choices=(*SPLITS, "both"), default="both", help="questions of this split (default: both, side by side)")
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS, help="question file (YAML)")
    parser.add_argument("--ids", help="comma-separated question ids to run")
    parser.add_argument("--lang", choices=("fr", "en"), help="only questions in this language")
    parser.add_argument("--limit", type=int, help="at most N questions per split, evenly spaced through the file (after --ids / --lang)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="report folder (default: eval-report/)")
    parser.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    parser.add_argument("--no-sync", action="store_true", help="do not sync the bundled corpus folder first")
    parser.add_argument("--no-judges", action="store_true", help="skip the LLM judges even with an LLM configured")
    parser.add_argument("--check-floors", action="store_true", help="exit 1 when a headline figure is below eval/floors.json")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def _csv(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _questions(args: argparse.Namespace) -> list[Question]:
    if args.limit is not None and args.limit < 1:
        raise DatasetError("--limit must be a positive number of questions per split")
    chosen = select(load_questions(args.questions), split=args.split, ids=_csv(args.ids) or None, lang=args.lang)
    return spread(chosen, args.limit)


def _make_assistant() -> Any:
    from assistant import Assistant

    return Assistant()


def _judge(bot: Any, args: argparse.Namespace) -> Any:
    from eval.configs import has_llm

    llm = getattr(bot, "llm", None)
    if args.no_judges or not has_llm(bot) or llm is None:
        return None
    from eval.llm_judges import make_judge

    return make_judge(llm, show_progress=not args.quiet)


def _meta(bot: Any, args: argparse.Namespace, questions: Sequence[Question], configs: Sequence[Any], judged: bool) -> dict[str, Any]:
    from eval.metrics import SUPPORT_THRESHOLD

    settings = getattr(bot, "settings", None)
    return {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "questions_file": str(args.questions),
        "questions": len(questions),
        "splits": {split: n for split in SPLITS if (n := sum(q.split == split for q in questions))},
        "languages": dict(sorted(Counter(q.lang for q in questions).items())),
        "configs": [c.name for c in configs],
        "limits": {c.name: c.limit for c in configs if c.limit is not None},
        "descriptions": {c.name: c.description for c in configs},
        "mode": getattr(bot, "mode", "extractive"),
        "top_k": getattr(settings, "top_k", None),
        "support_threshold": SUPPORT_THRESHOLD,
        "tokenizer": "cl100k_base",
        "llm_judges": judged,
    }


def evaluate(bot: Any, args: argparse.Namespace) -> int:
    """The run itself; raises AssistantError / DatasetError / EvalConfigError for the caller to report."""
    from eval.configs import build_configs, default_config_names
    from eval.report import BRIEF_COLUMNS, breakdowns, table_rows, text_table, write_report
    from eval.runner import check_floors, load_floors, run, summarize

    questions = _questions(args)
    if not args.no_sync:
        bot.ingest(bot.settings.corpus_dir, show_progress=not args.quiet)
    configs = build_configs(bot, _csv(args.configs) or default_config_names(bot))
    judge = _judge(bot, args)
    results = run(configs, questions, progress=not args.quiet, judge=judge)
    summary = summarize(results)
    written = write_report(args.output, summary, results, _meta(bot, args, questions, configs, judge is not None), plots=not args.no_plots)
    print(text_table(table_rows(summary)))
    for title, rows in breakdowns(summary):
        print(f"\n[{title}]\n" + text_table(rows, BRIEF_COLUMNS))
    print(f"\nreport: {written[2]} ({len(written)} files in {args.output})")
    if args.check_floors:
        failures = check_floors(summary, load_floors())
        for line in failures:
            print(f"below floor: {line}", file=sys.stderr)
        return 1 if failures else 0
    return 0


def main(argv: Sequence[str] | None = None, *, bot: Any = None) -> int:
    """Entry point; `bot` lets tests and the `assistant` CLI pass an Assistant already built."""
    from core.errors import AssistantError
    from eval.configs import EvalConfigError

    args = build_parser().parse_args(argv)
    try:
        return evaluate(bot if bot is not None else _make_assistant(), args)
    except (AssistantError, DatasetError, EvalConfigError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1 if isinstance(err, AssistantError) else 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
