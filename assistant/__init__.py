"""Corpus assistant: answers questions from your documents, citing the passages it used.

The public API, and the only thing the web UI, the HTTP API, the eval and the command line import
(with core.settings and core.errors): see assistant/api.py.
"""

from assistant.answer import Answer, Citation, Passage
from assistant.api import Assistant, DocumentInfo
from assistant.pipeline import AnswerStream
from assistant.plan import without_own_words
from assistant.uploads import ALLOWED_SUFFIXES as UPLOAD_SUFFIXES, UploadReport
from assistant.conversations import ConversationStore
from core.cancel import cancelled_by
from core.errors import AssistantError
from core.facts import Fact, extract_facts, fact_held
from core.settings import Settings, Tuning
from core.text import guess_language
from ingest.report import FileReport, SyncReport, escape_name

__all__ = [
    "Answer", "AnswerStream", "Assistant", "AssistantError", "Citation", "ConversationStore", "DocumentInfo", "FileReport", "Passage",
    "Settings", "SyncReport", "Tuning", "UPLOAD_SUFFIXES", "UploadReport", "escape_name", "Fact", "extract_facts",
    "fact_held", "count_tokens", "guess_language", "cancelled_by", "without_own_words",
]


def count_tokens(text: str) -> int:
    """Tokens of `text` for the multilingual-e5 tokenizer (the HTTP API's `usage` when the LLM reports none)."""
    from core.e5 import text_tokens  # the engine loads on first use, not at import

    return text_tokens(text)
