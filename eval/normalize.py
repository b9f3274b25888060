"""French-aware text normalisation shared by every answer metric.

``normalize("L’été 2020, 160 000 visiteurs !") == "ete 2020 160000 visiteurs"``

Steps, in order: Unicode NFKC; typographic apostrophes and quotes folded to ASCII;
lowercase; accents stripped; digit groups joined ("160 000", "160,000", "160.000",
"160 000" all become "160000") and a decimal comma becomes a point ("3,5" -> "3.5");
then the text is split into word / number tokens (punctuation dropped, elisions such as
"l'", "d'", "qu'" split off) and articles / determiners are removed.
"""

from __future__ import annotations

import re
import unicodedata

# Removed by `tokens` (and therefore by every answer metric): articles, partitives, elided forms.
ARTICLES: frozenset[str] = frozenset({"le", "la", "les", "l", "un", "une", "des", "du", "de", "d", "the", "a", "an"})

# Function words ignored when judging whether a passage supports a sentence (fr + en).
STOPWORDS: frozenset[str] = ARTICLES | frozenset(
    """
    au aux ce ces cet cette c ca il ils elle elles on nous vous je j tu me m te t se s y en
    et ou mais donc or ni car que qu qui quoi dont ou est sont etait etaient ete etre a ai as avons avez ont
    avait avaient sera seront fait par pour avec sans sous sur dans entre vers chez plus moins tres pas ne n
    son sa ses leur leurs notre nos votre vos mon ma mes ton ta tes lui eux meme aussi comme si tout tous toute
    toutes cela ceci celui celle ceux celles lorsqu lorsque puisqu jusqu selon ainsi alors
    of to in on at by for with from as is are was were be been being it its this that these those
    and or but not no so if than then there their they them he she his her we our you your i my me
    has have had do does did will would can could should may might which who whom what when where why how
    also about into over after before such
    """.split()
)

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "«": '"', "»": '"', "“": '"', "”": '"'})
# 1-3 digits, then groups of exactly 3 digits behind ONE consistent separator (space, nbsp, narrow nbsp, , . ').
_DIGIT_GROUPS = re.compile(r"(?<![\d.,])\d{1,3}(?P<sep>[ \u00a0\u202f,.'])\d{3}(?:(?P=sep)\d{3})*(?!\d)")
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[^\W\d_]+|\d+")
_MARKER = re.compile(r"\[\d+(?:\s*[,;]\s*\d+)*\]")


def strip_accents(text: str) -> str:
    """Remove combining marks: "été" -> "ete", "ça" -> "ca"."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def join_digit_groups(text: str) -> str:
    """Make "160 000", "160,000", "160.000" and "160000" the same token; "3,5" -> "3.5"."""
    joined = _DIGIT_GROUPS.sub(lambda m: re.sub(r"\D", "", m.group(0)), text)
    return _DECIMAL_COMMA.sub(".", joined)


def strip_markers(text: str) -> str:
    """Drop citation markers such as "[2]" or "[1, 3]"."""
    return _MARKER.sub(" ", text)


def fold(text: str) -> str:
    """Case-, accent-, apostrophe- and number-format-insensitive form of `text` (punctuation kept)."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    return join_digit_groups(strip_accents(text.lower()))


def tokens(text: str, *, drop_articles: bool = True) -> list[str]:
    """Word and number tokens of `text` after `fold`, articles removed unless told otherwise."""
    found = _TOKEN.findall(fold(text))
    return [t for t in found if not (drop_articles and t in ARTICLES)]


def normalize(text: str) -> str:
    """`tokens` joined by single spaces: the canonical form compared by the metrics."""
    return " ".join(tokens(text))


def content_words(text: str) -> list[str]:
    """Tokens that carry meaning: normalised, stopwords (fr + en) removed, markers ignored."""
    return [t for t in tokens(strip_markers(text)) if t not in STOPWORDS]


def contains_phrase(haystack: str, needle: str) -> bool:
    """True when `needle`'s normalised tokens appear contiguously in `haystack`'s."""
    wanted = normalize(needle)
    return bool(wanted) and f" {wanted} " in f" {normalize(haystack)} "
