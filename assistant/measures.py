"""What a question asks for, more precisely than a number: part of the abstention decision (`weigh`).

`kinds.holds_kind` says whether the chosen sentences hold *a* number, date or name. A question naming
the thing it counts ("Quel est le salaire mensuel de … ?", "Combien de térawattheures … ?") is only answered
by an amount of that thing: a sentence about the same people that holds some other number ("plusieurs
dizaines de milliers de modérateurs") is a nearby sentence, not the answer. So:

- `asked_measure`: the measure a question asks for (money, energy, data size, distance) or a calendar day,
  from the words that ask it ("quel est le prix", "how much did … pay", "combien de gigaoctets", "what is
  the distance", "on what date");
- `holds_measure`: the evidence states an amount of that measure (a currency, a unit) or a day ("13 juillet");
- with `Tuning.technical_measures`, what documentation is asked for too: a file or a directory ("in which log
  file", "où est stocké …": a path or a file name the question does not already name), a time of day, a
  frequency ("how often"), a duration ("how long is …"), a rate (a percentage), an IRC channel ("#debian"), a
  programming language, a minimum version. "In which log file does apt record its history?" is not answered by
  a sentence about /etc/apt/sources.list either, but that one names a file: these catch only the evidence
  that names none;
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

Measure = Literal["money", "energy", "data size", "distance", "day", "version", "size", "file", "directory", "time",
                  "frequency", "duration", "rate", "channel", "language", "unit", "bandwidth", "group", "role"]
# Amounts of something a passage must be about (`Tuning.measure_named`): a price in a passage naming another company
# answers nothing. A file, a time or a language is checked by itself.
AMOUNTS: frozenset[str] = frozenset({"money", "energy", "data size", "distance", "day", "size"})

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

# "In which log file …", "where on disk is … stored", "quel fichier …": a path or a file name ("/etc/apt/sources.list",
# "default.target", "~/.aptitude"); a sentence about the file's contents that names none does not answer it.
_FILE_Q = re.compile(
    r"\b((which|what) ([\w-]+ ){0,2}(file|directory|folder)s?|where on (the )?disk|where (is|are) ([\w'’?-]+ ){1,8}(stored|kept|saved|written|located)"
    r"|(quel|quels) ([\w-]+ ){0,2}(fichiers?|répertoires?|dossiers?)|dans quel (fichier|répertoire|dossier)"
    r"|où (est|sont) ([\w'’?-]+ ){1,8}(stockée?s?|enregistrée?s?|rangée?s?|conservée?s?|placée?s?))\b", re.I)
_PATH = re.compile(r"(?<![\w:/])[~.]?[\w.+-]*/[\w./+-]*")
_FILE_NAME = re.compile(r"\b[\w+-]+\.(conf|cfg|list|log|txt|ini|d|sh|gz|xz|deb|dsc|xml|json|ya?ml|rc|desktop|service|target|socket|timer|"
                        r"html?|py|pl|el|db|lock|status|bak|old|sources|preferences)\b|(?<![\w.])\.[a-z][\w-]*rc\b", re.I)


def _files(text: str) -> list[str]:
    """The paths ("/etc/apt/sources.list", "indices/Maintainers", "~/.aptitude") and file names ("default.target") in `text`."""
    return [m.group(0).rstrip(".,;:") for m in _PATH.finditer(text)] + [m.group(0) for m in _FILE_NAME.finditer(text)]


# "At what time of day …", "à quelle heure …": a time ("16:00", "4 pm", "midi", "UTC" with a number).
_TIME_Q = re.compile(r"\b((at )?what time|à quelle heure|quelle heure|(at )?which hour)\b", re.I)
_TIME = re.compile(r"\b\d{1,2}\s?(:|h)\s?\d{2}\b|\b\d{1,2}\s?(a\.?m\.?|p\.?m\.?|h|heures?|o['’]clock)\b|\b(midi|minuit|noon|midnight)\b", re.I)

# "Which directory …", "dans quel répertoire": a path that is a folder ("/var/cache/apt/archives/", "pool/main"), not a file.
_DIRECTORY_Q = re.compile(r"\b((which|what) ([\w-]+ ){0,2}(directory|folder)|(quel|dans quel) ([\w-]+ ){0,2}(répertoire|dossier))\b", re.I)
_VERSION_MORE_Q = re.compile(r"\b((minimum|minimal|required|latest|current|first|last|oldest) version|version (minimale|requise|actuelle))\b", re.I)
# "How often …", "à quelle fréquence": a frequency ("tous les jours", "weekly", "deux fois par an").
_FREQUENCY_Q = re.compile(r"\b(how often|how frequently|(à|a) quelle (fréquence|périodicité)|tous les combien)\b", re.I)
_FREQUENCY = re.compile(r"\b(tous les|toutes les|chaque|every|each|daily|weekly|monthly|yearly|annually|hourly|nightly|"
                        r"quotidien\w*|hebdomadaire\w*|mensuel\w*|annuel\w*|par (jour|semaine|mois|an|heure)|per (day|week|month|year|hour)|"
                        r"(fois|times) (par|a|an|per)|once|twice)\b", re.I)
# "How long is the documentary …", "quelle est la durée …": a number of a unit of time.
_DURATION_Q = re.compile(r"\b(how long (is|was|does|did|do|will|would|are|were)\b|quelle (est la )?durée|combien de temps|dure-t-(il|elle))", re.I)
_DURATION = re.compile(r"\d[\d ,.]*\s*(secondes?|seconds?|s\b|minutes?|min\b|mn\b|heures?|hours?|h\b|jours?|days?|semaines?|weeks?|mois|months?|"
                       r"ans?|années?|years?)|\b(une|un|one|a|an|deux|two|trois|three|quatre|four|cinq|five|six|sept|seven|huit|eight|neuf|nine|dix|ten|"
                       r"douze|twelve|quinze|fifteen|vingt|twenty|trente|thirty|plusieurs|several|quelques|a few) (secondes?|seconds?|minutes?|heures?|hours?|"
                       r"jours?|days?|semaines?|weeks?|mois|months?|ans?|années?|years?)\b", re.I)
# "Quel est le taux de …", "what rate …": a percentage.
_RATE_Q = re.compile(r"\b(quel(le)? (est (le |la ))?(taux|pourcentage)|what (is the )?(rate|percentage)|at what rate)\b", re.I)
_RATE = re.compile(r"%|\b(pour ?cent|percent|per cent)\b", re.I)
# "Which IRC channel …", "sur quel canal IRC": a channel name ("#debian").
_CHANNEL_Q = re.compile(r"\b(irc channel|canal irc|salon irc|channel on irc)\b", re.I)
_CHANNEL = re.compile(r"(?<![\w&])#[\w.-]+")
# "In which programming language is … written": a language's name.
_LANGUAGE_Q = re.compile(r"\b(programming language|langage de programmation|(en|dans) quel langage|(which|what) language (is|was) [\w -]+ written|written in (which|what))\b", re.I)
_LANGUAGE = re.compile(r"(?<![\w+])(C\+\+|C|Perl|Python|shell|Bash|sh|Java|Ruby|Rust|Go|OCaml|Haskell|JavaScript|PHP|Lisp|Tcl|Tk|Pascal|"
                       r"Fortran|Ada|Scheme|Emacs Lisp|awk|sed|assembl\w+|assembly)(?![\w+])")
# "In which unit is Installed-Size expressed?": a unit's name.
_UNIT_Q = re.compile(r"\b((in )?(which|what) units?|(en|dans) quelle unité|quelle unité)\b", re.I)
_UNIT = re.compile(r"\b(octets?|bytes?|bits?|kilo-?octets?|kilobytes?|m[ée]ga-?octets?|megabytes?|[kKMGT]i?[Bo]|Kio|Mio|Gio|"
                   r"secondes?|seconds?|minutes?|mètres?|meters?|metres?|watts?|[kMGT]?Wh|pixels?|points?|caract[èe]res?|characters?|"
                   r"blocs?|blocks?|sectors?|secteurs?|pages?|lignes?|lines?)\b")
# "What minimum bandwidth …", "quel débit …": a rate of data ("10 Mbit/s", "2 Mo/s").
_BANDWIDTH_Q = re.compile(r"\b((minimum|what|which) (bandwidth|connection speed)|(quel|quelle) (débit|bande passante)|"
                          r"(débit|bande passante) (minimum|minimale|nécessaire|requise?))\b", re.I)
_BANDWIDTH = re.compile(r"\d[\d ,.]*\s*([kKMGT]i?(bit|b|o|B)(it)?s?/s|[kKMGT]?bps|[kKMGT]bits?|[kKMGT]?bauds?)\b")
# "Which group must a user be added to …", "à quel groupe …": a group's name ("le groupe audio", "the audio group").
_GROUP_Q = re.compile(r"\b((which|what) (user |unix |system )?group|(à |dans )?quel groupe)\b", re.I)
_GROUP = re.compile(r"\bgroupe?s?\s+[«“\"'`]?[a-z][\w-]*|[«“\"'`][a-z][\w-]*[»”\"'`]\s+group\b|\b[a-z][\w-]*\s+group\b", re.I)

# "Quel poste … occupe-t-il ?", "what is his job title?": a job title ("directeur exécutif", "maintainer"), from a
# list of titles in both languages ("quel rôle" is left out: an actor's role is a character).
_ROLE_Q = re.compile(r"\b(job titles?|(what|which) (position|post|job)|what (is|was) (his|her|their) (job|position|job title)|"
                     r"quel poste|quels postes|quelle fonction|quel métier|quel (est|était) son (poste|métier))\b", re.I)
_ROLE = re.compile(
    r"\b(directeur|directrice|director|président|présidente|president|pdg|ceo|cto|cfo|coo|chef|chief|head|responsable|"
    r"manager|gérant|officer|vice|fondat\w+|founder|co-?founder|cofondat\w+|rédact\w+|editor|journalist\w*|reporter|"
    r"product\w+|producer|réalisat\w+|ingénieur\w*|engineer|professeur\w*|professor|chercheu\w+|researcher|"
    r"développeu\w+|developer|mainteneur|maintainer|secrétaire|secretary|trésori\w+|treasurer|leader|coordinat\w+|"
    r"porte-parole|spokes\w+|analyst\w*|consultant\w*|conseill\w+|advis[eo]r|ministre|minister|maire|mayor|député\w*|"
    r"sénat\w+|senator|doctorant\w*|étudiant\w*|student|photograph\w+|sociologue|sociologist|économiste|economist|"
    r"avocat\w*|lawyer|négociat\w+|negotiator|employé\w*|employee|salarié\w*|stagiaire|intern|animat\w+|host|"
    r"présentat\w+|commissaire|délégué\w*|delegate|administrat\w+|architect\w*|designer|programm\w+|scénariste|"
    r"writer|auteur|author|acteur|actrice|actor|actress|dirigeant\w*|executive|exécuti\w+|vp|patron\w*|boss)\b", re.I)

_STRICT = re.compile(
    r"\b(combien|how many|how much|quel(le)?s? (nombre|montant|pourcentage)|what (number|amount|percentage)"
    r"|(en |dans )?quelle année|à quelle date|what year|which year|on what date|what date)\b",
    re.I,
)


# The measures a question may ask, in the order they are looked for: money, a day, a version, a size; then, with
# `technical`, those of documentation (a "minimum version" only when nothing else is asked); then a unit it names.
_ASKED: tuple[tuple[Measure, re.Pattern[str]], ...] = (
    ("money", _MONEY_Q), ("day", _DAY_Q), ("version", _VERSION_Q), ("size", _SIZE_Q))
_TECHNICAL_Q: tuple[tuple[Measure, re.Pattern[str]], ...] = (
    ("time", _TIME_Q), ("frequency", _FREQUENCY_Q), ("duration", _DURATION_Q), ("rate", _RATE_Q), ("channel", _CHANNEL_Q),
    ("language", _LANGUAGE_Q), ("unit", _UNIT_Q), ("bandwidth", _BANDWIDTH_Q), ("group", _GROUP_Q),
    ("directory", _DIRECTORY_Q), ("file", _FILE_Q), ("version", _VERSION_MORE_Q), ("role", _ROLE_Q))
_UNITS_Q: tuple[tuple[Measure, re.Pattern[str]], ...] = tuple((m, asked) for m, (asked, _) in _UNITS.items())
# What states each measure in a text (files, directories and versions are checked against the question too).
_STATED: dict[Measure, re.Pattern[str]] = {
    "money": _MONEY, "day": _DAY, "version": _VERSION, "size": _SIZE, "time": _TIME, "frequency": _FREQUENCY,
    "duration": _DURATION, "rate": _RATE, "channel": _CHANNEL, "language": _LANGUAGE, "unit": _UNIT,
    "bandwidth": _BANDWIDTH, "group": _GROUP, "role": _ROLE, **{m: stated for m, (_, stated) in _UNITS.items()}}


def asked_measure(question: str, technical: bool = False) -> Measure | None:
    """The measure the question asks an amount of (None: none of these); `technical`: the measures of
    documentation too (a file, a directory, a time of day…: `Tuning.technical_measures`)."""
    order = _ASKED + (_TECHNICAL_Q if technical else ()) + _UNITS_Q
    return next((measure for measure, asked in order if asked.search(question)), None)


def holds_measure(measure: Measure | None, text: str, question: str = "") -> bool | None:
    """`text` states an amount of `measure` (None: no measure asked); a version or a path the question itself
    states ("aptitude 0.8.13", "default.target") is not the one asked."""
    if measure is None:
        return None
    asked = question.lower()
    if measure == "directory":
        return any(_is_directory(p) and p.lower() not in asked for p in (m.group(0).rstrip(".,;:") for m in _PATH.finditer(text)))
    if measure == "file":  # a file the question names is not the one asked, wherever its path puts it
        return any(f.lower() not in asked and not _named_file(f, asked) for f in _files(text) if f.strip("/.~"))
    if measure == "version" and question:
        return any(m.group(0).strip().lower() not in asked for m in _VERSION.finditer(text))
    return bool(_STATED[measure].search(text))


def _named_file(path: str, asked: str) -> bool:
    """The file name at the end of `path` ("default.target" of "/lib/systemd/system/default.target") is in `asked`."""
    name = path.rstrip("/").rsplit("/", 1)[-1].lower()
    return "." in name.strip(".") and name in asked


def _is_directory(path: str) -> bool:
    """A path naming a folder: it ends with "/" or its last part has no extension ("pool/main", not "sources.list")."""
    return "/" in path and "." not in path.rsplit("/", 1)[1]


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


# "Debian 14", "LlaMA 2", "Office 365": a number naming a version or a model. "Quel sera le nom de code de Debian 14 ?"
# is not answered by a sentence about code names that never says 14.
_NAMED_NUMBER = re.compile(r"\b[A-Z][\w+-]*\s+(\d+(?:\.\d+)*)\b")


def named_numbers(question: str) -> list[str]:
    """The numbers the question names a thing with ("Debian 14", "LlaMA 2"; a year is `asked_years`' business)."""
    return list(dict.fromkeys(n for n in _NAMED_NUMBER.findall(question) if not re.fullmatch(r"1[5-9]\d\d|20\d\d", n)))


def holds_years(years: list[str], texts: list[str]) -> bool | None:
    """One of `texts` states every year (or number) in `years` (None: none stated by the question)."""
    if not years:
        return None
    return any(all(re.search(rf"\b{y}\b", t) for y in years) for t in texts)

