"""Loading and validating the question file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from eval.dataset import DatasetError, Evidence, load_questions, parse_questions, select, spread


def test_load_fixture(questions_file: Path) -> None:
    questions = load_questions(questions_file)
    assert [q.id for q in questions] == ["fr-music", "fr-visitors", "en-sea", "en-followup", "fr-unicorn"]
    music = questions[0]
    assert music.key_facts == (("Jean Dupont", "Dupont"),)
    assert music.evidence[0] == Evidence("musique.txt", "La musique du film 2050 a été composée par Jean Dupont.")
    assert music.sources == ("musique.txt",)
    assert questions[3].history == ("When was the climate report published?",)
    assert not questions[4].answerable and questions[4].key_facts == ()
    assert questions[4].trap == "plain" and questions[0].trap == ""


GOOD = {
    "id": "q1",
    "split": "dev",
    "question": "Qui ?",
    "lang": "fr",
    "kind": "single",
    "answerable": True,
    "reference": "x",
    "key_facts": [["x"]],
    "evidence": [{"source": "a.txt", "quote": "x"}],
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"lang": "de"}, "'lang' must be one of fr, en, got 'de'"),
        ({"kind": "other"}, "'kind' must be one of"),
        ({"question": ""}, "'question' is missing or empty"),
        ({"answerable": "yes"}, "'answerable' must be true or false"),
        ({"key_facts": "x"}, "'key_facts' must be a list"),
        ({"key_facts": [[]]}, "key fact 1 must be a non-empty list"),
        ({"key_facts": []}, "an answerable question needs 'key_facts'"),
        ({"evidence": [{"source": "a.txt"}]}, "evidence 1 must have a 'source' and a 'quote'"),
        ({"kind": "followup"}, "kind 'followup' needs a non-empty 'history'"),
        ({"kind": "unanswerable"}, "kind 'unanswerable' needs answerable: false"),
        ({"id": None}, "'id' is missing"),
        ({"split": "train"}, "'split' must be one of dev, test, got 'train'"),
        ({"split": None}, "'split' must be one of dev, test, got None"),
        ({"trap": "tricky"}, "'trap' is for unanswerable questions only"),
        ({"kind": "unanswerable", "answerable": False, "key_facts": []}, "'trap' must be one of tricky, plain, got None"),
        ({"kind": "unanswerable", "answerable": False, "key_facts": [], "trap": "hard"}, "'trap' must be one of tricky, plain"),
    ],
)
def test_malformed_item_gives_one_line(change: dict, message: str) -> None:
    with pytest.raises(DatasetError) as caught:
        parse_questions([GOOD, {**GOOD, "id": "q2", **change}], "q.yaml")
    text = str(caught.value)
    assert message in text and "\n" not in text and text.startswith("q.yaml: item 2")


def test_duplicate_ids_and_bad_top_level() -> None:
    with pytest.raises(DatasetError, match="duplicate id 'q1'"):
        parse_questions([GOOD, GOOD])
    with pytest.raises(DatasetError, match="expected a non-empty YAML list"):
        parse_questions({"id": "q1"})


def test_plain_string_fact_is_one_variant() -> None:
    (question,) = parse_questions([{**GOOD, "key_facts": ["x", ["y", "z"]]}])
    assert question.key_facts == (("x",), ("y", "z"))


def test_unreadable_and_invalid_yaml(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="cannot read the question file"):
        load_questions(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("- id: q1\n  question: [unclosed\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"not valid YAML at line \d+"):
        load_questions(broken)


def test_select(questions_file: Path) -> None:
    questions = load_questions(questions_file)
    assert [q.id for q in select(questions, lang="en")] == ["en-sea", "en-followup"]
    assert [q.id for q in select(questions, ids=["en-sea", "fr-music"])] == ["fr-music", "en-sea"]
    assert len(select(questions, limit=2)) == 2
    with pytest.raises(DatasetError, match="unknown question id"):
        select(questions, ids=["nope"])
    with pytest.raises(DatasetError, match="no question left"):
        select(questions, ids=["fr-music"], lang="en")


def test_select_by_split(questions_file: Path) -> None:
    questions = load_questions(questions_file)
    assert [q.split for q in questions] == ["dev", "dev", "test", "test", "test"]
    assert [q.id for q in select(questions, split="dev")] == ["fr-music", "fr-visitors"]
    assert [q.id for q in select(questions, split="test", lang="fr")] == ["fr-unicorn"]
    assert len(select(questions, split="both")) == len(select(questions)) == 5


def test_spread_keeps_each_split_and_is_deterministic(questions_file: Path) -> None:
    questions = load_questions(questions_file)
    assert [q.id for q in spread(questions, 1)] == ["fr-music", "en-sea"]
    assert [q.id for q in spread(questions, 2)] == ["fr-music", "fr-visitors", "en-sea", "en-followup"]
    assert spread(questions, None) == questions and spread(questions, 9) == questions


def test_bundled_file_has_both_splits() -> None:
    questions = load_questions()
    splits = {name: [q for q in questions if q.split == name] for name in ("dev", "test")}
    original = [q for q in splits["dev"] if not q.id.startswith("d-")]
    assert len(original) == 126 and len(splits["dev"]) >= 126 + 60 and len(splits["test"]) >= 50
    assert {q.kind for q in splits["test"]} == {"single", "multi_doc", "unanswerable", "followup", "overview"}


def test_yaml_dump_roundtrip() -> None:
    (question,) = parse_questions(yaml.safe_load(yaml.safe_dump([GOOD])))
    assert question.id == "q1" and question.lang == "fr"
