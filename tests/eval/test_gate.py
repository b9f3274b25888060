"""CI gate: the offline eval on the bundled corpus must keep its headline figures above eval/floors.json,
on the test split (the reported figures) and on the dev split (the tuned ones), each against its own floors.

Floors only go up when the figures improve; a lowered floor needs a reason in floors.json["reasons"][split].
The `ingested_assistant` fixture (tests/conftest.py) is a session-scoped real Assistant with the
bundled corpus ingested into a temporary data dir.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.configs import build_configs
from eval.dataset import SPLITS, load_questions
from eval.report import table_rows, text_table, write_report
from eval.runner import HEADLINE, check_floors, load_floors, run, summarize


def test_floors_file_is_well_formed() -> None:
    floors = load_floors()
    assert floors["config"] in {"hybrid", "dense", "bm25"}  # offline configurations only
    assert set(floors["floors"]) == set(SPLITS), "one set of floors per split"
    for split in SPLITS:
        assert set(floors["floors"][split]) == set(HEADLINE)
        assert all(0.0 <= value <= 1.0 for value in floors["floors"][split].values())
        assert all(floors["floors"][split][m] <= floors["measured"][split][m] for m in HEADLINE), "floors sit below the measured figures"
        reasons = floors["reasons"][split]
        assert isinstance(reasons, dict) and set(reasons) <= set(HEADLINE)
        assert all(isinstance(why, str) and why.strip() for why in reasons.values())
    assert floors["measured"]["when"].strip() and floors["measured"]["what"].strip()


@pytest.mark.slow
def test_headline_figures_stay_above_floors(ingested_assistant, tmp_path: Path) -> None:
    floors = load_floors()
    configs = build_configs(ingested_assistant, [floors["config"]])
    results = run(configs, load_questions(), progress=False)
    summary = summarize(results)
    write_report(tmp_path, summary, results, {"gate": True}, plots=False)
    assert list(summary[floors["config"]]) == list(SPLITS), "the gate checks both splits"
    failures = check_floors(summary, floors)
    assert not failures, "\n".join(failures) + "\n" + text_table(table_rows(summary)) + f"\nreport: {tmp_path}"
