"""Server-sent events in OpenAI's chunk format, ending with `data: [DONE]`.

The answer's text arrives in `delta.content` pieces; the last chunk (`finish_reason: "stop"`) carries
the citations, `abstained`, `standalone_question`, `warnings` and `text`, the checked answer (the
pieces joined, unless the checker removed a marker or replaced a model's refusal). A failure after
the headers went out is sent as an `{"error": …}` event, as OpenAI does.

When the client goes away the answer's generator is closed, which closes the LLM's stream: a remote
LLM sees its connection closed, a local one stops generating.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse
from starlette.types import Send

from core.errors import AssistantError
from server.errors import domain_error, error_body
from server.schemas import answer_fields

log = logging.getLogger(__name__)

_END = object()
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def _event(payload: dict[str, Any] | str) -> str:
    data = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    return f"data: {data}\n\n"


def _chunk(head: dict[str, Any], delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {**head, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}


async def events(stream: Any, head: dict[str, Any]) -> AsyncIterator[str]:
    """The SSE body for one AnswerStream; `head` holds id, object, created and model."""
    pieces = iter(stream)
    try:
        yield _event(_chunk(head, {"role": "assistant", "content": ""}))
        while (piece := await run_in_threadpool(next, pieces, _END)) is not _END:
            yield _event(_chunk(head, {"content": piece}))
        answer = stream.answer
        if answer.error:
            yield _event(error_body(answer.error, "server_error", "llm_error"))
        else:
            yield _event({**_chunk(head, {}, "stop"), **answer_fields(answer), "text": answer.text})
    except AssistantError as err:
        yield _event(domain_error(err)[1])
    except Exception as err:  # noqa: BLE001 - the edge: the client gets one line, the log the details
        log.error("streaming an answer failed: %s", type(err).__name__, exc_info=err)
        yield _event(error_body("Internal error while answering (details in the server log).", "server_error",
                                "internal_error"))
    finally:
        # Runs on normal end, on error and when the client disconnects (cancellation or aclose):
        # closing the generator chain closes the LLM's stream. The thread running `next` has
        # finished by now (anyio waits for it), and the shield lets the close run while cancelled.
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(pieces.close)
    yield _event("[DONE]")


class SSEResponse(StreamingResponse):
    """A StreamingResponse that always closes its body, even when the client left during a send."""

    media_type = "text/event-stream"

    async def stream_response(self, send: Send) -> None:
        try:
            await super().stream_response(send)
        finally:
            with anyio.CancelScope(shield=True):
                await self.body_iterator.aclose()  # type: ignore[attr-defined]
