"""The kind of fact a question asks (a number, a date, a name) and whether a text holds one.

Used by the evidence stage (a sentence without the kind asked scores less), the abstention decision (evidence
without it is weighed) and the checks (a year is `YEAR_RE`, one definition).
"""

from __future__ import annotations

import re
from typing import Literal

Kind = Literal["number", "date", "name"]

_NUMBER_Q = re.compile(
    r"\b(combien|how many|how much|how long|quel(le)?s? (pourcentage|part|nombre|montant|prix|chiffre)|what (share|percentage|proportion|number|amount)|"
    r"percentage|montant|prix|price|cost)\b",
    re.I,
)
_DATE_Q = re.compile(r"\b(quand|quelle année|en quelle|depuis quand|à quelle date|when|what year|which year|in what year|(on )?what date)\b", re.I)
_NAME_Q = re.compile(
    r"^\s*(?:(?:et|and|mais|but|puis|then)\s+)?(qui|who|whom|whose)\b|\b(qui (a|est|sont|dirige|préside|distribue|signe)|who (is|was|are|were|composed|wrote|directed|founded|leads|runs|heads|said|distributes))\b"
    r"|\bquel(le)?s? (est|sont) (le|la|les) (nom|auteur|pdg|directeur|directrice|président|présidente|fondat\w+)\b"
    r"|\bwhich (company|person|actor|writer|firm|artist|director|composer|label)\b",
    re.I,
)
_NUMBER_RE = re.compile(r"\d[\d\u202f\u00a0 ,.]*\s*(%|‰)?|\b(deux|trois|quatre|cinq|six|sept|huit|neuf|dix|douze|quinze|vingt|trente|cent|mille|million|milliard|dozen|hundred|thousand|million|billion|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty)s?\b", re.I)
_NOT_QUANTITY = re.compile(
    r"\b(sections?|chapitres?|chapters?|annexes?|appendix|§|versions?|v)\s*\d[\d.]*|\b\d0['’]?s\b|\bannées\s+\d0\b|\w\(\d\w?\)", re.I)
YEAR_RE = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
_MONTH_RE = re.compile(
    r"\b(janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre|january|february|march|"
    r"april|may|june|july|august|september|october|november|december)\b",
    re.I,
)
_DAY_RE = re.compile(rf"\b\d{{1,2}}(er)?\s+{_MONTH_RE.pattern[2:-2]}\b|\b{_MONTH_RE.pattern[2:-2]}\s+\d{{1,2}}\b", re.I)
_NAME_RE = re.compile(r"\b[A-ZÀ-Ý][\w’'-]+(?:\s+(?:de |du |von |van |la |le )?[A-ZÀ-Ý][\w’'.-]+)+")
_CAPITAL_RE = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-ZÀ-Ý][\w’'-]{2,}")  # a capitalised word not opening a sentence


def expected_kind(question: str) -> Kind | None:
    """The kind of fact a question asks for: a date, a number or a name (None: open question)."""
    if _DATE_Q.search(question):
        return "date"
    if _NUMBER_Q.search(question):
        return "number"
    if _NAME_Q.search(question):
        return "name"
    return None


def asked_kind(question: str, followup: str = "") -> Kind | None:
    """The kind of fact asked; for a follow-up carrying its topic along, the follow-up's own kind first
    ("Et qui en est la présidente ? (Combien de … ?)" asks for a name, not a number)."""
    return (expected_kind(followup) if followup else None) or expected_kind(question)


def holds_kind(kind: Kind | None, text: str, question: str = "") -> bool | None:
    """Does `text` hold a fact of `kind` that the question does not already contain? (None: no kind asked)."""
    if kind is None:
        return None
    asked = question.lower()
    if kind == "date":
        found = [y for y in YEAR_RE.findall(text) if y not in asked] + _MONTH_RE.findall(text)
    elif kind == "number":
        quantities = _DAY_RE.sub(" ", YEAR_RE.sub(" ", text))  # a date or a year is not a quantity
        quantities = _NOT_QUANTITY.sub(" ", quantities)  # nor a section number, a version or a decade
        found = [m.group(0).strip() for m in _NUMBER_RE.finditer(quantities) if m.group(0).strip().lower() not in asked]
    else:
        if not re.search(r"\b[a-zà-ÿ]{2,}", text):
            text = re.sub(r"\([^)]*\)", " ", text)  # a heading's bracketed part ("2050 (Original … Soundtrack)") names no one
        found = [n for n in _NAME_RE.findall(text) + _CAPITAL_RE.findall(text) if n.lower() not in asked]
    return bool(found)
