"""Domain errors. Each message says what went wrong and how to fix it, in one line.

The core raises these; the edges (CLI, UI, eval) turn them into a one-line message or a
`gr.Warning`, never a traceback.
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: a user-facing problem with a one-line, actionable message."""


class EmptyIndexError(AssistantError):
    """Nothing has been ingested yet."""

    def __init__(self, message: str = "The index is empty: run `assistant ingest corpus/` first.") -> None:
        super().__init__(message)


class IndexMismatchError(AssistantError):
    """The index was built with other settings (embedding model, schema)."""


class InvalidQuestionError(AssistantError):
    """The question is empty, too long, or otherwise unusable."""


class StoreUnavailableError(AssistantError):
    """The Chroma store (folder or server) cannot be reached."""


class IngestLockedError(AssistantError):
    """Another process is ingesting into the same data directory."""


class LLMError(AssistantError):
    """The LLM failed after bounded retries (timeout, rate limit, server error, cut stream)."""


class ConfigError(AssistantError):
    """The settings are inconsistent (e.g. an LLM chosen without its key)."""
