"""`assistant eval` / `python -m eval`: run the configurations, print the table, write the report."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from eval.corpora import DEFAULT_CORPUS, CorpusError, EvalCorpus, corpus_names, resolve
from eval.dataset import SPLITS, DatasetError, Question, load_questions, select, spread

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
    parser.add_argument(
        "--corpus", default=DEFAULT_CORPUS,
        help=f"evaluation corpus: {', '.join(corpus_names())}, a comma-separated list, or all (side by side); "
        "debian-docs is built from Debian packages (python -m eval.corpora build)",
    )
    parser.add_argument("--questions", type=Path, help="question file (YAML; default: the corpus's own, eval/questions*.yaml)")
    parser.add_argument("--ids", help="comma-separated question ids to run")
    parser.add_argument("--lang", choices=("fr", "en"), help="only questions in this language")
    parser.add_argument("--limit", type=int, help="at most N questions per split, evenly spaced through the file (after --ids / --lang)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="report folder (default: eval-report/)")
    parser.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    parser.add_argument("--no-sync", action="store_true", help="do not sync the corpus folder first")
    parser.add_argument("--no-judges", action="store_true", help="skip the LLM judges even with an LLM configured")
    parser.add_argument("--check-floors", action="store_true", help="exit 1 when a headline figure is below eval/floors.json")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def _csv(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _questions(args: argparse.Namespace, corpus: EvalCorpus) -> list[Question]:
    if args.limit is not None and args.limit < 1:
        raise DatasetError("--limit must be a positive number of questions per split")
    chosen = select(load_questions(args.questions or corpus.questions), split=args.split, ids=_csv(args.ids) or None, lang=args.lang)
    return spread(chosen, args.limit)


def corpus_assistant(bot: Any, corpus: EvalCorpus, folder: Path) -> Any:
    """The assistant for `corpus`: `bot` itself for the bundled one; for a built one, an assistant with the
    same settings and loaded embedding model over its own store (data_dir/eval-corpora/NAME; with a Chroma
    server, collection <collection>-eval-NAME), so the user's index is never touched."""
    if not corpus.built:
        return bot
    overrides: dict[str, Any] = {"data_dir": Path(bot.settings.data_dir) / "eval-corpora" / corpus.name, "corpus_dir": folder}
    if bot.settings.chroma_host:  # a shared server: a collection of its own (the data dir isolates an embedded store)
        overrides["collection"] = f"{bot.settings.collection}-eval-{corpus.name}"
    return bot.sharing_model(**overrides)


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


def _meta(bot: Any, args: argparse.Namespace, runs: Sequence["CorpusRun"], judged: bool) -> dict[str, Any]:
    from eval.metrics import SUPPORT_THRESHOLD

    settings = getattr(bot, "settings", None)
    questions = [q for run in runs for q in run.questions]
    configs = runs[0].configs
    meta: dict[str, Any] = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "corpora": ", ".join(run.corpus.name for run in runs),
        "questions_file": ", ".join(str(args.questions or run.corpus.questions) for run in runs),
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
    for run in runs:
        if run.corpus.built:
            meta[f"corpus {run.corpus.name}"] = f"{run.folder} ({run.packages})"
    return meta


@dataclass
class CorpusRun:
    corpus: EvalCorpus
    folder: Path
    questions: list[Question]
    configs: list[Any]
    packages: str = ""
    results: list[Any] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


def _packages(folder: Path) -> str:
    from eval.corpora import manifest_path

    path = manifest_path(folder)
    if not path.is_file():
        return ""
    parts = json.loads(path.read_text(encoding="utf-8"))["parts"]
    return ", ".join(f"{p['package']} {p['version']}" for p in parts)


def _prepare(bot: Any, args: argparse.Namespace, corpus: EvalCorpus, corpus_bots: dict[str, Any] | None) -> tuple[Any, CorpusRun]:
    from eval.configs import build_configs, default_config_names
    from eval.corpora import ready_dir

    questions = _questions(args, corpus)
    if corpus_bots and corpus.name in corpus_bots:
        own = corpus_bots[corpus.name]
        folder = Path(own.settings.corpus_dir)
    else:
        folder = ready_dir(corpus) if corpus.built else Path(bot.settings.corpus_dir)
        own = corpus_assistant(bot, corpus, folder)
    if not args.no_sync:
        own.ingest(folder, show_progress=not args.quiet)
    configs = build_configs(own, _csv(args.configs) or default_config_names(own), corpus_dir=folder)
    return own, CorpusRun(corpus, folder, questions, configs, _packages(folder))


def _combined(runs: Sequence[CorpusRun]) -> tuple[dict[str, Any], list[Any]]:
    """One summary and result list for the report; with several corpora each row reads corpus/config."""
    if len(runs) == 1:
        return runs[0].summary, runs[0].results
    summary = {f"{run.corpus.name}/{name}": splits for run in runs for name, splits in run.summary.items()}
    results = [replace(r, config=f"{run.corpus.name}/{r.config}") for run in runs for r in run.results]
    return summary, results


def evaluate(bot: Any, args: argparse.Namespace, corpus_bots: dict[str, Any] | None = None) -> int:
    """The run itself; raises AssistantError / DatasetError / EvalConfigError / CorpusError for the caller."""
    from eval.report import BRIEF_COLUMNS, breakdowns, table_rows, text_table, write_report
    from eval.runner import check_floors, corpus_floors, load_floors, run, summarize

    corpora = resolve(args.corpus)
    if args.questions and len(corpora) > 1:
        raise DatasetError("--questions applies to one corpus: drop it, or pick one with --corpus")
    judge = _judge(bot, args)
    runs = []
    for corpus in corpora:
        own, prepared = _prepare(bot, args, corpus, corpus_bots)
        prepared.results = run(prepared.configs, prepared.questions, progress=not args.quiet, judge=judge)
        for result in prepared.results:
            result.corpus = corpus.name
        prepared.summary = summarize(prepared.results)
        runs.append(prepared)
    summary, results = _combined(runs)
    written = write_report(args.output, summary, results, _meta(bot, args, runs, judge is not None), plots=not args.no_plots)
    print(text_table(table_rows(summary)))
    for title, rows in breakdowns(summary):
        print(f"\n[{title}]\n" + text_table(rows, BRIEF_COLUMNS))
    print(f"\nreport: {written[2]} ({len(written)} files in {args.output})")
    if args.check_floors:
        floors = load_floors()
        failures = [
            (f"{run.corpus.name}: " if len(runs) > 1 else "") + line
            for run in runs
            for line in check_floors(run.summary, corpus_floors(floors, run.corpus.name))
        ]
        for line in failures:
            print(f"below floor: {line}", file=sys.stderr)
        return 1 if failures else 0
    return 0


def main(argv: Sequence[str] | None = None, *, bot: Any = None, corpus_bots: dict[str, Any] | None = None) -> int:
    """Entry point; `bot` lets tests and the `assistant` CLI pass an Assistant already built, and
    `corpus_bots` an assistant already ingested per evaluation corpus name."""
    from core.errors import AssistantError
    from eval.configs import EvalConfigError

    args = build_parser().parse_args(argv)
    try:
        return evaluate(bot if bot is not None else _make_assistant(), args, corpus_bots)
    except (AssistantError, DatasetError, EvalConfigError, CorpusError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1 if isinstance(err, AssistantError) else 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
