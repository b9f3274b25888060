"""Questions about two things (issue 21, item 2), offline: split by a rule, each part retrieved and answered.

"Which company led the purchase of 10% of UMG, *and which* new ByteDance service draws on its catalogue?"
asks two facts that usually sit in two passages, often two documents. Retrieved and quoted as one
question, the three best sentences all answer its first half. So a question whose second half opens with
its own interrogative after "and" / "et" (", and how many …", "et dans quelle émission …") is split:

- `retrieve` keeps each part's best passages in the top-k (`part_hits`);
- `evidence` picks the best sentences of each part (`Tuning.compound_sentences` each), in the parts' order.

The second part carries the first along, as a follow-up carries the previous question ("and how many
subscribers did *it* announce" is about Netflix), and is scored as one. The abstention signals still weigh
the whole question.
"""

from __future__ import annotations

import re

from dataclasses import dataclass


_WH = (r"(which|what|how|who|whom|whose|when|where|why|since when|in which|in what|on what|by what|by how much|"
       r"quel|quelle|quels|quelles|lequel|laquelle|combien|comment|qui|où|quand|pourquoi|depuis quand|"
       r"dans (quel|quelle|quels|quelles)|à (quel|quelle|quels|quelles)|de (quel|quelle|quels|quelles)|"
       r"en (quel|quelle)|par (quel|quelle)|sur (quel|quelle)|avec (quel|quelle)|pour (quel|quelle))")
_JOIN = re.compile(rf",?\s+(?:and|et)\s+(?={_WH}\b)", re.I)
_MIN_WORDS = 3


@dataclass(frozen=True)
class Part:
    """One half of a compound question: `asked` as written, `query` with the first half carried along when it
    is the second one (like a follow-up: "comment le supprimer ? (Comment installer un paquet ?)")."""

    asked: str
    query: str


def parts(question: str) -> list[Part]:
    """The question's two parts when its second half is a question of its own ([] otherwise)."""
    join = _JOIN.search(question)
    if join is None:
        return []
    first, second = question[: join.start()].strip(" ,;?"), question[join.end():].strip(" ,;?")
    if len(first.split()) < _MIN_WORDS or len(second.split()) < _MIN_WORDS:
        return []
    first, second = first + " ?", second + " ?"
    return [Part(first, first), Part(second, f"{second} ({first})")]  # as question.carry_topic; no longer than the question


# A question whose answer is spread over documents: items named across the corpus ("Quels ouvrages … sont cités
# dans le corpus", "in two different articles", "l'une sur …, l'autre sur …").
_SEVERAL = re.compile(r"\b(dans (le|tout le) corpus|in the (whole )?corpus|across the corpus|(deux|two|plusieurs|several|"
                      r"different|différents|différentes) (articles?|documents?|textes?|texts?|pages?|sources?)|both|"
                      r"les deux|l[’']une?\b.*\bl[’']autre|one\b.*\bthe other)\b", re.I)


def asks_several(question: str) -> bool:
    """The question asks for things several documents say (a list across the corpus, "both", "l'une … l'autre")."""
    return bool(_SEVERAL.search(question))
