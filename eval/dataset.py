"""Load and validate the question file (eval/questions.yaml) into plain dataclasses.

A malformed file raises `DatasetError` with one line saying which item and field is wrong.
Every question belongs to one split, fixed by id in the file: `dev` (tune on it) or `test`
(report on it, never tune on it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import yaml

LANGS = ("fr", "en")
KINDS = ("single", "multi_doc", "unanswerable", "followup", "overview")
SPLITS = ("dev", "test")
# Unanswerable questions only: `tricky` names what the corpus holds but asks what it does not say (the
# PDG of a company an article covers); `plain` is off-topic (general knowledge the corpus never covers).
TRAPS = ("tricky", "plain")
DEFAULT_QUESTIONS = Path(__file__).with_name("questions.yaml")


class DatasetError(ValueError):
    """The question file cannot be used; the message is one line."""


@dataclass(frozen=True)
class Evidence:
    source: str  # file name in the corpus
    quote: str  # exact text from that file


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    lang: str
    kind: str
    answerable: bool
    split: str = "dev"
    reference: str = ""
    key_facts: tuple[tuple[str, ...], ...] = ()  # each fact: accepted variants
    evidence: tuple[Evidence, ...] = ()
    history: tuple[str, ...] = ()  # earlier user turns, asked first (follow-ups)
    trap: str = ""  # unanswerable questions: "tricky" or "plain" (see TRAPS); "" for answerable ones

    @property
    def sources(self) -> tuple[str, ...]:
        """Distinct evidence file names (the relevant set for retrieval metrics)."""
        return tuple(dict.fromkeys(e.source for e in self.evidence))


def _fail(where: str, message: str) -> DatasetError:
    return DatasetError(f"{where}: {message}")


def _text(item: dict[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = item.get(key, "" if not required else None)
    if value is None or (required and isinstance(value, str) and not value.strip()):
        raise _fail(where, f"'{key}' is missing or empty")
    if not isinstance(value, str):
        raise _fail(where, f"'{key}' must be a string, got {type(value).__name__}")
    return value.strip()


def _id(item: dict[str, Any], where: str) -> str:
    value = str(item.get("id") if item.get("id") is not None else "").strip()
    if not value:
        raise _fail(where, "'id' is missing")
    return value


def _choice(item: dict[str, Any], key: str, allowed: Sequence[str], where: str) -> str:
    value = item.get(key)
    if value not in allowed:
        raise _fail(where, f"'{key}' must be one of {', '.join(allowed)}, got {value!r}")
    return str(value)


def _key_facts(raw: Any, where: str) -> tuple[tuple[str, ...], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _fail(where, "'key_facts' must be a list of facts (each a list of accepted strings)")
    facts = []
    for i, fact in enumerate(raw, start=1):
        variants = [fact] if isinstance(fact, str) else fact
        if not isinstance(variants, list) or not variants or not all(
            isinstance(v, (str, int, float)) and str(v).strip() for v in variants
        ):
            raise _fail(where, f"key fact {i} must be a non-empty list of non-empty strings")
        facts.append(tuple(str(v).strip() for v in variants))
    return tuple(facts)


def _evidence(raw: Any, where: str) -> tuple[Evidence, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _fail(where, "'evidence' must be a list of {source, quote}")
    found = []
    for i, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict) or not entry.get("source") or not isinstance(entry.get("quote"), str):
            raise _fail(where, f"evidence {i} must have a 'source' and a 'quote' string")
        found.append(Evidence(source=str(entry["source"]), quote=entry["quote"]))
    return tuple(found)


def _history(raw: Any, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(t, str) and t.strip() for t in raw):
        raise _fail(where, "'history' must be a list of earlier user questions")
    return tuple(t.strip() for t in raw)


def _trap(item: dict[str, Any], answerable: bool, where: str) -> str:
    if answerable:
        if item.get("trap") is not None:
            raise _fail(where, "'trap' is for unanswerable questions only")
        return ""
    return _choice(item, "trap", TRAPS, where)


def parse_question(item: Any, where: str) -> Question:
    """One YAML mapping -> Question, or DatasetError naming the faulty field."""
    if not isinstance(item, dict):
        raise _fail(where, "each question must be a mapping")
    answerable = item.get("answerable")
    if not isinstance(answerable, bool):
        raise _fail(where, f"'answerable' must be true or false, got {answerable!r}")
    question = Question(
        id=_id(item, where),
        question=_text(item, "question", where),
        lang=_choice(item, "lang", LANGS, where),
        kind=_choice(item, "kind", KINDS, where),
        answerable=answerable,
        split=_choice(item, "split", SPLITS, where),
        reference=_text(item, "reference", where, required=False),
        key_facts=_key_facts(item.get("key_facts"), where),
        evidence=_evidence(item.get("evidence"), where),
        history=_history(item.get("history"), where),
        trap=_trap(item, answerable, where),
    )
    if question.kind == "unanswerable" and question.answerable:
        raise _fail(where, "kind 'unanswerable' needs answerable: false")
    if question.kind == "followup" and not question.history:
        raise _fail(where, "kind 'followup' needs a non-empty 'history'")
    if question.answerable and not question.key_facts:
        raise _fail(where, "an answerable question needs 'key_facts'")
    return question


def parse_questions(data: Any, origin: str = "questions") -> list[Question]:
    """Validate a loaded YAML document (a list of mappings); ids must be unique."""
    if not isinstance(data, list) or not data:
        raise DatasetError(f"{origin}: expected a non-empty YAML list of questions")
    questions, seen = [], set()
    for index, item in enumerate(data, start=1):
        label = item.get("id") if isinstance(item, dict) else None
        where = f"{origin}: item {index}" + (f" (id {label})" if label else "")
        question = parse_question(item, where)
        if question.id in seen:
            raise _fail(where, f"duplicate id {question.id!r}")
        seen.add(question.id)
        questions.append(question)
    return questions


def load_questions(path: str | Path = DEFAULT_QUESTIONS) -> list[Question]:
    """Read and validate a question file."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise DatasetError(f"{path}: cannot read the question file ({err.strerror or err})") from err
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise DatasetError(f"{path}: not valid YAML{at}") from err
    return parse_questions(data, str(path))


