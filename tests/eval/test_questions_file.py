"""Integrity of the hand-written question set (eval/questions.yaml) against the corpus.

Fast and offline: reads the YAML file and the corpus text files, nothing else. Checks the
schema, the dev/test split (fixed by id: test ids start with "t-"), the minimum counts the
evaluation relies on (overall and in the test split), that every evidence quote really is in its
source file, and that every key fact can be found in the item's evidence.

Text is compared after a light normalisation (defined here, independent of the eval package):
Unicode NFKC, typographic apostrophes -> ', non-breaking spaces -> space, whitespace runs
collapsed to one space. Key facts are matched case-insensitively on top of that.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS_FILE = ROOT / "eval" / "questions.yaml"
CORPUS_DIR = ROOT / "corpus"

LANGS = {"fr", "en"}
KINDS = {"single", "multi_doc", "unanswerable", "followup", "overview"}
SPLITS = {"dev", "test"}
TEST_ID_PREFIX = "t-"
NEW_DEV_PREFIX = "d-"  # dev items added after the split (issue 16: tricky unanswerable d-tr-*, look-alikes d-an-*)
REQUIRED_FIELDS = {
    "id": str,
    "split": str,
    "question": str,
    "lang": str,
    "kind": str,
    "answerable": bool,
    "reference": str,
    "key_facts": list,
    "evidence": list,
    "history": list,
}
QUOTE_MIN, QUOTE_MAX = 20, 300

MIN_TOTAL = 70
MIN_EN_ABOUT_FRENCH = 18
MIN_UNANSWERABLE = 12
MIN_MULTI_DOC = 6
MIN_FOLLOWUP = 6
MIN_PER_SOURCE = 3  # "several questions" per corpus file
DEV_SIZE = 126  # the original items, tuned on before the split existed: all dev
# The test split (reporting only) must keep enough of each kind to report on.
MIN_TEST = {"total": 50, "overview": 8, "followup": 6, "unanswerable": 8, "multi_doc": 4, "en_about_french": 12}

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2007": " "})


def normalise(text: str) -> str:
    """NFKC, ’ -> ', non-breaking spaces -> space, whitespace runs -> one space, stripped."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).translate(_SPACES)
    return re.sub(r"\s+", " ", text).strip()


def fold(text: str) -> str:
    """`normalise` plus case-folding, for key-fact matching."""
    return normalise(text).casefold()


# Crude but deterministic language guess for an evidence quote: French function words and
# accented letters against English function words. Used only to count "English question about
# French text" items.
_FR_WORDS = frozenset(
    "le la les des du de est une un et pour qui que dans sur par au aux avec pas ont sont son sa ses "
    "leur leurs ce cette il elle ils elles nous vous se d l qu s c n j été être où aussi plus comme ou mais".split()
)
_EN_WORDS = frozenset(
    "the of and to in is for with by that was were its it are from has have be this an which their they at as".split()
)
_FR_LETTERS = frozenset("éèêàçùâîôûœ")


def looks_french(text: str) -> bool:
    norm = fold(text)
    words = re.findall(r"[^\W\d_]+", norm)
    french = sum(w in _FR_WORDS for w in words) + sum(ch in _FR_LETTERS for ch in norm)
    english = sum(w in _EN_WORDS for w in words)
    return french > english


@lru_cache(maxsize=1)
def load_items() -> list:
    data = yaml.safe_load(QUESTIONS_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, list) and data, f"{QUESTIONS_FILE} must hold a non-empty YAML list"
    return data


@lru_cache(maxsize=None)
def corpus_text(name: str) -> str:
    return normalise((CORPUS_DIR / name).read_text(encoding="utf-8"))


def corpus_files() -> set[str]:
    return {p.name for p in CORPUS_DIR.glob("*.txt")}


def _param_id(item, index: int) -> str:
    return str(item.get("id")) if isinstance(item, dict) and item.get("id") else f"item{index}"


ITEMS = load_items()
PARAMS = [pytest.param(item, id=_param_id(item, i)) for i, item in enumerate(ITEMS, start=1)]


def sources_of(item: dict) -> list[str]:
    return list(dict.fromkeys(e["source"] for e in item["evidence"]))


