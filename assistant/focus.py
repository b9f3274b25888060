"""The focus check (part of `weigh`): the chosen evidence must state the relation the question asks about,
not just its names.

"Qui est le PDG de Tencent ?" names Tencent, which the corpus holds; its *focus* is "PDG". A sentence about
Tencent that says nothing of a chief executive does not answer it, however many names it shares. So:

- the question's focus terms are its content words (stemmed, accent-folded) minus the names it mentions
  (core.facts names, identifiers, quoted titles) and minus words that only say what kind of fact is asked
  ("combien", "année", "how many"…);
- a small bilingual lexicon (FOCUS_GROUPS) lets a French sentence state an English focus and back
  ("salary" ~ "salaire" ~ "rémunération", "CEO" ~ "PDG" ~ "dirige");
- `concept_share` (the signal the decision uses) is the best share, over the evidence sentences, of the
  lexicon concepts the question asks about that the sentence states (a word of the group, or one sharing its
  first 5 letters: "salaire" ~ "salaires"); when a kind of fact is asked (a number, a date, a name), only
  sentences holding that kind count (abstain._focus). A question asking about no lexicon concept is not
  checked: on dev, requiring every focus word (`focus_share`) declined too many answerable questions;
- only the question's first focus word counts (`Tuning.focus_head_terms`): the question's head says what
  it asks, the words after it place it ("… according to the report on energy consumption").

The decision (abstain.decide) declines below `Tuning.focus_min_share`, calibrated on the eval's dev split.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from core.facts import extract_facts, fact_held
from core.text import content_terms

# Concepts a question asks about, in French and English; any word of a group states the others.
FOCUS_GROUPS: tuple[str, ...] = (
    "pdg ceo directeur directrice dirige dirigeant chief executive président présidente chairman préside chef leader",
    "salaire salary pay paid payé rémunération rémunéré earn earned earns gagne gagné touche wage",
    "membres members adhérents représente represents syndiqués affiliés",
    "prix price coût cost coûte costs coûté tarif fee euros dollars abonnement subscription",
    "fondateur fondatrice founder fondé founded fonde créé created creator créateur",
    "capacité capacity places seats",
    "port ports portage portages",
    "défaut default",
    "chiffre affaires revenue revenues recettes ventes sales",
    "bénéfice profit profits",
    "budget budgets",
    "né née naissance born birth",
    "mort morte décès décédé died death dead meurt",
    "employés employees salariés staff emploie employs employ employé workers employeur employer emploient",
    "utilisateurs users abonnés subscribers clients customers",
    "composé compositeur composer composed musique music score bande",
    "âge age old ans",
    "publié publiée published paru parution sorti sortie released release",
    "épisodes episodes épisode episode",
    "téléspectateurs audience spectateurs",
    "université university",
    "investi investissement invested investment invests",
    "paramètres parameters",
    "profondeur depth deep profond",
    "vendu vendus sold exemplaires copies",
    "électricité electricity consomme consumption consomment",
    "installé installées installed",
)

# Words that say what kind of fact is asked, not what it is about.
_KIND_WORDS = frozenset(content_terms(
    "combien nombre number quelle année year date quand when many much total quel quelle quels quelles "
    "exact exactement précisément what which who où where comment how compte compter count counts"
))
# Words that place the relation in time ("l'actuel chef", "the current leader"): the relation is the word after.
_PLACING_WORDS = frozenset(content_terms("actuel actuelle actuels actuelles actuellement current currently présent aujourd'hui today now"))
# Words that qualify the amount asked ("net profit", "annual salary", "chiffre d'affaires brut"): the relation is the noun.
_QUALIFYING_WORDS = frozenset(content_terms("net nette gross brut brute annual annuel annuelle monthly mensuel mensuelle weekly "
                                            "hebdomadaire total totale average moyen moyenne"))
# An identifier ("Aptitude::ProblemResolver::Non-Default-Level", "/etc/apt/apt.conf") names a thing: the words
# inside it state no relation ("Non-Default-Level" does not say what the default is).
_IDENTIFIER = re.compile(r"\S*(?:::|/|=|[A-Za-z]-[A-Z])\S*")
_QUOTED = re.compile(r"[«“\"]\s*([^»”\"]{2,80}?)\s*[»”\"]")
# "In which Debian release …", "dans quelle version …": the release is the kind of fact asked (a name or a number),
# not a relation ("released" in "when was the film released?" is one).
_WHICH_RELEASE = re.compile(r"\b(?:which|what|quelle|dans quelle|in which)\s+(?:[\w-]+\s+){0,2}?(releases?|versions?|publications?)\b", re.I)
_BORN = re.compile(r"\bn[ée]e?s?\b", re.I)  # "né", "née": too short to be a content word
_BORN_TERM = content_terms("naissance")[0]
_PREFIX = 5


@lru_cache(maxsize=1)
def _groups() -> list[frozenset[str]]:
    return [frozenset(content_terms(g)) for g in FOCUS_GROUPS]


def focus_terms(question: str) -> list[str]:
    """The question's focus: its content terms that are neither names it mentions nor kind-of-fact words."""
    named: set[str] = set()
    for fact in extract_facts(question):
        named.update(content_terms(fact.text))
    for quoted in _QUOTED.findall(question):
        named.update(content_terms(quoted))
    named -= set().union(*_groups())  # "PDG", "CEO" are written like names but are what is asked
    for asked in _WHICH_RELEASE.findall(question):
        named.update(content_terms(asked))
    terms = [t for t in dict.fromkeys(_terms(question)) if t not in named and t not in _KIND_WORDS and t not in _PLACING_WORDS
             and t not in _QUALIFYING_WORDS]
    return terms


