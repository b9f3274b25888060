"""What a question asks for, more precisely than a number: part of the abstention decision (`weigh`).

`kinds.holds_kind` says whether the chosen sentences hold *a* number, date or name. A question naming
the thing it counts ("Quel est le salaire mensuel de … ?", "Combien de térawattheures … ?") is only answered
by an amount of that thing: a sentence about the same people that holds some other number ("plusieurs
dizaines de milliers de modérateurs") is a nearby sentence, not the answer. So:

- `asked_measure`: the measure a question asks for (money, energy, data size, distance) or a calendar day,
  from the words that ask it ("quel est le prix", "how much did … pay", "combien de gigaoctets", "what is
  the distance", "on what date");
- `holds_measure`: the evidence states an amount of that measure (a currency, a unit) or a day ("13 juillet");
- `strict_kind`: the question asks for a count or a calendar date in so many words ("combien", "how many",
  "en quelle année", "on what date"), so evidence without one does not answer it. "Quand / when" is not
  strict: "when packages have broken dependencies" answers "when is the resolver invoked?".

Measured on the eval's dev questions (docs/grounding.md); the decision declines on a missing measure or a
missing strict kind when `Tuning.strict_kind` is on.
"""

from __future__ import annotations

import re
from typing import Literal

from core.text import WORD_RE, fold, guess_language, stemmer, stopwords

Measure = Literal["money", "energy", "data size", "distance", "day", "version", "size"]

# The words that ask for an amount of money: a price, a cost, a salary, a revenue or a profit asked for
# itself ("au même prix" or "a share of revenues" ask for something else).
_MONEY_Q = re.compile(
    r"\b(combien (a |ont |avait |avaient )?(co[uû]t\w*|pay\w*|gagn\w*|touch\w*|rapport\w*|dépens\w*)"
    r"|quel(le)?s? (est |était |sont )?(le |la |les )?(prix|salaire|montant|co[uû]t|budget|chiffre d.affaires|bénéfice|revenu|rémunération)"
    r"|how much (did|does|do|is|was|were|will|would)\b.*\b(pay|paid|cost|earn|spend|spent|charge|make)"
    r"|what (was |is |were )?((?:[\w-]+ ){0,3}[\w-]+['’]s )?(annual |monthly |net |weekly )?(salary|pay|price|cost|profit|revenue|budget|fee|wage)s?)\b",
    re.I,
)
_MONEY = re.compile(r"€|\$|£|¥|\b(euros?|dollars?|yens?|francs?|livres sterling|pounds?|usd|eur)\b", re.I)

# A unit named in the question, and the amounts that state it. The short symbols are matched with their
# case, and "Go", "To", "Mo" only after a number ("To which writer…" asks for no data size).
_UNITS: dict[Measure, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "energy": (re.compile(r"\b(térawattheures?|terawatt[- ]?hours?|gigawattheures?|kilowattheures?|(?-i:[kMGT]Wh))\b", re.I),
               re.compile(r"\d\s*(?-i:[kMGT]Wh)\b|wattheure|watt[- ]?hour", re.I)),
    "data size": (re.compile(r"\b(gigaoctets?|mégaoctets?|téraoctets?|gigabytes?|megabytes?|terabytes?|(?-i:GB|MB|TB|GiB|MiB))\b", re.I),
                  re.compile(r"\d\s*(?-i:[kMGT]i?[oB])\b|\d\s*(kilo|méga|mega|giga|téra|tera)(octet|byte)", re.I)),
    "distance": (re.compile(r"\b(kilom[eè]tres?|kilometers?|kilometres?|miles?|distance)\b", re.I),
                 re.compile(r"\d\s*(km|kilom|miles?|m\b|mètres?|meters?|metres?)", re.I)),
}

# "On what date …" asks for a day: a year alone ("2019") does not answer it.
_MONTHS = (r"(janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre|january|february|"
           r"march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\.?")
_DAY_Q = re.compile(r"\b(on what date|à quelle date|what date|quelle date|quel jour|what day)\b", re.I)
_DAY = re.compile(rf"\b\d{{1,2}}(er|st|nd|rd|th)?\s+{_MONTHS}|\b{_MONTHS}\s+\d{{1,2}}\b|\b\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}\b"
                  r"|\b\d{4}-\d{2}-\d{2}\b", re.I)

# "In which version of aptitude …", "depuis quelle version": a version number (a codename alone is a name, not checked).
_VERSION_Q = re.compile(r"\b((which|what) (version|release)|quelle (version|publication|mouture)|depuis quelle version)\b", re.I)
_VERSION = re.compile(r"\b\d+(\.\d+)+\b|\b(version|release|v)\s*\d+", re.I)
# "How large is the image ?", "quelle est la taille de …": an amount, so a number.
_SIZE_Q = re.compile(r"\b(how (large|big|heavy|tall|wide)|what size|what is the size|quelle (est la )?taille|quel (est le )?poids)\b", re.I)
_SIZE = re.compile(r"\d")

