"""Stated facts of a sentence, and whether a passage holds them. Pure functions, no imports above core.

A *fact* is what a reader could check against a source: a number, a date, a quantity (number + unit),
a proper name, a command, a path, a URL or an identifier (package names with dots or dashes, versions,
options such as --purge). `extract_facts(sentence)` finds them; `missing_facts(sentence, passage)` lists
those the passage does not hold, after normalisation:

- numbers: "160 000" = "160,000" = "160000"; decimal comma "3,5" = "3.5"; French and English number words
  ("dix", "vingt-deux", "twelve"; "1,5 million" = 1500000);
- dates: "7 février 2020" = "February 7, 2020" = "2020-02-07" (compared as year / month / day);
- quantities: the number with its unit, units folded ("20 cm" = "20 centimètres", "3 Go" = "3 GB");
- names, commands, paths, identifiers: case, accents and typographic apostrophes folded, spaces collapsed;
  words joined by hyphens ("red-team", "e-mail") are held spaced or joined ("Red Team", "email").

Used by the eval (eval/metrics.py: stated facts not held by the cited passage) and meant for an
answer-time claim check. See docs/evaluation-corpora.md.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

FactKind = Literal["url", "path", "command", "identifier", "date", "quantity", "number", "name"]


@dataclass(frozen=True)
class Fact:
    kind: FactKind
    text: str  # as written in the sentence
    key: str  # normalised form compared with the passage's


# --- folding -----------------------------------------------------------------------------------

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "´": "'", "\u00a0": " ", "\u202f": " ", "\u2007": " "})


def fold(text: str) -> str:
    """NFKC, typographic apostrophes and non-breaking spaces folded, accents stripped, lowercase."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def squash(text: str) -> str:
    """`fold` with whitespace runs collapsed (for commands, paths, identifiers and names)."""
    return re.sub(r"\s+", " ", fold(text)).strip()


# --- number words --------------------------------------------------------------------------------

