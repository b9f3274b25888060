"""CLI smoke tests with the fake assistant (no model, no Chroma)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.errors import EmptyIndexError
from eval.cli import main
from eval.configs import build_configs, default_config_names
from eval.dataset import load_questions
from eval.runner import run

ROOT = Path(__file__).resolve().parents[2]


def test_full_run_writes_report(tmp_path: Path, questions_file: Path, fake_bot, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report"
    code = main(["--configs", "hybrid,dense,bm25,starter", "--questions", str(questions_file), "--output", str(out), "--quiet"], bot=fake_bot)
    stdout = capsys.readouterr().out
    assert code == 0
    assert fake_bot.ingested == [fake_bot.settings.corpus_dir]
    lines = stdout.splitlines()
    assert lines[0].split()[:3] == ["config", "split", "n"]
    assert [line.split()[:3] for line in lines[2:4]] == [["hybrid", "dev", "2"], ["hybrid", "test", "3"]]  # side by side
    for title in ("[Language: fr]", "[Language: en]", "[Kind: single]", "[Kind: followup]", "[Kind: unanswerable]", "report:"):
        assert title in stdout
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert list(summary["configs"]) == ["hybrid", "dense", "bm25", "starter"]
    assert summary["meta"]["splits"] == {"dev": 2, "test": 3}
    hybrid = summary["configs"]["hybrid"]
    assert list(hybrid) == ["dev", "test"]
    assert hybrid["dev"]["overall"]["n"] == 2 and hybrid["test"]["overall"]["n"] == 3
    assert hybrid["test"]["overall"]["abstention_accuracy"] == 1.0 and hybrid["dev"]["overall"]["key_fact_recall"] > 0.5
    assert summary["configs"]["starter"]["test"]["overall"]["abstention_accuracy"] is None
    assert set(hybrid["test"]["by_lang"]) == {"fr", "en"} and set(hybrid["test"]["by_kind"]) == {"single", "followup", "unanswerable"}
    assert len((out / "results.jsonl").read_text(encoding="utf-8").splitlines()) == 20
    assert {json.loads(line)["split"] for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()} == {"dev", "test"}
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "| hybrid | dev | 2 |" in report and "| hybrid | test | 3 |" in report and "## Kind: followup" in report
    assert all((out / name).stat().st_size > 1000 for name in ("metrics_by_config.png", "metrics_by_language.png", "latency.png"))


@pytest.mark.parametrize(("split", "ids"), [("dev", ["fr-music", "fr-visitors"]), ("test", ["en-sea", "en-followup", "fr-unicorn"])])
def test_split_option(split: str, ids: list[str], tmp_path: Path, questions_file: Path, fake_bot) -> None:
    argv = ["--configs", "bm25", "--split", split, "--questions", str(questions_file), "--output", str(tmp_path), "--no-plots", "--no-sync", "--quiet"]
    assert main(argv, bot=fake_bot) == 0
    rows = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ids and {r["split"] for r in rows} == {split}
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert list(summary["configs"]["bm25"]) == [split]


def test_config_limit_runs_a_sample_of_each_split(tmp_path: Path, questions_file: Path, fake_bot) -> None:
    argv = ["--configs", "hybrid,bm25:1", "--questions", str(questions_file), "--output", str(tmp_path), "--no-plots", "--no-sync", "--quiet"]
    assert main(argv, bot=fake_bot) == 0
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["configs"]["hybrid"]["test"]["overall"]["n"] == 3
    assert summary["configs"]["bm25"]["dev"]["overall"]["n"] == 1 and summary["configs"]["bm25"]["test"]["overall"]["n"] == 1
    assert summary["meta"]["limits"] == {"bm25": 1}


def test_registered_config_is_pluggable(tmp_path: Path, questions_file: Path, fake_bot, monkeypatch) -> None:
    from eval import configs

    monkeypatch.setitem(configs.BUILDERS, "echo", lambda bot, _corpus: configs.EvalConfig("echo", "asks the bot", configs.assistant_runner(bot)))
    argv = ["--configs", "echo:2", "--questions", str(questions_file), "--output", str(tmp_path), "--no-plots", "--no-sync", "--quiet"]
    assert main(argv, bot=fake_bot) == 0
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["meta"]["descriptions"] == {"echo": "asks the bot"}
    assert {s: p["overall"]["n"] for s, p in summary["configs"]["echo"].items()} == {"dev": 2, "test": 2}


def test_followup_asks_history_first(questions_file: Path, fake_bot) -> None:
    (followup,) = [q for q in load_questions(questions_file) if q.kind == "followup"]
    (config,) = build_configs(fake_bot, ["hybrid"])
    (result,) = run([config], [followup], progress=False)
    assert fake_bot.asked[0] == "When was the climate report published?"
    assert result.standalone_question.startswith("When was the climate report published?")
    assert result.metrics["key_fact_recall"] == 1.0


def test_subset_options(tmp_path: Path, questions_file: Path, fake_bot) -> None:
    args = ["--configs", "bm25", "--questions", str(questions_file), "--lang", "fr", "--limit", "1"]
    assert main([*args, "--output", str(tmp_path), "--no-plots", "--no-sync", "--quiet"], bot=fake_bot) == 0
    rows = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["fr-music", "fr-unicorn"] and fake_bot.ingested == []  # one per split
    assert not list(tmp_path.glob("*.png"))


def test_default_configs_depend_on_llm(fake_bot) -> None:
    assert default_config_names(fake_bot) == ["hybrid", "dense", "bm25", "starter"]
    fake_bot.mode = "gpt-4.1-mini"
    assert default_config_names(fake_bot) == ["hybrid", "dense", "bm25", "llm", "starter"]


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--configs", "llm"], 2, "error: configuration 'llm' needs an LLM"),
        (["--configs", "nope"], 2, "error: unknown configuration 'nope'"),
        (["--ids", "missing"], 2, "error: unknown question id(s): missing"),
        (["--configs", "llm:0"], 2, "error: configuration 'llm:0': write name:N"),
        (["--limit", "0"], 2, "error: --limit must be a positive number"),
        (["--split", "test", "--ids", "fr-music"], 2, "error: no question left after filtering"),
    ],
)
def test_usage_errors_are_one_line(argv, code, message, tmp_path, questions_file, fake_bot, capsys) -> None:
    assert main([*argv, "--questions", str(questions_file), "--output", str(tmp_path), "--quiet"], bot=fake_bot) == code
    err = capsys.readouterr().err.strip()
    assert err.startswith(message) and "\n" not in err


def test_assistant_error_exits_non_zero(tmp_path: Path, questions_file: Path, fake_bot, capsys) -> None:
    def empty(*_args, **_kwargs):
        raise EmptyIndexError()

    broken = fake_bot.variant()
    broken.ask = empty
    fake_bot.variant = lambda **_: broken
    assert main(["--configs", "hybrid", "--questions", str(questions_file), "--output", str(tmp_path), "--quiet"], bot=fake_bot) == 1
    assert capsys.readouterr().err.strip() == "error: The index is empty: run `assistant ingest corpus/` first."


def test_check_floors_option(tmp_path: Path, questions_file: Path, fake_bot, capsys, monkeypatch) -> None:
    floors = tmp_path / "floors.json"
    floors.write_text(json.dumps({"config": "hybrid", "floors": {"test": {"key_fact_recall": 1.01}}, "reasons": {}}), encoding="utf-8")
    monkeypatch.setattr("eval.runner.load_floors", lambda path=floors: json.loads(floors.read_text(encoding="utf-8")))
    argv = ["--configs", "hybrid", "--questions", str(questions_file), "--output", str(tmp_path / "o"), "--no-plots", "--quiet", "--check-floors"]
    assert main(argv, bot=fake_bot) == 1
    assert "below floor: hybrid test key_fact_recall" in capsys.readouterr().err
    assert main([*argv[:-1], "--split", "dev", "--check-floors"], bot=fake_bot) == 0  # test floors not run: not checked


def test_python_dash_m_help() -> None:
    done = subprocess.run([sys.executable, "-m", "eval", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "--output" in done.stdout and "--configs" in done.stdout


def test_corpus_all_runs_each_corpus_side_by_side(tmp_path: Path, questions_file: Path, fake_bot, capsys, monkeypatch) -> None:
    from eval import corpora

    other = tmp_path / "other"
    monkeypatch.setitem(corpora.CORPORA, "bundled", corpora.EvalCorpus("bundled", "fake", questions_file, bundled_dir=fake_bot.settings.corpus_dir))
    monkeypatch.setitem(corpora.CORPORA, "debian-docs", corpora.EvalCorpus("debian-docs", "fake", questions_file, corpora.DEBIAN_DOCS_PARTS))
    second = type(fake_bot)(other)
    argv = ["--corpus", "all", "--configs", "hybrid", "--output", str(tmp_path / "o"), "--no-plots", "--quiet"]
    assert main(argv, bot=fake_bot, corpus_bots={"debian-docs": second}) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines[2:6]] == [
        ["bundled/hybrid", "dev"], ["bundled/hybrid", "test"], ["debian-docs/hybrid", "dev"], ["debian-docs/hybrid", "test"]
    ]
    assert fake_bot.ingested == [fake_bot.settings.corpus_dir] and second.ingested == [other]
    rows = [json.loads(line) for line in (tmp_path / "o" / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["corpus"] for r in rows} == {"bundled", "debian-docs"} and {r["config"] for r in rows} == {"bundled/hybrid", "debian-docs/hybrid"}


def test_unknown_corpus_and_questions_with_all(tmp_path: Path, questions_file: Path, fake_bot, capsys) -> None:
    assert main(["--corpus", "nope", "--output", str(tmp_path), "--quiet"], bot=fake_bot) == 2
    assert "unknown evaluation corpus 'nope'" in capsys.readouterr().err
    assert main(["--corpus", "all", "--questions", str(questions_file), "--output", str(tmp_path), "--quiet"], bot=fake_bot) == 2
    assert "--questions applies to one corpus" in capsys.readouterr().err
