"""Write the report folder: summary.json, results.jsonl, report.md and PNG plots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

from eval.runner import QuestionResult

# Column key -> short header, for the terminal table and report.md.
COLUMNS: dict[str, str] = {
    "hit@1": "hit@1",
    "hit@3": "hit@3",
    "mrr": "MRR",
    "evidence_recall": "ev.rec",
    "context_tokens": "ctx tok",
    "key_fact_recall": "kf.rec",
    "token_f1": "F1",
    "citation_validity": "cit.val",
    "citation_precision": "cit.prec",
    "citation_recall": "cit.rec",
    "unheld_fact_rate": "fact.miss",
    "abstention_accuracy": "abst.acc",
    "abstention_tricky": "abst.trick",
    "abstention_plain": "abst.plain",
    "false_abstention_rate": "false.abst",
    "faithfulness": "faithful",
    "relevancy": "relevant",
    "correctness": "correct",
    "latency_p50": "p50 s",
    "latency_p95": "p95 s",
}
PLOTTED = ("hit@3", "mrr", "evidence_recall", "key_fact_recall", "token_f1", "citation_precision", "citation_recall", "abstention_accuracy")


def _cell(key: str, value: Any) -> str:
    if value is None:
        return "n/a"
    if key == "context_tokens":
        return f"{value:.0f}"
    if key.startswith("latency"):
        return f"{value:.2f}"
    return f"{value:.3f}"


Rows = dict[tuple[str, str], dict[str, Any]]  # (config, split) -> figures
SECTIONS = ("by_lang", "by_kind", "by_about")


# The columns of the printed per-language / per-kind tables (report.md keeps every column).
BRIEF_COLUMNS = (
    "hit@3", "evidence_recall", "context_tokens", "key_fact_recall", "citation_precision", "unheld_fact_rate",
    "abstention_accuracy", "abstention_tricky", "abstention_plain", "false_abstention_rate",
)


def _columns(rows: Rows, only: Sequence[str] | None = None) -> list[str]:
    present = {k for row in rows.values() for k, v in row.items() if v is not None}
    return [k for k in COLUMNS if k in present and (only is None or k in only)]


def table_rows(summary: dict[str, dict[str, Any]], section: str = "overall", key: str | None = None) -> Rows:
    """{(config, split): figures}, dev beside test for each configuration: overall, or one language / kind.

    `section` is "overall", "by_lang", "by_kind" or "by_about"; `key` picks the language, kind or cross-language
    slice ("en-about-fr") in the last three.
    """
    rows: Rows = {}
    for name, splits in summary.items():
        for split, parts in splits.items():
            figures = parts[section] if key is None else parts.get(section, {}).get(key)
            if figures:
                rows[(name, split)] = figures
    return rows


def group_keys(summary: dict[str, dict[str, Any]], section: str) -> list[str]:
    """The languages (section "by_lang"), kinds ("by_kind") or cross-language slices ("by_about") present anywhere
    in the summary."""
    return sorted({k for splits in summary.values() for parts in splits.values() for k in parts.get(section, {})})


def text_table(rows: Rows, only: Sequence[str] | None = None) -> str:
    """An aligned plain-text table: one row per configuration and split (`only`: these columns)."""
    keys = _columns(rows, only)
    headers = ["config", "split", "n"] + [COLUMNS[k] for k in keys]
    body = [[name, split, str(row.get("n", ""))] + [_cell(k, row.get(k)) for k in keys] for (name, split), row in rows.items()]
    widths = [max(len(line[i]) for line in [headers, *body]) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths))) for line in [headers, *body]]
    return "\n".join([lines[0], "-" * len(lines[0]), *lines[1:]])


def markdown_table(rows: Rows) -> str:
    """The same table in Markdown."""
    keys = _columns(rows)
    header = "| config | split | n | " + " | ".join(COLUMNS[k] for k in keys) + " |"
    rule = "|---|---|---:|" + "---:|" * len(keys)
    body = [
        f"| {name} | {split} | {row.get('n', '')} | " + " | ".join(_cell(k, row.get(k)) for k in keys) + " |"
        for (name, split), row in rows.items()
    ]
    return "\n".join([header, rule, *body])


def breakdowns(summary: dict[str, dict[str, Any]]) -> list[tuple[str, Rows]]:
    """(title, rows) for every language, every kind and every cross-language slice, in that order."""
    titles = {"by_lang": "Language", "by_kind": "Kind", "by_about": "Asked across languages"}
    return [(f"{titles[section]}: {key}", table_rows(summary, section, key)) for section in SECTIONS for key in group_keys(summary, section)]


def markdown_report(summary: dict[str, dict[str, Any]], meta: dict[str, Any], plots: Sequence[str]) -> str:
    """report.md: settings, the dev/test comparison table, one table per language and per kind, the plots."""
    parts = ["# Evaluation report", ""]
    parts += [f"- **{k}**: {v}" for k, v in meta.items() if not isinstance(v, (dict, list))]
    parts += [f"- **{k}**: {v}" for k, v in meta.items() if k in ("splits", "languages") and isinstance(v, dict)]
    descriptions = meta.get("descriptions", {})
    parts += ["", "## Configurations", ""] + [f"- `{n}`: {d}" for n, d in descriptions.items()]
    parts += ["", "## All questions, dev beside test", "", _SPLITS_NOTE, "", markdown_table(table_rows(summary))]
    for title, rows in breakdowns(summary):
        parts += ["", f"## {title}", "", markdown_table(rows)]
    parts += ["", "## Reading the figures", "", _LEGEND]
    if plots:
        parts += ["", "## Plots", ""] + [f"![{Path(p).stem}]({p})" for p in plots]
    return "\n".join(parts) + "\n"


_SPLITS_NOTE = """\
`dev` questions are the ones thresholds, weights and prompts were tuned on; `test` questions are for
reporting only (never tuned on). Quote the test figures; a large dev/test gap means overfitting."""


_LEGEND = """\
- hit@k / MRR: file level (distinct retrieved files in rank order) against the evidence files.
- ev.rec: share of key facts present in the retrieved passages; read it with **ctx tok**, the
  cl100k_base size of that context (a bigger context buys recall).