_UNITS_FR = "zero un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize".split()
_UNITS_EN = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = {"vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60, "twenty": 20, "thirty": 30,
         "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
NUMBER_WORDS: dict[str, int] = {
    **{w: i for i, w in enumerate(_UNITS_FR)}, **{w: i for i, w in enumerate(_UNITS_EN)},
    "dix-sept": 17, "dix-huit": 18, "dix-neuf": 19, "soixante-dix": 70, "quatre-vingt": 80, "quatre-vingts": 80,
    "quatre-vingt-dix": 90, "cent": 100, "cents": 100, "hundred": 100, "mille": 1000, "thousand": 1000,
    "douzaine": 12, "dozen": 12, **_TENS,
}
MULTIPLIERS = {"cent": 100, "cents": 100, "hundred": 100, "mille": 1000, "thousand": 1000, "million": 10**6,
               "millions": 10**6, "milliard": 10**9, "milliards": 10**9, "billion": 10**9, "billions": 10**9}
# Too ambiguous to count as a stated number in a sentence (articles, pronouns); a passage's "un" still
# holds the number 1.
_AMBIGUOUS = frozenset({"un", "une", "one", "zero", "cent", "cents", "a"})


def word_value(word: str) -> int | None:
    """ "vingt-deux" -> 22, "twenty-two" -> 22, "dix" -> 10, "soixante-et-onze" -> 71; None otherwise."""
    word = fold(word).replace("-et-", "-").replace(" et ", "-").replace(" ", "-")
    if word in NUMBER_WORDS:
        return NUMBER_WORDS[word]
    parts = word.split("-")
    if len(parts) >= 2 and parts[0] in ("soixante", "quatre") and "-".join(parts[:2]) in ("quatre-vingt", "quatre-vingts"):
        parts = ["quatre-vingt", *parts[2:]]
    if len(parts) == 2 and parts[0] in _TENS | {"quatre-vingt": 80} and parts[1] in NUMBER_WORDS:
        base = 80 if parts[0] == "quatre-vingt" else _TENS[parts[0]]
        unit = NUMBER_WORDS[parts[1]]
        if unit < 20 and (unit < 10 or base in (60, 80)):
            return base + unit
    return None


# --- patterns ------------------------------------------------------------------------------------

_MARKER = re.compile(r"\[\d+(?:\s*[,;]\s*\d+)*\]")
_URL = re.compile(r"\b(?:https?|ftp)://[^\s<>«»“”‘’\"')\]]+|\bwww\.[^\s<>«»“”‘’\"')\]]+", re.I)
_PATH = re.compile(r"(?<![\w/.:])(?:~|\.{1,2})?(?:/[\w.+@-]+){2,}/?|(?<![\w/])(?:~|\.{1,2})/[\w.+@-]+(?:/[\w.+@-]+)*/?|(?<![\w/:])/(?:etc|usr|var|bin|sbin|boot|dev|home|lib|opt|proc|root|run|srv|sys|tmp)\b/?")
_CODE = re.compile(r"`([^`\n]{2,80})`")
_VERSION = re.compile(r"(?<![\w.])\d+(?:\.\d+){2,}(?:[-+~][\w.+~]*\w)?(?![\w])|(?<![\w.])\d+(?:\.\d+)+[-+~]\w[\w.+~]*(?![\w])")
# French inversions and demonstratives are hyphenated words, not identifiers ("avez-vous", "celui-ci").
_HYPHEN_WORDS = re.compile(r"-(?:t-)?(?:vous|il|ils|elle|elles|on|je|tu|nous|ce|la|là|ci|meme|même|moi|toi|lui|leur|en|y)\b", re.I)
_OPTION = re.compile(r"(?<![\w-])--?[a-zA-Z][\w-]*(?:=\S+)?")
_IDENT = re.compile(r"(?<![\w.-])(?=[\w.+:-]*[a-zA-Z])(?=[\w.+:-]*\d|[\w+:-]*[a-zA-Z][._+:-][a-zA-Z0-9])[a-zA-Z0-9][\w+]*(?:[._+:-][\w+]+)+(?![\w-])|(?<![\w.-])[a-zA-Z]+\d[\w]*(?![\w.-])|(?<![\w.,-])\d+(?!(?:er|e|ere|eme|ème|ère|st|nd|rd|th|s)\b)[a-zA-Z]+\w*(?![\w-])")
_MONTHS = {
    **{m: i for i, m in enumerate("janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre".split(), 1)},
    **{m: i for i, m in enumerate("january february march april may june july august september october november december".split(), 1)},
    **{m: i for i, m in enumerate("jan feb mar apr jun jul aug sep sept oct nov dec".split(), 1) if m != "jun"},
    "jun": 6, "sept": 9, "fev": 2, "janv": 1, "avr": 4, "juil": 7, "dec": 12,
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DAY = r"(?P<d>[0-3]?\d)(?:er|st|nd|rd|th)?"
_YEAR = r"(?P<y>(?:1[5-9]|20|21)\d\d)"
_DATES = [
    re.compile(rf"\b(?P<y>\d{{4}})-(?P<m>[01]?\d)-(?P<d>[0-3]?\d)\b"),
    re.compile(rf"\b{_DAY}\s+(?P<mn>{_MONTH})\.?(?:,?\s+{_YEAR})?\b"),
    re.compile(rf"\b(?P<mn>{_MONTH})\.?\s+{_DAY}(?:,?\s+{_YEAR})?\b"),
    re.compile(rf"\b(?P<mn>{_MONTH})\.?\s+(?:de\s+|of\s+)?{_YEAR}\b"),
]
_NUMBER = re.compile(r"(?<![\w.,])[-+−]?\d{1,3}(?:([ ,.'])\d{3}(?:\1\d{3})*)(?:[.,]\d+)?(?![\w]|[.,]\d)|(?<![\w.,])[-+−]?\d+(?:[.,]\d+)?(?![\w]|[.,]\d)")
# "$3.4bn", "€7.16bn", "2 Mds €": a number with an abbreviated scale, the same fact as "3,4 milliards de dollars".
# ("4m" could be four metres, "4B" four bytes, "5K" a resolution: those stay as written.)
_SCALED = re.compile(r"(?<![\w.,])(\d+(?:[.,]\d+)?)\s?(bn|mn|mds?|mrds?)(?![\w])", re.I)
_SCALES = {"bn": 10**9, "md": 10**9, "mds": 10**9, "mrd": 10**9, "mrds": 10**9, "mn": 10**6}
_HYPHENED = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)+")
_WORD = re.compile(r"[^\W\d_]+(?:-(?:et-)?[^\W\d_]+)*")
UNITS: dict[str, str] = {}
for _canon, _names in {
    "%": "% pourcent pour-cent percent pct", "km": "km kilometre kilometres kilometer kilometers",
    "m": "m metre metres meter meters", "cm": "cm centimetre centimetres centimeter centimeters",
    "mm": "mm millimetre millimetres millimeter millimeters", "kg": "kg kilo kilos kilogramme kilogrammes kilogram kilograms",
    "g": "g gramme grammes gram grams", "t": "t tonne tonnes ton tons", "l": "l litre litres liter liters",
    "eur": "€ eur euro euros", "usd": "$ usd dollar dollars", "chf": "chf franc francs",
    "s": "s sec seconde secondes second seconds", "min": "min minute minutes", "h": "h heure heures hour hours",
    "day": "jour jours day days", "week": "semaine semaines week weeks", "month": "mois month months",
    "year": "an ans annee annees year years", "b": "o octet octets byte bytes", "kb": "ko kb kio kib kilooctet kilooctets kilobyte kilobytes",
    "mb": "mo mb mio mib megaoctet megaoctets megabyte megabytes", "gb": "go gb gio gib gigaoctet gigaoctets gigabyte gigabytes",
    "tb": "to tb tio tib teraoctet teraoctets terabyte terabytes", "px": "px pixel pixels", "bit": "bit bits",
    "ghz": "ghz", "mhz": "mhz", "w": "w watt watts", "kwh": "kwh", "person": "personne personnes people persons",
}.items():
    UNITS.update(dict.fromkeys(_names.split(), _canon))
_CONNECTORS = frozenset("de du des la le les d l van von der di da of the and et y & -".split())
_NOT_NAMES = frozenset(
    """le la les un une des du de au aux ce cet cette ces il elle ils elles on nous vous je tu son sa ses leur
    mais et ou donc or ni car si oui non selon dapres d'apres d l en dans pour par avec sans sur sous quand comme
    lorsque puis ensuite enfin aussi cependant toutefois pourtant ainsi alors voici voila reponse source sources
    the a an this that these those it its he she they we you i in on at for with by from to of and or but if so
    yes no according when while however then also there here answer note see voir chapitre chapter section
    french english francais anglais summary resume quoted corpus""".split()
)


def _value(text: str) -> float:
    """ "160 000" / "160,000" / "160.000" -> 160000 (groups of three digits, one separator); "3,5" -> 3.5."""
    t = text.replace("−", "-").replace("\u00a0", " ")
    grouped = re.fullmatch(r"([-+]?\d{1,3})([ ,.'])(\d{3}(?:\2\d{3})*)(?:[.,](\d+))?", t)
    if grouped:
        whole = grouped.group(1) + grouped.group(3).replace(grouped.group(2), "")
        return float(whole + ("." + grouped.group(4) if grouped.group(4) else ""))
    return float(t.replace(",", "."))


def _number_key(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _unit_after(text: str, end: int) -> tuple[str, int] | None:
    match = re.match(r"\s?(%|€|\$|[^\W\d_]+(?:-[^\W\d_]+)?)(?![\w'])", text[end:])
    if not match:
        return None
    unit = UNITS.get(fold(match.group(1)))
    return (unit, end + match.end()) if unit else None


def _clean(text: str) -> str:
    return _MARKER.sub(" ", unicodedata.normalize("NFKC", text).translate(_APOSTROPHES))


def extract_facts(sentence: str, *, names: bool = True) -> list[Fact]:
    """Every checkable fact stated in `sentence`, in order of kind (URLs first, names last)."""
    text, facts, taken = _clean(sentence), [], []

    def take(pattern: re.Pattern[str], kind: FactKind, group: int = 0) -> None:
        nonlocal text
        for match in pattern.finditer(text):
            found = match.group(group).rstrip(".,;:!?")
            if found.strip():
                facts.append(Fact(kind, found, squash(found).rstrip("/")))
                taken.append(match.span())
        text = _mask(text, taken)

    text = text.replace("```", "   ")  # Markdown code fences: their content is checked as plain text
    take(_CODE, "command", 1)
    take(_URL, "url")
    take(_PATH, "path")
    take(_VERSION, "identifier")
    take(_OPTION, "identifier")
    for match in _SCALED.finditer(text):
        value = round(_value(match.group(1)) * _SCALES[match.group(2).lower()], 3)
        fact, end = _quantity(text, match.start(), match.end(), value)
        facts.append(fact)
        taken.append((match.start(), end))
    text = _mask(text, taken)
    for match in _IDENT.finditer(text):
        found = match.group(0)
        if word_value(found) is None and not _HYPHEN_WORDS.search(found):
            if re.fullmatch(r"[^\W\d_]+(?:-[^\W\d_]+)+", found) and not found.isascii():
                continue  # "peut-être", "c'est-à-dire": words, not identifiers
            facts.append(Fact("identifier", found, squash(found)))
            taken.append(match.span())
    text = _mask(text, taken)
    folded = fold(text)
    scan = folded if len(folded) == len(text) else text
    for pattern in _DATES:
        for match in pattern.finditer(scan):
            facts.append(Fact("date", text[match.start() : match.end()], _date_key(match)))
            taken.append(match.span())
        text = _mask(text, taken)
        scan = _mask(scan, taken)
    facts += _numbers(text, taken)
    text = _mask(text, taken)
    if names:
        facts += _names(text)
    return facts


def _date_key(match: re.Match[str]) -> str:
    parts = match.groupdict()
    month = parts.get("m") or _MONTHS.get(fold(parts.get("mn") or ""), 0)
    day = parts.get("d")
    return f"{parts.get('y') or '*'}-{int(month):02d}-{int(day):02d}" if day else f"{parts.get('y') or '*'}-{int(month):02d}-*"


def _numbers(text: str, taken: list[tuple[int, int]]) -> list[Fact]:
    found: list[tuple[int, Fact]] = []
    for match in _NUMBER.finditer(text):
        value = _value(match.group(0))
        end = match.end()
        scale = re.match(r"\s?(millions?|milliards?|billions?|thousand|mille|hundred)\b", fold(text[end:]))
        if scale:
            value = round(value * MULTIPLIERS[scale.group(1)], 3)
            end += scale.end()
        fact, end = _quantity(text, match.start(), end, value)
        found.append((match.start(), fact))
        taken.append((match.start(), end))
    for match in _WORD.finditer(text):
        word = fold(match.group(0))
        value = word_value(word)
        if value is None or word in _AMBIGUOUS:
            continue
        end = match.end()
        scale = re.match(r"\s(millions?|milliards?|billions?|thousand|mille)\b", fold(text[end:]))
        if scale:
            value *= MULTIPLIERS[scale.group(1)]
            end += scale.end()
        fact, end = _quantity(text, match.start(), end, float(value))
        found.append((match.start(), fact))
        taken.append((match.start(), end))
    return [fact for _, fact in sorted(found, key=lambda pair: pair[0])]


def _quantity(text: str, start: int, end: int, value: float) -> tuple[Fact, int]:
    """The number, with its unit when one follows; and where the fact ends."""
    unit = _unit_after(text, end)
    if unit:
        return Fact("quantity", text[start : unit[1]].strip(), f"{_number_key(value)} {unit[0]}"), unit[1]
    return Fact("number", text[start:end].strip(), _number_key(value)), end


def _names(text: str) -> list[Fact]:
    """Runs of capitalised words (joined by de / of / von …) and acronyms; a sentence-initial capital
    counts only inside a run of two or more, or when written in capitals or mixed case (OMNSH, iPhone)."""
    words = list(re.finditer(r"[^\W\d_][\w&]*(?:[-'][^\W\d_][\w]*)*", text))
    facts, run = [], []
    for i, match in enumerate(words):
        word = match.group(0)
        capital = word[0].isupper() or (len(word) > 1 and any(c.isupper() for c in word[1:]))
        if run and not re.fullmatch(r"[ '’-]?", text[run[-1].end() : match.start()]):
            facts += _close(text, run)  # a run of name words is broken by anything but one space
            run = []
        if capital and fold(word) not in _NOT_NAMES:
            run.append(match)
            continue
        if run and fold(word) in _CONNECTORS and i + 1 < len(words) and words[i + 1].group(0)[0].isupper():
            gap = text[run[-1].end() : match.start()]
            if len(gap) <= 2:
                run.append(match)
                continue
        facts += _close(text, run)
        run = []
    facts += _close(text, run)
    return facts


def _close(text: str, run: list[re.Match[str]]) -> list[Fact]:
    while run and fold(run[-1].group(0)) in _CONNECTORS:
        run = run[:-1]
    if not run:
        return []
    start = run[0].start()
    before = text[:start].rstrip()
    sentence_start = not before or before[-1] in ".!?:;«»“”‘'\"(\n-*•|"
    single = len(run) == 1
    word = run[0].group(0)
    if sentence_start and single and not any(c.isupper() for c in word[1:]):
        return []
    span = text[start : run[-1].end()]
    return [Fact("name", span, " ".join(_name_tokens(span)))]


def _name_tokens(text: str) -> list[str]:
    return [t for t in re.findall(r"[a-z0-9]+", fold(text)) if t not in _CONNECTORS or len(t) > 3]


# --- what a passage holds ------------------------------------------------------------------------


@dataclass(frozen=True)
class Holdings:
    """The normalised facts of a passage, computed once and queried for many sentences."""

    text: str  # squash(passage)
    squeezed: str  # text without spaces (paths or commands broken over a line)
    tokens: frozenset[str]
    numbers: frozenset[str]
    quantities: frozenset[str]
    dates: tuple[str, ...]


@lru_cache(maxsize=512)
def holdings(passage: str) -> Holdings:
    text = _clean(passage)
    facts = extract_facts(text, names=False)
    numbers = {f.key.split(" ")[0] for f in facts if f.kind in ("number", "quantity")}
    numbers |= {_number_key(float(n)) for f in facts if f.kind == "identifier" for n in re.findall(r"\d+", f.key)}
    for match in _WORD.finditer(fold(text)):
        value = word_value(match.group(0))
        if value is not None:
            numbers.add(str(value))
    for date in (f.key for f in facts if f.kind == "date"):
        numbers.update(str(int(p)) for p in date.split("-") if p != "*")
    squashed = squash(text)
    return Holdings(
        text=squashed,
        squeezed=squashed.replace(" ", ""),
        tokens=frozenset(re.findall(r"[a-z0-9]+", squashed)),
        numbers=frozenset(numbers),
        quantities=frozenset(f.key for f in facts if f.kind == "quantity"),
        dates=tuple(f.key for f in facts if f.kind == "date"),
    )


def _date_held(key: str, dates: tuple[str, ...], numbers: frozenset[str]) -> bool:
    year, month, day = key.split("-")
    for other in dates:
        oy, om, od = other.split("-")
        if om == month and (day == "*" or od in (day, "*")) and (year == "*" or oy in (year, "*")):
            if (day == "*" or od == day) and (year == "*" or oy == year):
                return True
            if year != "*" and oy == "*" and year in numbers and (day == "*" or od == day):
                return True  # "le 7 février ... en 2020"
    return False


def fact_held(fact: Fact, passage: str) -> bool:
    """True when `passage` states `fact` (normalised as described in the module docstring)."""
    held = holdings(passage)
    if fact.kind in ("url", "path", "command", "identifier"):
        if fact.key in held.text or fact.key.replace(" ", "") in held.squeezed:
            return True
        # Words joined by a hyphen ("red-team", "e-mail") are the same term spaced or joined ("Red Team", "email").
        return fact.kind == "identifier" and bool(_HYPHENED.fullmatch(fact.key)) and (
            fact.key.replace("-", " ") in held.text or fact.key.replace("-", "") in held.squeezed)
    if fact.kind == "date":
        return _date_held(fact.key, held.dates, held.numbers)
    if fact.kind == "quantity":
        number, unit = fact.key.split(" ", 1)
        if fact.key in held.quantities:
            return True
        unit_words = {w for w, c in UNITS.items() if c == unit}
        symbols = {w for w in unit_words if not w.isalnum()}  # "€", "$", "%": not words of the squashed text
        return number in held.numbers and bool(unit_words & held.tokens or unit in held.text or any(w in passage for w in symbols))
    if fact.kind == "number":
        return fact.key in held.numbers
    return all(token in held.tokens for token in fact.key.split())


def missing_facts(sentence: str, passage: str) -> list[Fact]:
    """The facts `sentence` states that `passage` does not hold (empty: every fact is supported)."""
    return [fact for fact in extract_facts(sentence) if not fact_held(fact, passage)]
