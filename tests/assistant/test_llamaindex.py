"""The assistant as LlamaIndex objects, used through LlamaIndex's own tools: a QueryEngineTool an agent
would call, aquery, a chat engine with a follow-up, the hybrid retriever. Real Chroma, real e5."""

from __future__ import annotations

import asyncio

import pytest
from llama_index.core.base.base_query_engine import BaseQueryEngine
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.base.response.schema import Response
from llama_index.core.chat_engine.types import BaseChatEngine
from llama_index.core.tools import QueryEngineTool

pytestmark = pytest.mark.slow

FIRST = "Qui a composé la musique du film 2050 ?"


def test_a_query_engine_tool_answers_with_citations(ingested_assistant):
    engine = ingested_assistant.as_query_engine()
    assert isinstance(engine, BaseQueryEngine)
    tool = QueryEngineTool.from_defaults(engine, name="corpus", description="Answers questions about the corpus, with citations.")
    output = tool.call(FIRST)
    response = output.raw_output
    assert isinstance(response, Response) and "Lyrakis" in output.content and "[1]" in output.content
    cited = next(n.node for n in response.source_nodes if "Lyrakis" in n.node.get_content())  # the cited passages
    assert cited.metadata["number"] == 1 and cited.metadata["source"] and cited.metadata["highlights"]
    assert response.metadata["abstained"] is False and response.metadata["standalone_question"] == FIRST
    assert response.response == ingested_assistant.ask(FIRST).text  # the same checked answer as bot.ask


def test_aquery_answers_and_an_unanswerable_question_abstains(ingested_assistant):
    engine = ingested_assistant.as_query_engine()
    answered = asyncio.run(engine.aquery(FIRST))
    assert "Lyrakis" in str(answered) and answered.source_nodes
    declined = asyncio.run(engine.aquery("Quelle est la recette du cassoulet toulousain ?"))
    assert declined.metadata["abstained"] is True and declined.source_nodes == []


def test_the_chat_engine_resolves_a_follow_up(ingested_assistant):
    engine = ingested_assistant.as_chat_engine()
    assert isinstance(engine, BaseChatEngine)
    engine.chat(FIRST)
    follow = engine.chat("Et Netflix ?")
    assert follow.metadata["standalone_question"] == f"Et Netflix ? ({FIRST})"
    assert [m.role.value for m in engine.chat_history] == ["user", "assistant", "user", "assistant"]
    streamed = engine.stream_chat("Qui est Wajdi Mouawad ?")
    text = "".join(streamed.response_gen)
    assert "Mouawad" in text and streamed.source_nodes
    engine.reset()
    assert engine.chat_history == []


def test_the_retriever_is_the_hybrid_one(ingested_assistant):
    retriever = ingested_assistant.as_retriever(top_k=3)
    assert isinstance(retriever, BaseRetriever)
    nodes = retriever.retrieve(FIRST)
    assert len(nodes) == 3
    assert [n.node.get_content() for n in nodes] == [p.text for p in ingested_assistant.retrieve(FIRST, top_k=3)]
