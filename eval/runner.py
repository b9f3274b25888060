"""Run configurations over questions, score each answer, and summarise per split (dev / test), overall,
per language and per kind."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from tqdm import tqdm

from assistant import Answer, guess_language
from core.errors import InvalidQuestionError, LLMError
from eval import metrics as m
from eval.configs import EvalConfig, Outcome
from eval.dataset import SPLITS, Question, spread

SIGNALS = ("lexical", "lexical_floor", "dense", "support", "kind_found", "measure_found", "year_held", "names_unknown", "focus", "confidence")
RETRIEVAL_METRICS = ("hit@1", "hit@3", "mrr", "evidence_recall", "context_tokens")
ANSWER_METRICS = ("key_fact_recall", "token_f1", "citation_validity", "citation_precision", "citation_recall", "unheld_fact_rate")
ABSTENTION_METRICS = ("abstention_accuracy", "abstention_tricky", "abstention_plain", "false_abstention_rate")
LATENCY_METRICS = ("latency_p50", "latency_p95")
HEADLINE = ("evidence_recall", "key_fact_recall", "citation_precision", "abstention_accuracy")
DEFAULT_FLOORS = Path(__file__).with_name("floors.json")

Judge = Callable[[list["QuestionResult"], dict[str, Question]], None]


@dataclass
class QuestionResult:
    """One configuration on one question: what came back, how long it took, and its scores."""

    config: str
    id: str
    lang: str
    kind: str
    answerable: bool
    question: str
    answer: str
    abstained: bool | None  # None: the configuration cannot abstain (starter)
    latency_s: float
    split: str = "dev"
    retrieved: list[dict[str, Any]] = field(default_factory=list)  # {number, source, score, text}
    cited: list[int] = field(default_factory=list)
    standalone_question: str = ""
    error: str | None = None
    metrics: dict[str, float | None] = field(default_factory=dict)
    # Why the answer abstained and what the citation check reported: for reading dev failures.
    abstain_reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    raw_answer: str = ""  # LLM modes: the model's text before attribution (empty otherwise)
    trap: str = ""  # unanswerable questions: "tricky" or "plain"
    corpus: str = ""  # the evaluation corpus (eval/corpora.py)
    unheld_facts: list[str] = field(default_factory=list)  # "kind: text [cited]" facts no cited passage holds
    about: str = ""  # "en-about-fr": asked in one language about evidence in the other ("" otherwise)
    # The abstention decision's signals (lexical, dense, support, kind_found, focus, confidence): what a
    # threshold is fitted on, offline, from a dev run (docs/grounding.md).
    signals: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)


def retrieval_scores(question: Question, answer: Answer) -> dict[str, float | None]:
    """hit@1, hit@3, MRR (file level), evidence recall and the context size it cost."""
    sources = [p.source for p in answer.retrieved]
    context = [p.text for p in answer.retrieved]
    return {
        "hit@1": m.hit_at_k(sources, question.sources, 1),
        "hit@3": m.hit_at_k(sources, question.sources, 3),
        "mrr": m.reciprocal_rank(sources, question.sources),
        "evidence_recall": m.evidence_recall(question.key_facts, context),
        "context_tokens": float(m.context_tokens(context)),
    }


def answer_scores(question: Question, answer: Answer) -> dict[str, float | None]:
    """Key-fact recall and F1 (answerable questions), citation metrics (answers that claim something)."""
    numbers = {p.number: p.text for p in answer.retrieved}
    claimed = not answer.abstained and bool(answer.text.strip())
    return {
        "key_fact_recall": m.key_fact_recall(question.key_facts, answer.text) if question.answerable else None,
        "token_f1": m.token_f1(answer.text, question.reference) if question.answerable else None,
        "citation_validity": m.citation_validity(answer.text, numbers) if claimed else None,
        "citation_precision": m.citation_precision(answer.text, numbers) if claimed else None,
        "citation_recall": m.citation_recall(answer.text, numbers) if claimed else None,
        "unheld_fact_rate": m.unheld_fact_rate(answer.text, numbers) if claimed else None,
    }


def score(config: EvalConfig, question: Question, outcome: Outcome) -> QuestionResult:
    """Turn one outcome into a QuestionResult with every applicable metric."""
    answer = outcome.answer
    scores = retrieval_scores(question, answer)
    unheld: list[str] = []
    if config.answers:
        scores |= answer_scores(question, answer)
        if scores.get("unheld_fact_rate"):
            passages = {p.number: p.text for p in answer.retrieved}
            unheld = [f"{fact.kind}: {fact.text} {cited}" for fact, cited in m.unheld_facts(answer.text, passages)]
    return QuestionResult(
        config=config.name,
        id=question.id,
        split=question.split,
        lang=question.lang,
        kind=question.kind,
        answerable=question.answerable,
        question=question.question,
        answer=answer.text,
        abstained=bool(answer.abstained) if config.abstains else None,
        latency_s=outcome.latency_s,
        retrieved=[{"number": p.number, "source": p.source, "score": p.score, "text": p.text} for p in answer.retrieved],
        cited=m.cited_numbers(answer.text),
        standalone_question=answer.standalone_question,
        error=answer.error,
        metrics=scores,
        abstain_reasons=list(getattr(answer, "abstain_reasons", None) or []),
        warnings=list(getattr(answer, "warnings", None) or []),
        raw_answer=answer.model_text,
        trap=question.trap,
        unheld_facts=unheld,
        about=across(question),
        signals={k: v for k, v in (getattr(answer, "timings", None) or {}).items() if k in SIGNALS},
    )


def across(question: Question) -> str:
    """"en-about-fr" for a question asked in one language whose evidence quotes are in the other; "" otherwise."""
    if not question.evidence:
        return ""
    evidence_lang = guess_language(" ".join(e.quote for e in question.evidence))
    return f"{question.lang}-about-{evidence_lang}" if evidence_lang != question.lang else ""


def run_one(config: EvalConfig, question: Question) -> QuestionResult:
    """Ask one question; an LLM failure or a refused question is recorded, not raised."""
    try:
        outcome = config.run(question)
    except (LLMError, InvalidQuestionError) as err:
        failed = Answer(question=question.question, text="", error=str(err))
        outcome = Outcome(answer=failed, latency_s=0.0)
    return score(config, question, outcome)


def run(
    configs: Sequence[EvalConfig], questions: Sequence[Question], *, progress: bool = True, judge: Judge | None = None
) -> list[QuestionResult]:
    """Every configuration on its questions (one tqdm bar), then the optional LLM judges per configuration.

    A configuration with a `limit` (a slow LLM) runs on at most that many questions of each split,
    evenly spaced through the file (`eval.dataset.spread`); the others run on all of them.
    """
    results: list[QuestionResult] = []
    chosen = {config.name: spread(questions, config.limit) for config in configs}
    with tqdm(total=sum(map(len, chosen.values())), desc="eval", unit="q", disable=not progress) as bar:
        for config in configs:
            bar.set_postfix_str(config.name)
            for question in chosen[config.name]:
                results.append(run_one(config, question))
                bar.update()
    if judge is not None:
        by_id = {q.id: q for q in questions}
        for config in configs:
            if config.answers:
                judge([r for r in results if r.config == config.name], by_id)
    return results


def metric_names(results: Iterable[QuestionResult]) -> list[str]:
    """Per-question metric names present in `results`, in first-seen order."""
    names: dict[str, None] = {}
    for result in results:
        names |= dict.fromkeys(result.metrics)
    return list(names)


def summarize_group(results: Sequence[QuestionResult]) -> dict[str, Any]:
    """Means of every metric (None values skipped), abstention figures, latency percentiles."""
    summary: dict[str, Any] = {"n": len(results)}
    for name in metric_names(results):
        summary[name] = m.mean(r.metrics.get(name) for r in results)
    judged = [r for r in results if r.abstained is not None]
    stats = m.abstention_stats([r.answerable for r in judged], [bool(r.abstained) for r in judged])
    summary["abstention_accuracy"] = stats.accuracy
    summary["false_abstention_rate"] = stats.false_rate
    for trap in ("tricky", "plain"):
        trapped = [bool(r.abstained) for r in judged if not r.answerable and r.trap == trap]
        summary[f"abstention_{trap}"] = sum(trapped) / len(trapped) if trapped else None
    latencies = [r.latency_s for r in results if r.error is None]
    summary["latency_p50"] = m.percentile(latencies, 50)
    summary["latency_p95"] = m.percentile(latencies, 95)
    summary["errors"] = sum(r.error is not None for r in results)
    return summary


def _group_by(results: Sequence[QuestionResult], key: str) -> dict[str, dict[str, Any]]:
    """Figures per value of `key`; results whose value is empty belong to no group."""
    groups: dict[str, list[QuestionResult]] = {}
    for result in results:
        if value := str(getattr(result, key)):
            groups.setdefault(value, []).append(result)
    return {name: summarize_group(group) for name, group in sorted(groups.items())}


def summarize_split(results: Sequence[QuestionResult]) -> dict[str, Any]:
    """{"overall": {...}, "by_lang": {lang: {...}}, "by_kind": {kind: {...}}, "by_about": {"en-about-fr": {...}}} for
    one split of one configuration (by_about: only the questions asked across languages)."""
    return {
        "overall": summarize_group(results), "by_lang": _group_by(results, "lang"), "by_kind": _group_by(results, "kind"),
        "by_about": _group_by(results, "about"),
    }


def summarize(results: Sequence[QuestionResult]) -> dict[str, dict[str, Any]]:
    """{config: {split: {"overall", "by_lang", "by_kind"}}}: configurations in run order, splits dev then test.

    Only the splits that were run appear. Dev and test are never pooled: dev figures were tuned on.
    """
    summary: dict[str, dict[str, Any]] = {}
    for name in dict.fromkeys(r.config for r in results):
        own = [r for r in results if r.config == name]
        summary[name] = {
            split: summarize_split([r for r in own if r.split == split]) for split in SPLITS if any(r.split == split for r in own)
        }
    return summary


def load_floors(path: str | Path = DEFAULT_FLOORS) -> dict[str, Any]:
    """The CI floors: {"config": name, "floors": {split: {metric: min}}, "reasons": {split: {metric: why lowered}}}."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def corpus_floors(floors: dict[str, Any], corpus: str) -> dict[str, Any]:
    """The floors of one evaluation corpus ({"config", "floors", "reasons", "measured"}).

    floors.json holds {"config": name, "corpora": {corpus: {"floors", "reasons", "measured"}}}; a flat file
    ({"config", "floors"}) applies to the bundled corpus only. A corpus without floors has none to check.
    """
    if "corpora" not in floors:
        return floors if corpus == "bundled" else {"config": floors["config"], "floors": {}}
    own = floors["corpora"].get(corpus, {"floors": {}})
    return {"config": floors["config"], **own}


def check_floors(summary: dict[str, dict[str, Any]], floors: dict[str, Any]) -> list[str]:
    """One line per headline figure below its floor, split by split (a missing figure counts as 0).

    Splits that were not run are not checked; a floor configuration that was not run is a failure.
    """
    name = floors["config"]
    if not floors.get("floors"):
        return []
    if name not in summary:
        return [f"{name}: not evaluated (the floors apply to it: add it to --configs)"]
    failures = []
    for split, metrics in floors["floors"].items():
        if split not in summary[name]:
            continue
        overall = summary[name][split]["overall"]
        for metric, floor in metrics.items():
            value = overall.get(metric) or 0.0
            if value < floor:
                failures.append(f"{name} {split} {metric} = {value:.3f} < floor {floor:.3f}")
    return failures
