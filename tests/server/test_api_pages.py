"""A PDF's page reaches every way in: the HTTP API's citations and the LlamaIndex query engine's
source nodes say which page a cited passage is on (a four-page PDF ingested for real: e5, Chroma)."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import pdf_corpus_bot
from tests.server.apihelpers import running

pytestmark = pytest.mark.slow

KEEPER = "Who was the keeper of the Halvmane lighthouse in 2023?"


@pytest.fixture(scope="module")
def pdf_bot(embed_model, tmp_path_factory):
    return pdf_corpus_bot(tmp_path_factory.mktemp("api-pdf"), embed_model)[0]


def test_api_citations_carry_the_pdf_page(pdf_bot):
    from server.app import create_app

    with running(create_app(pdf_bot)) as url:
        reply = httpx.post(f"{url}/v1/chat/completions", json={"messages": [{"role": "user", "content": KEEPER}]},
                           timeout=120).json()
        other = httpx.post(f"{url}/v1/retrieve", json={"query": "budget of the film festival"}, timeout=60).json()
    cited = [c for c in reply["citations"] if c["source"] == "report.pdf"]
    assert cited and {(c["page"], c["page_end"]) for c in cited} == {(2, 2)}
    assert all(p["page"] is None and p["page_end"] is None for p in other["data"] if p["source"] != "report.pdf")


def test_query_engine_source_nodes_carry_the_pdf_page(pdf_bot):
    response = pdf_bot.as_query_engine().query(KEEPER)
    pages = [(n.node.metadata["page"], n.node.metadata["page_end"]) for n in response.source_nodes
             if n.node.metadata["source"] == "report.pdf"]
    assert pages and set(pages) == {(2, 2)}
    assert all("page" not in n.node.metadata for n in response.source_nodes if n.node.metadata["source"] != "report.pdf")
    assert "page" not in response.source_nodes[0].node.get_content(metadata_mode="llm").split("\n\n")[0]
