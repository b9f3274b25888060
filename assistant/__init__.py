"""Corpus assistant: answers questions from your documents, citing the passages it used."""

from assistant.answer import Answer, Citation, Passage
from assistant.api import AnswerStream, Assistant, DocumentInfo
from assistant.conversations import ConversationStore
from core.errors import AssistantError
from core.settings import Settings

__all__ = ["Answer", "AnswerStream", "Assistant", "AssistantError", "Citation", "ConversationStore", "DocumentInfo", "Passage", "Settings"]
