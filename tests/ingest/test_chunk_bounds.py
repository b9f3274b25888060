"""Chunks are bounded in characters and in tokens whatever the text looks like (issue 12).

Hostile shapes: no spaces at all, one endless line, base64, CJK without spaces, long URLs, and
hypothesis mixes of them. Each chunk must fit ``max_chars`` and the embedding model's limit.
"""

from __future__ import annotations

import base64
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from llama_index.core import Document
from llama_index.core.schema import MetadataMode

from ingest.splitter import MAX_CHUNK_CHARS, SectionSplitter


@pytest.fixture(scope="module")
def splitter() -> SectionSplitter:
    return SectionSplitter()  # sized by the bundled multilingual-e5-small's tokenizer


def chunks(splitter: SectionSplitter, text: str, fmt: str = "txt"):
    doc = Document(text=text, doc_id="r:hostile.txt", metadata={"source": "hostile.txt", "format": fmt})
    return splitter.split_document(doc)


def assert_bounded(splitter: SectionSplitter, text: str, fmt: str = "txt") -> list:
    nodes = chunks(splitter, text, fmt)
    for node in nodes:
        assert 0 < len(node.text) <= splitter.max_chars
        assert splitter.count_tokens(node.get_content(MetadataMode.EMBED)) <= splitter.max_tokens
        assert node.metadata["start_char"] < node.metadata["end_char"] <= len(text)
    return nodes


def _b64(n: int, seed: int = 0) -> str:
    return base64.b64encode(random.Random(seed).randbytes(n * 3 // 4 + 3)).decode()[:n]


@pytest.mark.parametrize(
    "text",
    [
        "x" * 100_000,  # one word, one line
        _b64(60_000),  # base64 blob
        "报告数据分析结果显示增长" * 3000,  # CJK, no spaces, no punctuation
        ("报告显示，今年的增长超过了预期。" * 400 + "\n") * 5,  # CJK sentences
        " ".join("https://example.com/" + _b64(300, i) for i in range(60)),  # walls of long URLs
        "\n".join(_b64(99, i) for i in range(300)),  # 99-char words, many tokens each
        "a " * 10_000,  # many one-letter words
    ],
    ids=["one-word", "base64", "cjk-unspaced", "cjk-sentences", "urls", "unk-words", "tiny-words"],
)
def test_hostile_text_gives_bounded_chunks(splitter, text):
    nodes = assert_bounded(splitter, text)
    covered = sum(len(n.text) for n in nodes)
    assert covered >= len(text.replace(" ", "").replace("\n", "")) * 0.9  # nothing big is dropped


def test_the_bound_holds_for_markdown_too(splitter):
    assert_bounded(splitter, "# Title\n\n" + _b64(50_000) + "\n\n## Next\n\nSome text.", fmt="md")


_ALPHABET = st.sampled_from(list("abcXYZ019+/=") + ["报", "告", "。", "é", " ", "\n", "\n\n", ".", "-", "\t"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(_ALPHABET, st.integers(1, 3000)), min_size=1, max_size=12),
)
def test_property_every_chunk_is_bounded(splitter, runs):
    """Texts made of runs of one character (up to 3,000 long) mixed at random."""
    text = "".join(ch * n for ch, n in runs)
    if text.strip():
        assert_bounded(splitter, text)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=8000))
def test_property_any_unicode_text_is_bounded(splitter, text):
    if text.strip():
        assert_bounded(splitter, text * (1 + 4000 // max(len(text), 1)))


def test_default_bound():
    assert MAX_CHUNK_CHARS == 2000