- kf.rec / F1: key facts stated in the answer; token F1 against the reference (accents, articles,
  number formats normalised).
- cit.val: [n] markers pointing at a retrieved passage; cit.prec: cited passage supports its sentence
  (extractive quote, or >= 50% of the sentence's content words in the passage); cit.rec: sentences with
  a valid citation.
- fact.miss: share of answers stating at least one fact (number, date, quantity, proper name, command, path,
  identifier: core/facts.py) that the passage its sentence cites does not hold, after normalisation
  (digit groups, decimal commas, accents, units, French/English number words). Lower is better.
- abst.acc: unanswerable questions declined; abst.trick: those that name what the corpus holds but ask
  what it does not say; abst.plain: off-topic ones; false.abst: answerable questions declined.
- Asked across languages: "en-about-fr" holds the English questions whose evidence is French text (the
  language of the evidence quotes), whatever their kind.
- Kinds: single (one fact), multi_doc (needs two files), followup (asked after `history`),
  overview ("Résume l'article sur …": key facts are the article's main points), unanswerable.
- n/a: not applicable (e.g. the starter retrieves only; no LLM configured for judge columns)."""


# --- Plots (matplotlib, Agg canvas, no pyplot global state) ------------------------------------


def _figure(width: float, height: float):  # noqa: ANN202 - matplotlib Figure, imported lazily
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _bars(axes: Any, rows: dict[str, dict[str, Any]], title: str) -> None:
    """Grouped bars: one group per metric, one bar per row (configuration or language)."""
    keys = [k for k in PLOTTED if any(row.get(k) is not None for row in rows.values())]
    width = 0.8 / max(len(rows), 1)
    for i, (name, row) in enumerate(rows.items()):
        values = [float("nan") if row.get(k) is None else row[k] for k in keys]  # n/a: no bar
        axes.bar([x + i * width for x in range(len(keys))], values, width, label=name)
    axes.set_xticks([x + width * (len(rows) - 1) / 2 for x in range(len(keys))], [COLUMNS[k] for k in keys], rotation=30)
    axes.set_ylim(0, 1.05)
    axes.set_title(title)
    axes.legend(fontsize="small")


def _labelled(rows: Rows) -> dict[str, dict[str, Any]]:
    return {f"{name} {split}": row for (name, split), row in rows.items()}


def plot_by_config(summary: dict[str, dict[str, Any]], path: Path) -> Path:
    figure = _figure(10, 4.5)
    _bars(figure.add_subplot(), _labelled(table_rows(summary)), "Metrics by configuration and split (no bar: n/a)")
    figure.savefig(path)
    return path


def plot_by_language(summary: dict[str, dict[str, Any]], path: Path) -> Path:
    figure = _figure(10, 3.6 * max(len(summary), 1))
    for i, (name, splits) in enumerate(summary.items(), start=1):
        rows = {f"{lang} {split}": figures for split, parts in splits.items() for lang, figures in parts["by_lang"].items()}
        _bars(figure.add_subplot(len(summary), 1, i), rows, f"{name}: metrics by language and split")
    figure.savefig(path)
    return path


def plot_latency(results: Sequence[QuestionResult], path: Path) -> Path:
    names = list(dict.fromkeys(r.config for r in results))
    data = [[r.latency_s for r in results if r.config == n and r.error is None] or [0.0] for n in names]
    figure = _figure(8, 4)
    axes = figure.add_subplot()
    axes.boxplot(data, tick_labels=names, showfliers=True)
    axes.set_ylabel("seconds per question")
    axes.set_title("Latency distribution by configuration")
    figure.savefig(path)
    return path


def write_plots(folder: Path, summary: dict[str, dict[str, Any]], results: Sequence[QuestionResult]) -> list[Path]:
    """metrics_by_config.png, metrics_by_language.png, latency.png."""
    return [
        plot_by_config(summary, folder / "metrics_by_config.png"),
        plot_by_language(summary, folder / "metrics_by_language.png"),
        plot_latency(results, folder / "latency.png"),
    ]


def write_report(
    out_dir: str | Path,
    summary: dict[str, dict[str, Any]],
    results: Sequence[QuestionResult],
    meta: dict[str, Any],
    *,
    plots: bool = True,
) -> list[Path]:
    """Write every report file into `out_dir` (created if needed); returns the paths written."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "summary.json", folder / "results.jsonl", folder / "report.md"]
    payload = {"meta": meta, "configs": summary}
    written[0].write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    written[1].write_text("".join(r.to_json() + "\n" for r in results), encoding="utf-8")
    images: list[Path] = []
    if plots:
        images = write_plots(folder, summary, results)
    written[2].write_text(markdown_report(summary, meta, [p.name for p in images]), encoding="utf-8")
    return written + images