_STRICT = re.compile(
    r"\b(combien|how many|how much|quel(le)?s? (nombre|montant|pourcentage)|what (number|amount|percentage)"
    r"|(en |dans )?quelle année|à quelle date|what year|which year|on what date|what date)\b",
    re.I,
)


def asked_measure(question: str) -> Measure | None:
    """The measure the question asks an amount of (None: none of these)."""
    if _MONEY_Q.search(question):
        return "money"
    if _DAY_Q.search(question):
        return "day"
    if _VERSION_Q.search(question):
        return "version"
    if _SIZE_Q.search(question):
        return "size"
    for measure, (asked, _) in _UNITS.items():
        if asked.search(question):
            return measure
    return None


def holds_measure(measure: Measure | None, text: str) -> bool | None:
    """`text` states an amount of `measure` (None: no measure asked)."""
    if measure is None:
        return None
    if measure == "money":
        return bool(_MONEY.search(text))
    if measure == "day":
        return bool(_DAY.search(text))
    if measure == "version":
        return bool(_VERSION.search(text))
    if measure == "size":
        return bool(_SIZE.search(text))
    return bool(_UNITS[measure][1].search(text))


def strict_kind(question: str) -> bool:
    """The question asks for a count, an amount or a calendar date in so many words."""
    return bool(_STRICT.search(question))


# "Combien de membres compte …", "how many mirrors …", "le nombre de bogues": the thing the question counts.
_COUNTED_Q = re.compile(
    r"\b(?:combien\s+(?:de|d['’])|how\s+many|nombre\s+(?:de|d['’])|number\s+of)\s*((?:[\w-]+\s*){1,4})", re.I)
_CARDINAL = re.compile(
    r"^(\d[\d\u202f\u00a0 ,.]*|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|quinze|vingt|trente|quarante|"
    r"cinquante|soixante|cent|cents|mille|millions?|milliards?|dizaines?|centaines?|milliers?|two|three|four|five|six|seven|"
    r"eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundreds?|thousands?|millions?|billions?|dozens?)$", re.I)
_YEAR = re.compile(r"^(1[5-9]\d\d|20\d\d)$")
_BEFORE, _AFTER = 4, 6  # words between a number and the thing it counts ("1000 software packages", "le nombre de
# cinémas qui ont diffusé Roma : 900"); a number right after the thing, or after "n°", names one ("le bogue n° 516394")
_NOT_COUNTED = frozenset({"temps", "time", "fois", "times"})  # "combien de temps": a duration, not a count of things
_NAMING = frozenset({"n", "no", "nº", "num", "numéro", "number", "nr"})


def counted_thing(question: str) -> str | None:
    """The stem of the thing a question counts ("Combien de *membres* compte …", "how many open *bugs* …"):
    French names it first, English last among the content words that follow the cue (None: no count asked)."""
    found = _COUNTED_Q.search(question)
    if not found:
        return None
    words = []
    for word in WORD_RE.findall(found.group(1)):
        if word.lower() in stopwords() or fold(word.lower()) in stopwords():
            break
        words.append(word)
    if not words:
        return None
    head = words[0] if guess_language(question) == "fr" else words[-1]
    if head.lower() in _NOT_COUNTED:
        return None
    return stemmer().stemWord(head.lower())


def counts_thing(thing: str | None, text: str) -> bool | None:
    """Does `text` state a number of `thing` (a cardinal within a few words of it, not a year or an ordinal)?
    None when no count is asked or `text` never names the thing (another wording, another language: no
    judgement); False when it names the thing but counts it nowhere ("le premier épisode", "les bogues ouverts")."""
    if thing is None:
        return None
    words = WORD_RE.findall(text)
    stems = [stemmer().stemWord(w.lower()) for w in words]
    places = [i for i, stem in enumerate(stems) if stem == thing]
    if not places:
        return None
    for i in places:
        near = [*range(max(0, i - _BEFORE), i), *range(i + 2, min(len(words), i + _AFTER + 1))]
        for j in near:
            if (_CARDINAL.match(words[j]) and not (_YEAR.match(words[j]) and j != i - 1)
                    and words[j - 1].lower() not in _NAMING):
                return True
    return False


# "What was David Zaslav's pay in 2022?": a figure of another year (2021) is a nearby sentence, not the answer.
# A year after a word that places in time; a bare number is a title as often ("le film 2050", and "la bande
# originale de 2050": "de" and "du" do not place in time).
_YEAR_IN = re.compile(r"\b(?:in|en|of|pour|for|during|durant|pendant|depuis|since|année|year|an|au|fin|début|end|"
                      r"start|mid|mi|before|after|avant|après)\s+(1[5-9]\d\d|20\d\d)\b", re.I)


def asked_years(question: str) -> list[str]:
    """The years the question places itself in ("in 2022", "en 2019"; not "en quelle année", not "le film 2050")."""
    return list(dict.fromkeys(_YEAR_IN.findall(question)))


def holds_years(years: list[str], texts: list[str]) -> bool | None:
    """One of `texts` states every year in `years` (None: no year stated by the question)."""
    if not years:
        return None
    return any(all(re.search(rf"\b{y}\b", t) for y in years) for t in texts)