def fact_found_in(variants: list[str], haystack: str) -> bool:
    hay = fold(haystack)
    return any(fold(str(v)) and fold(str(v)) in hay for v in variants)


# --- whole-file checks --------------------------------------------------------------------


def test_paths_exist():
    assert QUESTIONS_FILE.is_file(), QUESTIONS_FILE
    assert len(corpus_files()) >= 5, f"expected the 5 corpus files in {CORPUS_DIR}"


def test_ids_are_unique():
    counts = Counter(item.get("id") for item in ITEMS if isinstance(item, dict))
    assert not [i for i, n in counts.items() if n > 1], "duplicate ids"


def test_questions_are_unique():
    counts = Counter(
        (normalise(item["question"]), tuple(item.get("history") or ())) for item in ITEMS if isinstance(item, dict)
    )
    assert not [q for q, n in counts.items() if n > 1], "duplicate questions"


def test_minimum_counts():
    kinds = Counter(item["kind"] for item in ITEMS)
    assert len(ITEMS) >= MIN_TOTAL
    assert kinds["unanswerable"] >= MIN_UNANSWERABLE
    assert sum(1 for item in ITEMS if item["answerable"] is False) >= MIN_UNANSWERABLE
    assert kinds["multi_doc"] >= MIN_MULTI_DOC
    assert kinds["followup"] >= MIN_FOLLOWUP
    assert {item["lang"] for item in ITEMS} == LANGS


def test_english_questions_about_french_text():
    about_french = [
        item["id"]
        for item in ITEMS
        if item["lang"] == "en" and any(looks_french(e["quote"]) for e in item["evidence"])
    ]
    assert len(about_french) >= MIN_EN_ABOUT_FRENCH, about_french


def test_every_corpus_file_is_a_gold_source():
    used = Counter(source for item in ITEMS for source in sources_of(item))
    missing = corpus_files() - set(used)
    assert not missing, f"corpus files never used as evidence: {sorted(missing)}"
    thin = {name: n for name, n in used.items() if n < MIN_PER_SOURCE}
    assert not thin, f"files with fewer than {MIN_PER_SOURCE} questions: {thin}"


def test_split_is_fixed_by_id():
    wrong = [item["id"] for item in ITEMS if item["id"].startswith(TEST_ID_PREFIX) != (item["split"] == "test")]
    assert not wrong, f"test items (and only they) have ids starting with {TEST_ID_PREFIX!r}: {wrong}"
    original = [item for item in ITEMS if item["split"] == "dev" and not item["id"].startswith(NEW_DEV_PREFIX)]
    assert len(original) == DEV_SIZE, "the dev split is the original 126 items plus the d-* ones"
    assert all(item["split"] == "dev" for item in ITEMS if item["id"].startswith(NEW_DEV_PREFIX))


def test_trap_classifies_every_unanswerable_item():
    for item in ITEMS:
        assert ("trap" in item) == (item["answerable"] is False), item["id"]
    dev = [item for item in ITEMS if item["split"] == "dev"]
    assert sum(item.get("trap") == "tricky" for item in dev) >= 30 + 8, "the calibration set: 30+ new tricky dev items"
    look_alikes = [item for item in dev if item["id"].startswith("d-an-")]
    assert len(look_alikes) >= 30 and all(item["answerable"] for item in look_alikes)


def test_test_split_minimum_counts():
    test = [item for item in ITEMS if item["split"] == "test"]
    kinds = Counter(item["kind"] for item in test)
    about_french = [i for i in test if i["lang"] == "en" and any(looks_french(e["quote"]) for e in i["evidence"])]
    assert len(test) >= MIN_TEST["total"]
    for kind in ("overview", "followup", "unanswerable", "multi_doc"):
        assert kinds[kind] >= MIN_TEST[kind], f"test split: {kinds[kind]} {kind} < {MIN_TEST[kind]}"
        assert {i["lang"] for i in test if i["kind"] == kind} == LANGS, f"test split: {kind} needs both languages"
    assert len(about_french) >= MIN_TEST["en_about_french"]


