"""Bearer-key auth (ASSISTANT_API_KEY) and the warning for an exposed server without a key."""

from __future__ import annotations

import hashlib
import hmac
import sys
from collections.abc import Awaitable, Callable

from fastapi import Request

from core.settings import is_loopback
from core.settings import Settings
from server.errors import APIError

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def _digest(value: str) -> bytes:
    # Hashing first makes the comparison independent of the key's length as well as its content.
    return hashlib.sha256(value.encode("utf-8")).digest()


def key_checker(settings: Settings) -> Callable[[Request], Awaitable[None]]:
    """A FastAPI dependency that lets a request through only with the right bearer key (if one is set)."""
    expected = _digest(settings.api_key.get_secret_value()) if settings.api_key else None

    async def check(request: Request) -> None:
        if expected is None:
            return
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise APIError(401, "Missing API key: send the header `Authorization: Bearer <ASSISTANT_API_KEY>`.",
                           code="missing_api_key", headers=_CHALLENGE)
        if not hmac.compare_digest(_digest(token), expected):  # constant time
            raise APIError(401, "Incorrect API key: send the key set in ASSISTANT_API_KEY.",
                           code="invalid_api_key", headers=_CHALLENGE)

    return check



def warn_if_exposed(settings: Settings, host: str) -> None:
    """Binding beyond this machine without a key lets anyone who reaches the port use the API: say so."""
    if settings.api_key is None and not is_loopback(host):
        print(
            f"warning: the API listens on {host} without a key; anyone who can reach this port can use it. "
            "Set ASSISTANT_API_KEY.",
            file=sys.stderr,
        )
