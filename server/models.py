"""Model ids: one per answerer available now. A request's `model` picks the Assistant that answers.

Every answerer is a variant of the one Assistant (same store, same loaded embedding model), built on
first use and kept. Adding an answerer is one entry in `Answerers.options`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from core import local_model
from server.errors import APIError

EXTRACTIVE = "extractive"


class Answerers:
    """Model id -> Assistant. The configured answerer is the default."""

    def __init__(self, bot: Any) -> None:
        self.bot = bot
        self._built: dict[str, Any] = {bot.mode: bot}
        self._lock = threading.Lock()

    @property
    def default(self) -> str:
        return self.bot.mode

    def options(self) -> dict[str, Callable[[], Any]]:
        """The answerers available now, each with how to build it (checked on every call: cheap)."""
        bot = self.bot
        found: dict[str, Callable[[], Any]] = {bot.mode: lambda: bot}  # the configured LLM, or extractive
        found.setdefault(EXTRACTIVE, lambda: bot.variant(llm="none"))
        if local_model.installed(bot.settings):  # the local LLM, one model copy shared by every variant
            found.setdefault(local_model.MODEL_NAME, lambda: bot.variant(llm="local"))
        return found

    def ids(self) -> list[str]:
        return list(self.options())

    def get(self, model: str | None) -> Any:
        """The Assistant for `model` (default: the configured one); 404 for an unknown id."""
        model = model or self.default
        found = self._built.get(model)
        if found is not None:
            return found
        options = self.options()
        if model not in options:
            raise APIError(404, f"The model {model[:100]!r} does not exist; use one of: {', '.join(options)} (GET /v1/models).",
                           code="model_not_found", param="model")
        with self._lock:  # build each variant once, even when two first requests race
            if model not in self._built:
                self._built[model] = options[model]()
            return self._built[model]