def select(
    questions: Sequence[Question],
    *,
    ids: Sequence[str] | None = None,
    lang: str | None = None,
    split: str | None = None,
    limit: int | None = None,
) -> list[Question]:
    """The subset asked for: by id (unknown ids are an error), by split, by language, then the first `limit`."""
    chosen = list(questions)
    if ids:
        known = {q.id for q in chosen}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise DatasetError(f"unknown question id(s): {', '.join(unknown)}")
        wanted = set(ids)
        chosen = [q for q in chosen if q.id in wanted]
    if split not in (None, "both"):
        chosen = [q for q in chosen if q.split == split]
    if lang:
        chosen = [q for q in chosen if q.lang == lang]
    if limit is not None:
        chosen = chosen[: max(limit, 0)]
    if not chosen:
        raise DatasetError("no question left after filtering (check --split / --ids / --lang / --limit)")
    return chosen


def spread(questions: Sequence[Question], n: int | None) -> list[Question]:
    """At most `n` questions of each split, evenly spaced through the file (so every kind keeps a share).

    Used to run a slow configuration (a real LLM) on a deterministic sample rather than the first N.
    """
    if n is None:
        return list(questions)
    chosen: list[Question] = []
    for name in dict.fromkeys(q.split for q in questions):
        group = [q for q in questions if q.split == name]
        if n >= len(group):
            chosen += group
        elif n > 0:
            chosen += [group[(i * len(group)) // n] for i in range(n)]
    wanted = {q.id for q in chosen}
    return [q for q in questions if q.id in wanted]
