"""`--help` on the `assistant` command and on every one of its subcommands prints help and exits 0."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import main, subcommands

ROOT = Path(__file__).resolve().parents[2]


def test_subcommands_are_listed() -> None:
    assert {"ingest", "ask", "chat", "ui", "eval", "documents", "remove"} <= set(subcommands())


@pytest.mark.parametrize("argv", [["--help"], *[[name, "--help"] for name in subcommands()], ["eval", "-h"]])
def test_help_exits_zero(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out = capsys.readouterr()
    assert exit_info.value.code == 0 and out.err == ""
    command = " ".join(["assistant", *argv[:-1]])
    assert out.out.startswith(f"usage: {command}")


def test_eval_help_lists_the_split_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["eval", "--help"])
    out = capsys.readouterr().out
    for option in ("--split {dev,test,both}", "--configs", "--limit", "--check-floors", "name:N"):
        assert option in out


@pytest.mark.parametrize("argv", [["--help"], ["eval", "--help"]])
def test_help_as_a_process(argv: list[str]) -> None:
    done = subprocess.run([sys.executable, "-m", "cli", *argv], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("usage: assistant") and not done.stderr
