"""Model ids: one per answerer available now (`Assistant.answerers()`). A request's `model` picks the
Assistant that answers; each is built once by the Assistant and shared (same store, same loaded model)."""

from __future__ import annotations

from typing import Any

from server.errors import APIError


class Answerers:
    """Model id -> Assistant. The configured answerer is the default."""

    def __init__(self, bot: Any) -> None:
        self.bot = bot

    @property
    def default(self) -> str:
        return self.bot.mode

    def ids(self) -> list[str]:
        return self.bot.answerers()

    def get(self, model: str | None) -> Any:
        """The Assistant for `model` (default: the configured one); 404 for an unknown id."""
        model = model or self.default
        ids = self.ids()
        if model not in ids:
            raise APIError(404, f"The model {model[:100]!r} does not exist; use one of: {', '.join(ids)} (GET /v1/models).",
                           code="model_not_found", param="model")
        return self.bot.answerer(model)
