"""CI gate: the offline eval must keep its headline figures above eval/floors.json on every evaluation
corpus (the bundled one and debian-docs, built from Debian packages), on the test split (the reported
figures) and on the dev split (the tuned ones), each against its own floors.

Floors only go up when the figures improve; a lowered floor needs a reason in
floors.json["corpora"][corpus]["reasons"][split]. `ingested_assistant` (tests/conftest.py) is a
session-scoped real Assistant over the bundled corpus; `debian_docs_assistant` (tests/eval/conftest.py)
one over the debian-docs corpus, built from the installed packages (apt-get install when missing and root).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.configs import build_configs
from eval.corpora import CORPORA, get
from eval.dataset import SPLITS, load_questions
from eval.report import table_rows, text_table, write_report
from eval.runner import HEADLINE, check_floors, corpus_floors, load_floors, run, summarize


def test_floors_file_is_well_formed() -> None:
    floors = load_floors()
    assert floors["config"] in {"hybrid", "dense", "bm25"}  # offline configurations only
    assert set(floors["corpora"]) == set(CORPORA), "floors for every evaluation corpus"
    for name in CORPORA:
        own = corpus_floors(floors, name)
        assert set(own["floors"]) == set(SPLITS), f"{name}: one set of floors per split"
        for split in SPLITS:
            assert set(own["floors"][split]) == set(HEADLINE)
            assert all(0.0 <= value <= 1.0 for value in own["floors"][split].values())
            measured = own["measured"][split]
            assert all(own["floors"][split][m] <= measured[m] for m in HEADLINE), f"{name}: floors sit below the measured figures"
            reasons = own["reasons"][split]
            assert isinstance(reasons, dict) and set(reasons) <= set(HEADLINE)
            assert all(isinstance(why, str) and why.strip() for why in reasons.values())
        assert own["measured"]["when"].strip() and own["measured"]["what"].strip()


def _gate(bot, corpus: str, tmp_path: Path) -> None:
    floors = corpus_floors(load_floors(), corpus)
    configs = build_configs(bot, [floors["config"]])
    results = run(configs, load_questions(get(corpus).questions), progress=False)
    summary = summarize(results)
    write_report(tmp_path, summary, results, {"gate": True, "corpus": corpus}, plots=False)
    assert list(summary[floors["config"]]) == list(SPLITS), "the gate checks both splits"
    failures = check_floors(summary, floors)
    assert not failures, f"{corpus}:\n" + "\n".join(failures) + "\n" + text_table(table_rows(summary)) + f"\nreport: {tmp_path}"


@pytest.mark.slow
def test_headline_figures_stay_above_floors(ingested_assistant, tmp_path: Path) -> None:
    _gate(ingested_assistant, "bundled", tmp_path)


@pytest.mark.slow
def test_debian_docs_figures_stay_above_floors(debian_docs_assistant, tmp_path: Path) -> None:
    _gate(debian_docs_assistant, "debian-docs", tmp_path)
