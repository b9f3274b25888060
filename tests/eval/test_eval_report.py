"""The runner's scoring and summaries, and the report writer, on fake results."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from assistant.answer import Answer, Passage
from eval.configs import EvalConfig, Outcome
from eval.dataset import load_questions
from eval.report import breakdowns, table_rows, text_table, write_report
from eval.runner import QuestionResult, check_floors, score, summarize


def _result(config: str, qid: str, lang: str, latency: float, split: str = "dev", **metrics: float | None) -> QuestionResult:
    return QuestionResult(
        config=config, id=qid, split=split, lang=lang, kind="unanswerable" if qid == "u" else "single", answerable=qid != "u", question="?",
        answer="Réponse [1].", abstained=qid == "u", latency_s=latency,
        retrieved=[{"number": 1, "source": "a.txt", "score": 1.0, "text": "Réponse."}], cited=[1], metrics=dict(metrics),
    )


@pytest.fixture
def results() -> list[QuestionResult]:
    full = {"hit@1": 1.0, "mrr": 1.0, "evidence_recall": 0.5, "context_tokens": 300.0, "key_fact_recall": 1.0, "citation_precision": 1.0}
    return [
        _result("hybrid", "q1", "fr", 0.2, **full),
        _result("hybrid", "q2", "en", 0.4, **{**full, "key_fact_recall": 0.0}),
        _result("hybrid", "u", "fr", 0.1, **{**full, "key_fact_recall": None}),
        _result("starter", "q1", "fr", 0.05, **{"hit@1": 0.0, "mrr": 0.5, "evidence_recall": 1.0, "context_tokens": 2000.0}),
        _result("hybrid", "t1", "en", 0.3, "test", **{**full, "key_fact_recall": 0.25}),
    ]


def test_summary_per_split_overall_language_and_kind(results: list[QuestionResult]) -> None:
    results[3].abstained = None
    summary = summarize(results)
    assert list(summary) == ["hybrid", "starter"] and list(summary["hybrid"]) == ["dev", "test"]
    dev = summary["hybrid"]["dev"]["overall"]
    assert dev["n"] == 3 and dev["key_fact_recall"] == 0.5  # None skipped; the test item is not pooled in
    assert dev["abstention_accuracy"] == 1.0 and dev["false_abstention_rate"] == 0.0
    assert dev["latency_p50"] == pytest.approx(0.2)
    assert summary["hybrid"]["test"]["overall"]["n"] == 1 and summary["hybrid"]["test"]["overall"]["key_fact_recall"] == 0.25
    assert summary["hybrid"]["dev"]["by_lang"]["en"]["key_fact_recall"] == 0.0
    assert set(summary["hybrid"]["dev"]["by_lang"]) == {"en", "fr"} and set(summary["hybrid"]["test"]["by_lang"]) == {"en"}
    assert set(summary["hybrid"]["dev"]["by_kind"]) == {"single", "unanswerable"}
    assert list(summary["starter"]) == ["dev"] and summary["starter"]["dev"]["overall"]["abstention_accuracy"] is None
    assert "key_fact_recall" not in summary["starter"]["dev"]["overall"]


def test_rows_put_dev_beside_test(results: list[QuestionResult]) -> None:
    summary = summarize(results)
    assert list(table_rows(summary)) == [("hybrid", "dev"), ("hybrid", "test"), ("starter", "dev")]
    assert list(table_rows(summary, "by_lang", "en")) == [("hybrid", "dev"), ("hybrid", "test")]
    assert list(table_rows(summary, "by_kind", "unanswerable")) == [("hybrid", "dev")]
    assert [title for title, _ in breakdowns(summary)] == ["Language: en", "Language: fr", "Kind: single", "Kind: unanswerable"]


def test_write_report_files_and_pngs(tmp_path: Path, results: list[QuestionResult]) -> None:
    summary = summarize(results)
    written = write_report(tmp_path / "out", summary, results, {"questions": 3, "descriptions": {"hybrid": "h"}})
    names = {p.name for p in written}
    assert names == {"summary.json", "results.jsonl", "report.md", "metrics_by_config.png", "metrics_by_language.png", "latency.png"}
    payload = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert payload["configs"]["hybrid"]["dev"]["overall"]["n"] == 3 and payload["meta"]["questions"] == 3
    lines = (tmp_path / "out" / "results.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 5 and json.loads(lines[0])["answer"] == "Réponse [1]." and json.loads(lines[4])["split"] == "test"
    report = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "| hybrid | dev | 3 |" in report and "| hybrid | test | 1 |" in report and "never tuned on" in report
    assert "## Language: en" in report and "## Kind: unanswerable" in report and "![latency](latency.png)" in report
    for png in (p for p in written if p.suffix == ".png"):
        _assert_real_png(png)


def _assert_real_png(path: Path) -> None:
    from matplotlib.image import imread

    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width > 100 and height > 100
    pixels = imread(path)
    assert pixels.std() > 0.01  # not a blank image


def test_no_plots(tmp_path: Path, results: list[QuestionResult]) -> None:
    written = write_report(tmp_path, summarize(results), results, {}, plots=False)
    assert [p.suffix for p in written] == [".json", ".jsonl", ".md"]
    assert "## Plots" not in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_text_table_marks_not_applicable(results: list[QuestionResult]) -> None:
    table = text_table(table_rows(summarize(results)))
    header, rule, hybrid_dev, hybrid_test, starter = table.splitlines()
    assert header.split()[:5] == ["config", "split", "n", "hit@1", "MRR"] and set(rule) == {"-"}
    assert hybrid_dev.split()[:3] == ["hybrid", "dev", "3"] and hybrid_test.split()[:3] == ["hybrid", "test", "1"]
    assert starter.startswith("starter") and "n/a" in starter


def test_score_applies_answer_metrics_only_when_relevant(questions_file: Path) -> None:
    music, *_, unicorn = load_questions(questions_file)
    passage = Passage(number=1, source="musique.txt", title="", text="La musique est de Jean Dupont.", score=1.0)
    answer = Answer(question=music.question, text="La musique est de Jean Dupont [1].", retrieved=[passage])
    config = EvalConfig("hybrid", "", lambda q: Outcome(answer, 0.1))
    result = score(config, music, Outcome(answer, 0.1))
    assert result.metrics["hit@1"] == 1.0 and result.metrics["key_fact_recall"] == 1.0
    assert result.metrics["citation_precision"] == 1.0 and result.cited == [1] and result.abstained is False
    declined = Answer(question=unicorn.question, text="Je ne sais pas.", retrieved=[passage], abstained=True)
    result = score(config, unicorn, Outcome(declined, 0.1))
    assert result.metrics["hit@1"] is None and result.metrics["key_fact_recall"] is None
    assert result.metrics["citation_recall"] is None and result.abstained is True
    retrieval_only = EvalConfig("starter", "", config.run, answers=False, abstains=False)
    result = score(retrieval_only, music, Outcome(answer, 0.1))
    assert "key_fact_recall" not in result.metrics and result.abstained is None


def test_check_floors(results: list[QuestionResult]) -> None:
    summary = summarize(results)
    floors = {"config": "hybrid", "floors": {s: {"evidence_recall": 0.4, "key_fact_recall": 0.3} for s in ("dev", "test")}, "reasons": {}}
    assert check_floors(summary, floors) == ["hybrid test key_fact_recall = 0.250 < floor 0.300"]
    floors["floors"]["dev"]["key_fact_recall"] = 0.9
    assert check_floors(summary, floors) == ["hybrid dev key_fact_recall = 0.500 < floor 0.900", "hybrid test key_fact_recall = 0.250 < floor 0.300"]
    assert check_floors(summarize(results[:3]), floors) == ["hybrid dev key_fact_recall = 0.500 < floor 0.900"]  # test not run
    assert check_floors(summary, {**floors, "config": "dense"}) == ["dense: not evaluated (the floors apply to it: add it to --configs)"]


def test_abstention_by_trap_and_unheld_facts_in_the_summary(results: list[QuestionResult]) -> None:
    tricky = _result("hybrid", "u", "fr", 0.1)
    tricky.trap, tricky.abstained = "tricky", False
    plain = _result("hybrid", "u", "en", 0.1)
    plain.trap = "plain"
    results[2].trap = "tricky"  # declined
    results[0].metrics["unheld_fact_rate"], results[1].metrics["unheld_fact_rate"] = 1.0, 0.0
    overall = summarize([*results, tricky, plain])["hybrid"]["dev"]["overall"]
    assert overall["abstention_tricky"] == 0.5 and overall["abstention_plain"] == 1.0
    assert overall["abstention_accuracy"] == pytest.approx(2 / 3) and overall["unheld_fact_rate"] == 0.5
    table = text_table(table_rows(summarize([*results, tricky, plain])))
    assert "abst.trick" in table and "abst.plain" in table and "fact.miss" in table


def test_score_lists_the_unheld_facts(questions_file: Path) -> None:
    music = load_questions(questions_file)[0]
    passage = Passage(number=1, source="musique.txt", title="", text="La musique est de Jean Dupont.", score=1.0)
    answer = Answer(question=music.question, text="La musique est de Jean Dupont, en 2018 [1].", retrieved=[passage])
    result = score(EvalConfig("hybrid", "", lambda q: Outcome(answer, 0.1)), music, Outcome(answer, 0.1))
    assert result.metrics["unheld_fact_rate"] == 1.0 and result.unheld_facts == ["number: 2018 [1]"]
    declined = Answer(question=music.question, text="Je ne sais pas.", retrieved=[passage], abstained=True)
    assert score(EvalConfig("hybrid", "", lambda q: Outcome(declined, 0.1)), music, Outcome(declined, 0.1)).metrics["unheld_fact_rate"] is None


def test_corpus_floors() -> None:
    from eval.runner import corpus_floors

    flat = {"config": "hybrid", "floors": {"test": {"key_fact_recall": 0.5}}}
    assert corpus_floors(flat, "bundled") is flat and corpus_floors(flat, "debian-docs")["floors"] == {}
    nested = {"config": "hybrid", "corpora": {"debian-docs": {"floors": {"dev": {"mrr": 0.1}}, "reasons": {}}}}
    assert corpus_floors(nested, "debian-docs") == {"config": "hybrid", "floors": {"dev": {"mrr": 0.1}}, "reasons": {}}
    assert check_floors({}, corpus_floors(nested, "bundled")) == []  # a corpus without floors has nothing to check


def test_questions_asked_across_languages_have_their_own_slice(results: list[QuestionResult]) -> None:
    from eval.dataset import Evidence, Question
    from eval.runner import across

    def asked(lang: str, quote: str) -> Question:
        return Question(id="q", question="?", lang=lang, kind="single", answerable=True, evidence=(Evidence("a.txt", quote),))

    french = "Le projet Debian a été créé par Ian Murdock en 1993."
    assert across(asked("en", french)) == "en-about-fr" and across(asked("fr", french)) == ""
    assert across(asked("fr", "The project was founded by Ian Murdock in 1993.")) == "fr-about-en"
    assert across(Question(id="u", question="?", lang="en", kind="unanswerable", answerable=False)) == ""
    results[1].about = results[4].about = "en-about-fr"
    summary = summarize(results)
    assert summary["hybrid"]["dev"]["by_about"] == {"en-about-fr": summary["hybrid"]["dev"]["by_lang"]["en"]}
    assert list(summary["hybrid"]["test"]["by_about"]) == ["en-about-fr"] and summary["starter"]["dev"]["by_about"] == {}
    titles = [title for title, _ in breakdowns(summary)]
    assert titles[-1] == "Asked across languages: en-about-fr"
    assert list(table_rows(summary, "by_about", "en-about-fr")) == [("hybrid", "dev"), ("hybrid", "test")]
