"""The endpoints: GET /v1/models, POST /v1/chat/completions, POST /v1/retrieve.

Handlers are plain functions (FastAPI runs them in its thread pool): answering is blocking work.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from core.settings import Settings
from server import conversation
from server.auth import key_checker
from server.errors import APIError
from server.models import Answerers
from server.schemas import (
    AssistantMessage, ChatCompletion, ChatRequest, Choice, ModelCard, ModelList, PassageOut, RetrieveRequest,
    RetrieveResponse, answer_fields,
)
from server.stream import HEADERS, SSEResponse, events


def _answerers(request: Request) -> Answerers:
    return request.app.state.answerers


def chat_completions(body: ChatRequest, request: Request) -> Any:
    """Answer the last user message; earlier messages make a follow-up standalone."""
    answerers = _answerers(request)
    bot = answerers.get(body.model)
    model = body.model or answerers.default
    turns, question = conversation.split(body.messages)
    stream = conversation.session_for(bot, turns).stream(question, top_k=body.top_k)  # retrieval happens here
    completion_id, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())
    if body.stream:
        head = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model}
        return SSEResponse(events(stream, head), headers=HEADERS)
    answer = stream.consume()
    if answer.error:
        raise APIError(502, answer.error, code="llm_error", type="server_error")
    completion = ChatCompletion(
        id=completion_id, created=created, model=model,
        choices=[Choice(message=AssistantMessage(content=answer.text))], **answer_fields(answer),
    )
    # Serialised by pydantic directly: FastAPI's generic encoder costs ten times as much here.
    return Response(completion.model_dump_json(), media_type="application/json")


def retrieve(body: RetrieveRequest, request: Request) -> RetrieveResponse:
    """The passages for a question, for clients that write their own prompts (no answer is made)."""
    bot = _answerers(request).bot
    passages = bot.retrieve(body.query, top_k=body.top_k)
    return RetrieveResponse(query=" ".join(body.query.split()), data=[PassageOut.of(p) for p in passages])


def list_models(request: Request) -> ModelList:
    return ModelList(data=[ModelCard(id=model) for model in _answerers(request).ids()])


def not_found(path: str) -> None:
    raise APIError(404, f"Unknown endpoint /v1/{path[:100]}: see GET /v1/models, POST /v1/chat/completions, "
                   "POST /v1/retrieve.", code="unknown_url")


def router(settings: Settings) -> APIRouter:
    """All /v1 routes, behind the bearer key when ASSISTANT_API_KEY is set."""
    api = APIRouter(prefix="/v1", dependencies=[Depends(key_checker(settings))])
    api.add_api_route("/models", list_models, methods=["GET"], response_model=ModelList)
    api.add_api_route("/chat/completions", chat_completions, methods=["POST"], response_model=None)
    api.add_api_route("/retrieve", retrieve, methods=["POST"], response_model=RetrieveResponse)
    # Anything else under /v1 is an OpenAI-shaped 404 (also when the web UI is mounted at /).
    api.add_api_route("/{path:path}", not_found, methods=["GET", "POST"],
                      include_in_schema=False)
    return api
