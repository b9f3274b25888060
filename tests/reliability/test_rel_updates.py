"""Copy-on-write updates (issue 18, case 1): an edited document is never missing while it is
re-embedded. Before, the old chunks went first and a reader got "The index is empty" or nothing
for the edited files until the new ones were written."""

from __future__ import annotations

import pytest

from tests.reliability.updates import reingest_under_readers

pytestmark = pytest.mark.slow


def test_every_question_is_answered_while_another_process_reingests_edited_files(tmp_path):
    result = reingest_under_readers(tmp_path, n_files=12, delay=0.15)
    assert result["asked"] >= 12, result  # the reader kept asking through the whole re-ingest
    assert result["answered"] == result["asked"], result
    assert result["revised_after"] == 12, result  # and the new versions are what is found afterwards
