"""normalize(): the cleaning rules and the offsets back into the original text."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.clean import normalize

WS = " \n"


def boundaries(clean: str, offsets: list[int]) -> list[int]:
    """Word boundaries that don't fall inside a multi-character expansion (see ingest.clean)."""
    n = len(clean)
    return [
        i
        for i in range(n + 1)
        if i in (0, n) or (offsets[i - 1] < offsets[i] and (clean[i - 1] in WS or clean[i] in WS))
    ]


def check_offsets(text: str, clean: str, offsets: list[int]) -> None:
    assert len(offsets) == len(clean) + 1
    assert all(0 <= o <= len(text) for o in offsets)
    assert all(a <= b for a, b in zip(offsets, offsets[1:]))


# --- rules --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("e\u0301te\u0301", "été"),  # combining accents composed
        ("\ufb01n \ufb02ux", "fin flux"),  # ligatures
        ("Attends\u2026", "Attends..."),
        ("a\u00a0b\u202fc\u2009d\u2007e\u3000f\tg", "a b c d e f g"),
        ("zéro\u200blargeur\u200c\u200d\u2060\ufeff", "zérolargeur"),
        ("coupure\u00adde mot", "coupurede mot"),
        ("ctrl\x00\x07\x1b\x7f\x85\x9fchars", "ctrl\nchars"),
        ("a\r\nb\rc", "a\nb\nc"),
        ("a    b  \t c", "a b c"),
        ("  ligne  \n   autre   ", "ligne\nautre"),
        ("p1\n\n\n\n\np2\n \n \n\np3", "p1\n\np2\n\np3"),
        ("p1\n\np2", "p1\n\np2"),
        ("\n\n  texte  \n\n", "texte"),
        ("", ""),
        (" \n\t\u00a0\u200b ", ""),
    ],
)
def test_rules(raw: str, expected: str) -> None:
    clean, offsets = normalize(raw)
    assert clean == expected
    check_offsets(raw, clean, offsets)


def test_offsets_point_at_the_source() -> None:
    raw = "  Le\u00a0\u00a0cafe\u0301\r\n\r\n\r\n\ufb01n\u2026 "
    clean, offsets = normalize(raw)
    assert clean == "Le café\n\nfin..."
    assert offsets[0] == 2 and raw[offsets[3] : offsets[7]] == "cafe\u0301"
    assert raw[offsets[9] : offsets[len(clean)]] == "\ufb01n\u2026"
    assert offsets[-1] == len(raw) - 1  # end of the last kept character, not of the text
    assert offsets[9] == offsets[10]  # "fi" both come from the ligature


def test_empty_text_offsets() -> None:
    assert normalize("") == ("", [0])
    assert normalize("  \n ") == ("", [0])


# --- flattened exports --------------------------------------------------------------------
def test_flattened_export_becomes_paragraphs() -> None:
    blocks = ["TITRE DU BLOC", "x" * 400 + ".", "UNE SECTION", "y" * 400 + ".", "FIN " + "z" * 300]
    raw = "  " + " | ".join(blocks[:2]) + " | | " + " | ".join(blocks[2:]) + " |  | "
    clean, offsets = normalize(raw)
    assert clean.split("\n\n") == blocks
    check_offsets(raw, clean, offsets)
    pos = 0
    for block in blocks:
        a = clean.index(block, pos)
        b = a + len(block)
        assert raw[offsets[a] : offsets[b]].rstrip(" |") == block
        pos = b


@pytest.mark.parametrize(
    "raw",
    [
        "court | texte | avec | des | tubes",  # short line: untouched
        "a" * 600 + " | " + "b" * 600 + " | " + "c" * 10,  # long but only 2 separators
        "a" * 1200 + "|b|c|d",  # pipes without spaces are not separators
    ],
)
def test_pipes_left_alone(raw: str) -> None:
    assert normalize(raw)[0] == raw


# --- properties ---------------------------------------------------------------------------
TRICKY = list(" \t\n\r\u00a0\u202f\u2009\u200b\u00ad\ufeff\x00\x07\x85\u2028|.,e\u0301\u0308\ufb01\u2026\u00a8\u3000\uac00\u1100\u1161Éa")
TEXT = st.text(alphabet=st.one_of(st.sampled_from(TRICKY), st.characters(codec="utf-8")), max_size=300)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXT, data=st.data())
def test_spans_between_word_boundaries_round_trip(text: str, data: st.DataObject) -> None:
    clean, offsets = normalize(text)
    check_offsets(text, clean, offsets)
    assert clean == clean.strip(WS) and "\n\n\n" not in clean and "  " not in clean
    bounds = boundaries(clean, offsets)
    a = data.draw(st.sampled_from(bounds))
    b = data.draw(st.sampled_from([i for i in bounds if i >= a]))
    assert normalize(text[offsets[a] : offsets[b]])[0] == clean[a:b].strip(WS)


@settings(max_examples=200, deadline=None)
@given(text=TEXT)
def test_normalize_is_idempotent(text: str) -> None:
    clean, _ = normalize(text)
    again, offsets = normalize(clean)
    assert again == clean
    if clean:
        assert offsets == list(range(len(clean) + 1))


BLOCK = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="|\n\r\x85\u2028\u2029\x0b\x0c\x1c\x1d\x1e"), min_size=0, max_size=120)


@settings(max_examples=100, deadline=None)
@given(blocks=st.lists(BLOCK, min_size=4, max_size=30), filler=st.integers(1001, 1500))
def test_flattened_blocks_map_back(blocks: list[str], filler: int) -> None:
    blocks = ["x" * filler, *blocks]
    raw = " | ".join(blocks)
    clean, offsets = normalize(raw)
    check_offsets(raw, clean, offsets)
    expected = [c for c in (normalize(b)[0] for b in blocks) if c]
    if clean.count(" | ") or len(expected) < 4:
        return  # a block made of spaces can turn into a separator itself; covered above
    assert clean.split("\n\n") == expected
    a = 0
    for paragraph in expected:
        b = a + len(paragraph)
        assert normalize(raw[offsets[a] : offsets[b]])[0] == paragraph
        a = b + 2
