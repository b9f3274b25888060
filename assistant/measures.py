"""What a question asks for, more precisely than a number: part of the abstention decision (`weigh`).

`evidence.holds_kind` says whether the chosen sentences hold *a* number, date or name. A question naming
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

Measure = Literal["money", "energy", "data size", "distance", "day"]

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
    return bool(_UNITS[measure][1].search(text))


def strict_kind(question: str) -> bool:
    """The question asks for a count, an amount or a calendar date in so many words."""
    return bool(_STRICT.search(question))