def _terms(text: str) -> list[str]:
    return content_terms(text) + ([_BORN_TERM] if _BORN.search(text) else [])


def _related(term: str) -> set[str]:
    out = {term}
    for group in _groups():
        if term in group or any(len(term) >= _PREFIX and g[:_PREFIX] == term[:_PREFIX] for g in group):
            out |= group
    return out


def stated(term: str, sentence_terms: set[str]) -> bool:
    """The sentence states `term` itself, a word sharing its first 5 letters, or a lexicon synonym."""
    prefixes = {t[:_PREFIX] for t in sentence_terms if len(t) >= _PREFIX}
    for word in _related(term):
        if word in sentence_terms or (len(word) >= _PREFIX and word[:_PREFIX] in prefixes):
            return True
    return False


def concepts(question: str, head: int = 0) -> list[frozenset[str]]:
    """The lexicon concepts (FOCUS_GROUPS) the question asks about: "PDG", "salaire", "prix", "membres"…;
    with `head`, only those among its first `head` focus terms (what the question asks, not the words that
    place it: "How many smartphones … according to the report on *energy consumption*")."""
    found: list[frozenset[str]] = []
    terms = focus_terms(question)
    for term in terms[:head] if head else terms:
        for group in _groups():
            if group not in found and term in group:  # exact: "directed" is not "directeur"
                found.append(group)
    return found


def concept_share(question: str, sentences: list[str], head: int = 0) -> float | None:
    """The best share, over `sentences`, of the question's lexicon concepts (`concepts`) a sentence states
    (None: the question asks about no concept of the lexicon)."""
    return _best_share(concepts(question, head), sentences, lambda group, terms: any(stated(w, terms) for w in group))


def question_facts_held(question: str, passages: list[str]) -> bool | None:
    """The years and numbers the question states ("en 2019", "in 2022") stand in one of `passages`
    (None: the question states none). A figure asked for another year is not the one asked."""
    wanted = [f for f in extract_facts(question, names=False) if f.kind in ("date", "number", "quantity")]
    if not wanted:
        return None
    return any(all(fact_held(f, p) for f in wanted) for p in passages)


def focus_share(question: str, sentences: list[str]) -> float | None:
    """The best share of the question's focus terms stated by one of `sentences` (None: no focus)."""
    return _best_share(focus_terms(question), sentences, stated)


def _best_share(wanted: list, sentences: list[str], is_stated: Callable[[Any, set[str]], bool]) -> float | None:
    """The best share, over `sentences`, of `wanted` that `is_stated(item, sentence_terms)` (None: nothing wanted)."""
    if not wanted:
        return None
    best = 0.0
    for sentence in sentences:
        terms = set(_terms(_IDENTIFIER.sub(" ", sentence)))
        best = max(best, sum(is_stated(w, terms) for w in wanted) / len(wanted))
    return best
