"""The `messages` array as a conversation: earlier turns become a ChatSession's history, so the
last question is rewritten into a standalone one exactly as the chat session does it.

System and developer messages are ignored: the assistant's rules about citing the corpus are its own.
"""

from __future__ import annotations

from typing import Any

from server.errors import APIError
from server.schemas import Message

_CONTEXT_ROLES = ("user", "assistant")


def text_of(message: Message) -> str:
    """A message's text: a string, or the text parts of a content list (other parts are refused)."""
    content = message.content
    if content is None or isinstance(content, str):
        return content or ""
    parts = []
    for part in content:
        if part.type != "text":
            raise APIError(400, f"Only text content is supported, not {part.type[:40]!r} parts.",
                           code="unsupported_content", param="messages")
        parts.append(part.text or "")
    return "\n".join(parts)


def split(messages: list[Message]) -> tuple[list[tuple[str, str]], str]:
    """(earlier turns as (question, answer text), the question to answer now)."""
    talk = [m for m in messages if m.role in _CONTEXT_ROLES]
    if not talk or talk[-1].role != "user":
        raise APIError(400, "The last message must be the user's question (role \"user\").",
                       code="invalid_messages", param="messages")
    turns: list[tuple[str, str]] = []
    pending: str | None = None
    for message in talk[:-1]:
        text = text_of(message)
        if message.role == "user":
            if pending is not None:  # a question left unanswered still gives the topic
                turns.append((pending, ""))
            pending = " ".join(text.split()) or None  # spaced as the assistant cleans a question it is asked
        elif pending is not None:
            turns.append((pending, text))
            pending = None
    if pending is not None:
        turns.append((pending, ""))
    return turns, text_of(talk[-1])


def session_for(bot: Any, turns: list[tuple[str, str]]) -> Any:
    """A fresh ChatSession holding the client's transcript (never shared between requests)."""
    session = bot.chat()
    session.seed(turns)
    return session
