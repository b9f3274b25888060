"""The assistant as LlamaIndex objects, for agents and larger apps: `Assistant.as_retriever()`,
`as_query_engine()` and `as_chat_engine()`.

    from llama_index.core.tools import QueryEngineTool
    tool = QueryEngineTool.from_defaults(bot.as_query_engine(), name="corpus", description="…")

The query engine runs the whole pipeline (assistant/pipeline.py): its `Response` holds the checked
answer text with its [n] markers, `source_nodes` are the cited passages (node metadata `number` is the
n of the marker) and `metadata` says whether it abstained, its warnings and the standalone question.
The chat engine resolves follow-ups as `assistant chat` does (one conversation per engine).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

from llama_index.core.base.base_query_engine import BaseQueryEngine
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole
from llama_index.core.base.response.schema import Response
from llama_index.core.chat_engine.types import AgentChatResponse, BaseChatEngine, StreamingAgentChatResponse
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from assistant.answer import Answer, Passage


def node_of(passage: Passage) -> NodeWithScore:
    """A cited (or retrieved) passage as a LlamaIndex node; `metadata["number"]` is its [n]."""
    metadata = {"number": passage.number, "source": passage.source, "title": passage.title,
                "start_char": passage.start_char, "end_char": passage.end_char,
                "highlights": [list(span) for span in passage.highlights]}
    if passage.page is not None:  # a PDF's passage: the pages it is on
        metadata.update(page=passage.page, page_end=passage.page_end or passage.page)
    hidden = [key for key in metadata if key not in ("source", "title")]
    node = TextNode(id_=passage.node_id or None, text=passage.text, metadata=metadata,
                    excluded_embed_metadata_keys=hidden, excluded_llm_metadata_keys=hidden)
    return NodeWithScore(node=node, score=passage.score)


def metadata_of(answer: Answer) -> dict[str, Any]:
    return {"abstained": answer.abstained, "warnings": list(answer.warnings), "error": answer.error,
            "standalone_question": answer.standalone_question, "mode": answer.mode, "language": answer.language,
            "abstain_reasons": list(answer.abstain_reasons)}


def response_of(answer: Answer) -> Response:
    return Response(response=answer.text, source_nodes=[node_of(p) for p in answer.citations],
                    metadata=metadata_of(answer))


class CorpusRetriever(BaseRetriever):
    """The hybrid retriever (dense + BM25, fused) over the assistant's index, questions cleaned as it cleans them."""

    def __init__(self, bot: Any, top_k: int | None = None) -> None:
        super().__init__()
        self._bot = bot
        self._top_k = top_k

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return [node_of(p) for p in self._bot.retrieve(query_bundle.query_str, top_k=self._top_k)]


class CorpusQueryEngine(BaseQueryEngine):
    """One question in, the assistant's checked answer out (`Response`, cited passages as source nodes)."""

    def __init__(self, bot: Any, top_k: int | None = None) -> None:
        super().__init__(callback_manager=None)
        self._bot = bot
        self._top_k = top_k

    def _get_prompt_modules(self) -> dict[str, Any]:
        return {}  # the prompts are the assistant's own (assistant/generate.py)

    def retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return CorpusRetriever(self._bot, self._top_k).retrieve(query_bundle)

    def _query(self, query_bundle: QueryBundle) -> Response:
        return response_of(self._bot.ask(query_bundle.query_str, top_k=self._top_k))

    async def _aquery(self, query_bundle: QueryBundle) -> Response:
        return await asyncio.to_thread(self._query, query_bundle)  # the pipeline is synchronous


class CorpusChatEngine(BaseChatEngine):
    """A conversation: follow-ups are rewritten into standalone questions as `assistant chat` does."""

    def __init__(self, bot: Any) -> None:
        self._bot = bot
        self._session = bot.chat()

    def reset(self) -> None:
        self._session.reset()

    @property
    def chat_history(self) -> list[ChatMessage]:
        messages = []
        for question, answer in self._session.history:
            messages += [ChatMessage(role=MessageRole.USER, content=question),
                         ChatMessage(role=MessageRole.ASSISTANT, content=answer.text)]
        return messages

    def _seed(self, chat_history: list[ChatMessage] | None) -> None:
        """A history given with the message is the conversation (as the HTTP API reads `messages`)."""
        if chat_history is None:
            return
        turns: list[tuple[str, str]] = []
        for message in chat_history:
            if message.role == MessageRole.USER:
                turns.append((str(message.content or ""), ""))
            elif message.role == MessageRole.ASSISTANT and turns:
                turns[-1] = (turns[-1][0], str(message.content or ""))
        self._session.seed(turns)

    def chat(self, message: str, chat_history: list[ChatMessage] | None = None) -> AgentChatResponse:
        self._seed(chat_history)
        answer = self._session.ask(message)
        return AgentChatResponse(response=answer.text, source_nodes=[node_of(p) for p in answer.citations],
                                 metadata=metadata_of(answer))

    def stream_chat(self, message: str, chat_history: list[ChatMessage] | None = None) -> StreamingAgentChatResponse:
        self._seed(chat_history)
        stream = self._session.stream(message)
        nodes: list[NodeWithScore] = []

        def deltas() -> Iterator[ChatResponse]:
            text = ""
            for piece in stream:
                text += piece
                yield ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text), delta=piece)
            nodes.extend(node_of(p) for p in stream.answer.citations)  # known once the answer is checked

        return StreamingAgentChatResponse(chat_stream=deltas(), source_nodes=nodes, is_writing_to_memory=False)

    async def achat(self, message: str, chat_history: list[ChatMessage] | None = None) -> AgentChatResponse:
        return await asyncio.to_thread(self.chat, message, chat_history)

    async def astream_chat(
        self, message: str, chat_history: list[ChatMessage] | None = None
    ) -> StreamingAgentChatResponse:
        raise NotImplementedError("astream_chat: use achat, or stream_chat in a thread")
