"""Stated facts: the numbers, dates, names, commands, paths and identifiers a sentence states, and
whether a passage holds each one (issue 16's claim check; assistant/checks.py runs it).

Compared normalised: accents and case folded, spaces inside numbers dropped ("160 000" = "160000"),
decimal commas read as points ("2,5" = "2.5"), French and English number words read as digits
("deux" = "two" = "2"). A fact the question itself states is not a claim of the answer.
"""

from __future__ import annotations

import re
import unicodedata

_NUMBER_RE = re.compile(r"(?<![\w.])\d(?:[\d\u202f\u00a0 ]*\d)?(?:[.,]\d+)?(?![\w])")
_NAME_RE = re.compile(r"\b[A-ZÀ-Ý][\w’'-]+(?:\s+(?:de |du |von |van |la |le |da |di )?[A-ZÀ-Ý][\w’'-]+(?:\.[\w’'-]+)*)+")
_MARKER_RE = re.compile(r"\[\d+(?:\s*[,;]\s*\d+)*\]")  # the answer's own [n] markers
_CODE_RE = re.compile(r"`([^`\n]{1,80})`")
_IDENT_RE = re.compile(r"(?<![\w/])(?:--?[a-z][\w-]+|(?:/[\w.-]+){2,}|\w+(?:[._]\w+)*\.(?:conf|cfg|ini|ya?ml|json|txt|md|py|sh|html?|pdf)\b)")
_WORDS = {
    "un": 1, "une": 1, "one": 1, "deux": 2, "two": 2, "trois": 3, "three": 3, "quatre": 4, "four": 4,
    "cinq": 5, "five": 5, "six": 6, "sept": 7, "seven": 7, "huit": 8, "eight": 8, "neuf": 9, "nine": 9,
    "dix": 10, "ten": 10, "onze": 11, "eleven": 11, "douze": 12, "twelve": 12, "vingt": 20, "twenty": 20,
    "cent": 100, "hundred": 100, "mille": 1000, "thousand": 1000,
}
_WORD_RE = re.compile(rf"\b({'|'.join(_WORDS)})\b", re.I)
_SCALE = {"million": "000000", "millions": "000000", "milliard": "000000000", "milliards": "000000000", "billion": "000000000"}
# Sentence openers and common capitalised words that are no claim ("According to", "D'après").
_NOT_NAMES = re.compile(r"^(according|d[’']après|selon|the|le|la|les|l[’']|in|en|au|on|it|il|elle)\b", re.I)


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).lower().split())


def _number(raw: str) -> str:
    digits = re.sub(r"[\s\u202f\u00a0]", "", raw)
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", digits):  # thousands separators: 1,000 / 1.000
        return re.sub(r"[.,]", "", digits)
    return digits.replace(",", ".")


def numbers(text: str) -> set[str]:
    """The numbers `text` states, normalised (number words included)."""
    found = {_number(m.group(0)) for m in _NUMBER_RE.finditer(text)}
    found |= {str(_WORDS[m.group(1).lower()]) for m in _WORD_RE.finditer(text)}
    for m in re.finditer(r"(\d+(?:[.,]\d+)?)\s*(millions?|milliards?|billion)\b", text, re.I):
        value = m.group(1).replace(",", ".")
        if "." not in value:
            found.add(value + _SCALE[m.group(2).lower()])
    return found


def stated_facts(sentence: str) -> list[tuple[str, str]]:
    """(kind, fact) pairs: ("number", "160000"), ("name", "konstantinos lyrakis"), ("code", "--port")."""
    sentence = _MARKER_RE.sub(" ", sentence)
    facts = [("number", n) for n in sorted(numbers(sentence))]
    for name in _NAME_RE.findall(sentence):
        words = name.split()
        while words and _NOT_NAMES.match(words[0]):
            words = words[1:]
        if len(words) >= 2:
            facts.append(("name", fold(" ".join(words))))
    facts += [("code", fold(c.strip())) for c in _CODE_RE.findall(sentence)]
    facts += [("code", fold(i)) for i in _IDENT_RE.findall(sentence)]
    return list(dict.fromkeys(facts))


def missing_facts(sentence: str, passage: str, question: str = "") -> list[str]:
    """The facts `sentence` states that neither `passage` nor the question holds."""
    held_numbers = numbers(passage) | numbers(question)
    held_text = fold(passage) + " \n " + fold(question)
    missing = []
    for kind, fact in stated_facts(sentence):
        held = fact in held_numbers if kind == "number" else fact in held_text
        if not held:
            missing.append(fact)
    return missing
