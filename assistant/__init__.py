"""Corpus assistant: answers questions from your documents, citing the passages it used.

The public API, and the only thing the web UI, the HTTP API, the eval and the command line import
(with core.settings and core.errors): see assistant/api.py.
"""

from assistant.answer import Answer, Citation, Passage
from assistant.api import Assistant, DocumentInfo
from assistant.pipeline import AnswerStream
from assistant.uploads import ALLOWED_SUFFIXES as UPLOAD_SUFFIXES, UploadReport
from assistant.conversations import ConversationStore
from core.errors import AssistantError
from core.facts import Fact, extract_facts, fact_held
from core.settings import Settings, Tuning
from ingest.report import FileReport, SyncReport, escape_name

__all__ = [
    "Answer", "AnswerStream", "Assistant", "AssistantError", "Citation", "ConversationStore", "DocumentInfo", "FileReport", "Passage",
    "Settings", "SyncReport", "Tuning", "UPLOAD_SUFFIXES", "UploadReport", "escape_name", "Fact", "extract_facts",
    "fact_held",
]
