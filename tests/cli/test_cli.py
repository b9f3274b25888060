"""The command line: answers with numbered sources; user errors are one line and a non-zero exit."""

from __future__ import annotations

import pytest

from cli.main import main

pytestmark = pytest.mark.slow


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ASSISTANT_LLM", "none")
    return tmp_path


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    errors = [line for line in err if line.startswith("error: ")]
    assert len(errors) == 1 and "Traceback" not in "\n".join(err)
    return errors[0]


def test_ask_prints_the_answer_and_numbered_sources(ingested_assistant, monkeypatch, capsys):
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(ingested_assistant.settings.data_dir))
    assert main(["ask", "What share of Japan's audio music market revenues did streaming claim in 2019?"]) == 0
    out = capsys.readouterr().out
    assert "19.3%" in out and "Sources:" in out
    assert "[1] STREAMING IS GETTING BIGGER IN JAPAN" in out and "000_9fbf024f9cdb4384.txt" in out


def test_empty_question(env, capsys):
    assert main(["ask", "   "]) == 1
    assert "empty" in one_line_error(capsys)


def test_asking_an_empty_index_says_to_ingest(env, capsys):
    assert main(["ask", "Qui a composé la musique du film 2050 ?"]) == 1
    assert "assistant ingest" in one_line_error(capsys)


def test_ingesting_a_missing_folder(env, capsys):
    assert main(["ingest", str(env / "nope")]) == 1
    assert "No such file or folder" in one_line_error(capsys)


def test_invalid_setting_is_one_line(env, monkeypatch, capsys):
    monkeypatch.setenv("ASSISTANT_TOP_K", "many")
    assert main(["documents"]) == 1
    assert "top_k" in one_line_error(capsys)


def test_help_everywhere(capsys):
    for argv in (["--help"], ["ingest", "--help"], ["ask", "--help"], ["chat", "--help"], ["ui", "--help"]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 0
    assert "usage: assistant" in capsys.readouterr().out
