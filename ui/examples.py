"""Example questions the bundled corpus answers, in French and English (one click to ask).

Each one is checked against corpus/ by tests/ui/test_ui_examples.py: the answer's key words
(`EVIDENCE`) must appear in the corpus.
"""

from __future__ import annotations

EXAMPLES: list[tuple[str, str]] = [
    ("fr", "Qui a composé la musique du film 2050 ?"),
    ("fr", "Combien de professionnels le syndicat SAG-AFTRA représente-t-il ?"),
    ("fr", "Quel est le rôle des travailleurs du clic à Moscou ?"),
    ("en", "What share of Japan's audio music market revenues did streaming claim in 2019?"),
    ("en", "What does end-to-end encryption prevent, according to Mark Zuckerberg?"),
]

# Words the answer to each example must find in the corpus (same order as EXAMPLES).
EVIDENCE: list[tuple[str, ...]] = [
    ("Konstantinos Lyrakis", "2050"),
    ("160 000 professionnels", "SAG-AFTRA"),
    ("travailleurs du clic", "Moscou"),
    ("19.3%", "audio music market"),
    ("End-to-end encryption prevents",),
]


def questions() -> list[str]:
    return [q for _, q in EXAMPLES]
