"""Errors in OpenAI's JSON shape, `{"error": {"message", "type", "param", "code"}}`, never a traceback.

Domain errors from the core keep their one-line message (it says the fix) and get the status that
fits: an unusable question 422, an empty or unreachable index 503, a failed LLM 502.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.errors import (
    AssistantError, ConfigError, EmptyIndexError, IndexMismatchError, IngestLockedError, InvalidQuestionError,
    LLMError, StoreUnavailableError,
)

log = logging.getLogger(__name__)

# Domain error -> (HTTP status, OpenAI error type, code). The first matching class wins.
_DOMAIN = [
    (InvalidQuestionError, 422, "invalid_request_error", "invalid_question"),
    (EmptyIndexError, 503, "server_error", "index_empty"),
    (StoreUnavailableError, 503, "server_error", "store_unavailable"),
    (IndexMismatchError, 503, "server_error", "index_mismatch"),
    (IngestLockedError, 503, "server_error", "index_busy"),
    (LLMError, 502, "server_error", "llm_error"),
    (ConfigError, 500, "server_error", "config_error"),
]
_HTTP = {404: "not_found", 405: "method_not_allowed", 413: "request_too_large"}


class APIError(Exception):
    """An error this API raises itself (auth, unknown model, bad messages)."""

    def __init__(self, status: int, message: str, *, code: str, param: str | None = None,
                 type: str = "invalid_request_error", headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.param, self.type = status, message, code, param, type
        self.headers = headers


def error_body(message: str, type: str, code: str | None, param: str | None = None) -> dict:
    return {"error": {"message": message, "type": type, "param": param, "code": code}}


def error_response(status: int, message: str, type: str, code: str | None, param: str | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(message, type, code, param), status_code=status, headers=headers)


def domain_error(err: AssistantError) -> tuple[int, dict]:
    """(status, error body) for a domain error; also used inside streams, after the headers went out."""
    for cls, status, kind, code in _DOMAIN:
        if isinstance(err, cls):
            return status, error_body(str(err), kind, code)
    return 400, error_body(str(err), "invalid_request_error", "invalid_request")


def install(app: FastAPI) -> None:
    """Every error the app can produce leaves as OpenAI-shaped JSON."""

    @app.exception_handler(APIError)
    async def _api(_: Request, err: APIError) -> JSONResponse:
        return error_response(err.status, err.message, err.type, err.code, err.param, err.headers)

    @app.exception_handler(AssistantError)
    async def _domain(_: Request, err: AssistantError) -> JSONResponse:
        status, body = domain_error(err)
        return JSONResponse(body, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, err: RequestValidationError) -> JSONResponse:
        first = err.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
        if first.get("type") == "json_invalid":
            return error_response(400, "The request body is not valid JSON.", "invalid_request_error", "invalid_json")
        if not where:  # no JSON object at all: often a missing Content-Type
            return error_response(400, "The request body must be a JSON object, sent with "
                                  "`Content-Type: application/json`.", "invalid_request_error", "invalid_json")
        message = f"{where}: {first.get('msg', 'invalid value')}"
        return error_response(400, message, "invalid_request_error", "invalid_request", where)

    @app.exception_handler(HTTPException)
    async def _http(_: Request, err: HTTPException) -> JSONResponse:
        code = _HTTP.get(err.status_code, "http_error")
        return error_response(err.status_code, str(err.detail), "invalid_request_error", code, headers=err.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, err: Exception) -> JSONResponse:
        log.error("%s %s failed: %s", request.method, request.url.path, type(err).__name__, exc_info=err)
        return error_response(500, "Internal error while answering (details in the server log).", "server_error",
                              "internal_error")


class BodyLimit:
    """ASGI middleware: request bodies under `prefix` larger than `max_bytes` get a 413.

    Checks the declared Content-Length first, then counts what actually arrives (chunked uploads),
    so a large body is never read into memory. Pure ASGI, so streamed responses are untouched.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, prefix: str = "/v1") -> None:
        self.app, self.max_bytes, self.prefix = app, max_bytes, prefix

    def _too_large(self) -> HTTPException:
        kb = self.max_bytes // 1024
        return HTTPException(413, f"The request body is larger than {kb} KB; send less, or raise ASSISTANT_API_MAX_BODY_KB.")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            err = self._too_large()
            await error_response(413, err.detail, "invalid_request_error", _HTTP[413])(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise self._too_large()  # re-raised by FastAPI's body reader, answered by the handler
            return message

        await self.app(scope, limited, send)