def test_test_questions_do_not_repeat_dev_ones():
    dev = {normalise(item["question"]).casefold() for item in ITEMS if item["split"] == "dev"}
    repeated = [item["id"] for item in ITEMS if item["split"] == "test" and normalise(item["question"]).casefold() in dev]
    assert not repeated, f"test questions copied from dev: {repeated}"


def test_every_kind_has_both_languages():
    for kind in KINDS:
        langs = {item["lang"] for item in ITEMS if item["kind"] == kind}
        assert langs == LANGS, f"kind {kind!r} only has {sorted(langs)}"


# --- per-item checks ----------------------------------------------------------------------


@pytest.mark.parametrize("item", PARAMS)
def test_fields_and_types(item):
    assert isinstance(item, dict)
    missing = REQUIRED_FIELDS.keys() - item.keys()
    assert not missing, f"missing fields {sorted(missing)}"
    for field, kind in REQUIRED_FIELDS.items():
        assert isinstance(item[field], kind), f"{field!r} must be a {kind.__name__}"
    for field in ("id", "question", "reference"):
        assert item[field].strip(), f"{field!r} is empty"
    assert item["lang"] in LANGS
    assert item["kind"] in KINDS
    assert item["split"] in SPLITS
    for fact in item["key_facts"]:
        assert isinstance(fact, list) and fact, "each key fact is a non-empty list of variants"
        assert all(isinstance(v, str) and normalise(v) for v in fact), "key fact variants are non-empty strings"
    for entry in item["evidence"]:
        assert isinstance(entry, dict) and set(entry) == {"source", "quote"}, "evidence entries are {source, quote}"
        assert isinstance(entry["source"], str) and isinstance(entry["quote"], str)
    assert all(isinstance(turn, str) and turn.strip() for turn in item["history"]), "history holds user turns"


@pytest.mark.parametrize("item", PARAMS)
def test_kind_consistency(item):
    kind = item["kind"]
    if kind == "unanswerable":
        assert item["answerable"] is False
    else:
        assert item["answerable"] is True, "only kind 'unanswerable' items are unanswerable"
    if item["answerable"]:
        assert item["key_facts"], "an answerable item needs key facts"
        assert item["evidence"], "an answerable item needs evidence"
    else:
        assert item["key_facts"] == [] and item["evidence"] == [], "unanswerable items have no key facts or evidence"
    if kind == "followup":
        assert item["history"], "a follow-up needs the earlier turn(s)"
    else:
        assert item["history"] == [], "only follow-ups carry a history"
    if kind == "multi_doc":
        assert len(sources_of(item)) >= 2, "multi_doc items cite at least two distinct files"
    if kind in ("single", "overview"):
        assert len(sources_of(item)) == 1, f"{kind} items cite exactly one file (use multi_doc otherwise)"


@pytest.mark.parametrize("item", PARAMS)
def test_evidence_quotes_are_in_their_sources(item):
    available = corpus_files()
    for entry in item["evidence"]:
        source, quote = entry["source"], normalise(entry["quote"])
        assert source in available, f"unknown source {source!r}"
        assert QUOTE_MIN <= len(quote) <= QUOTE_MAX, f"quote length {len(quote)} outside {QUOTE_MIN}-{QUOTE_MAX}"
        assert quote in corpus_text(source), f"quote not found in {source}: {quote[:80]!r}"


@pytest.mark.parametrize("item", PARAMS)
def test_key_facts_are_supported(item):
    quotes = " ".join(e["quote"] for e in item["evidence"])
    for fact in item["key_facts"]:
        supported = fact_found_in(fact, quotes) or any(
            fact_found_in(fact, corpus_text(source)) for source in sources_of(item) if source in corpus_files()
        )
        assert supported, f"no variant of {fact} in the evidence quotes or gold files"


@pytest.mark.parametrize("item", [p for p in PARAMS if isinstance(p.values[0], dict) and p.values[0].get("kind") == "multi_doc"])
def test_multi_doc_facts_come_from_several_files(item):
    """The key facts of a multi-document question must, together, draw on at least two files."""
    supporting = set()
    for fact in item["key_facts"]:
        for entry in item["evidence"]:
            if fact_found_in(fact, entry["quote"]):
                supporting.add(entry["source"])
    assert len(supporting) >= 2, f"key facts only supported by {sorted(supporting)}"
