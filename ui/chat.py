"""Chat event handlers: stream an answer into the conversation, reset it, switch the answerer.

Each browser session keeps its own `ChatState` in a `gr.State`, so two users never share a
conversation. The history the client sends is the conversation: when it does not match the turns
the session holds (an API client sending `history=[]`, or an edited history), the session is
rebuilt from it. The handlers only call the Assistant's public API; they add no retrieval logic.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

import gradio as gr

from core.errors import AssistantError
from ui import render

log = logging.getLogger(__name__)

THINKING = '<span class="typing">Searching the corpus…</span>'


@dataclass
class ChatState:
    """One browser session's conversation: the core's chat session and which answerer it uses."""

    session: Any  # assistant ChatSession
    choice: str


def answerers(bot: Any) -> dict[str, Any]:
    """The answerers offered in the settings (`Assistant.answerers`: the configured one, the instant
    extractive answer, the local LLM when it is installed), each built once by the Assistant."""
    return {name: bot.answerer(name) for name in bot.answerers()}


def session_for(bots: Mapping[str, Any], state: ChatState | None, choice: str | None) -> ChatState:
    """The session's chat, created on first use (or when the answerer changed)."""
    choice = choice if choice in bots else next(iter(bots))
    if state is None or state.choice != choice:
        state = ChatState(bots[choice].chat(), choice)
    return state


ERROR_TAG = 'class="tag tag-error"'  # render.error_markdown marks a failed answer with it


def _plain(content: Any) -> str:
    """A history message's text: rendered HTML back to plain words."""
    if isinstance(content, list):  # Gradio may send content as a list of parts
        content = " ".join(str(part.get("text", "")) if isinstance(part, dict) else str(part) for part in content)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", str(content or ""))).split())


def turns_of(history: list) -> list[tuple[str, str]]:
    """(question, answer text) pairs of a Gradio "messages" history; a turn that failed (its answer
    carries the error tag) is not part of the conversation, as in the core's ChatSession."""
    turns: list[tuple[str, str]] = []
    failed: set[int] = set()
    for message in history:
        role = message.get("role") if isinstance(message, dict) else None
        if role == "user":
            turns.append((_plain(message.get("content")), ""))
        elif role == "assistant" and turns:
            if ERROR_TAG in str(message.get("content")):
                failed.add(len(turns) - 1)
            turns[-1] = (turns[-1][0], (turns[-1][1] + " " + _plain(message.get("content"))).strip())
    return [turn for i, turn in enumerate(turns) if i not in failed]


def follow_history(state: ChatState, history: list) -> ChatState:
    """Make the session's turns those of the client's history (it is the conversation)."""
    turns = turns_of(history)
    held = [" ".join(q.split()) for q, _ in state.session.history]
    if held != [q for q, _ in turns]:
        state.session.seed(turns)
    return state


def _user(text: str) -> dict:
    return {"role": "user", "content": render.esc(text)}


def _shown(question: str) -> str:
    """The question as the chat can show it (what cannot be encoded becomes "?"; the assistant refuses it)."""
    return question.encode("utf-8", "replace").decode("utf-8")


def _bot(content: str) -> dict:
    return {"role": "assistant", "content": content}


def respond(
    bots: Mapping[str, Any], message: str, history: list | None, state: ChatState | None, top_k: float, choice: str | None
) -> Iterator[tuple]:
    """Yield (chat history, sources panel, state, textbox) while the answer streams in."""
    question = (message or "").strip()
    history = list(history or [])
    if not question:
        yield history, gr.skip(), state, ""
        return
    try:
        state = follow_history(session_for(bots, state, choice), history)
    except AssistantError as err:  # an earlier turn that cannot be encoded
        yield [*history, _user(_shown(question)), _bot(render.error_markdown(str(err)))], gr.skip(), state, ""
        return
    history += [_user(_shown(question)), _bot(THINKING)]
    yield history, gr.skip(), state, ""
    text = ""
    try:
        stream = state.session.stream(question, top_k=int(top_k))
        for piece in stream:
            text += piece
            history = [*history[:-1], _bot(render.streaming_markdown(text))]
            yield history, gr.skip(), state, ""
        answer = stream.answer
    except AssistantError as err:
        yield _failed(history, text, str(err)), gr.skip(), state, ""
        return
    except Exception:  # noqa: BLE001 - the edge: keep the app alive, details go to the server log
        log.exception("answering %r failed", question)
        yield _failed(history, text, "Unexpected error while answering (details in the server log)."), gr.skip(), state, ""
        return
    history = [*history[:-1], _bot(render.answer_markdown(answer))]
    yield history, render.sources_html(answer), state, ""


def _failed(history: list, partial: str, message: str) -> list:
    if partial:
        content = render.answer_html(partial) + "\n\n" + render.error_markdown(message)
    else:
        content = render.error_markdown(message)
    return [*history[:-1], _bot(content)]


def new_conversation(state: ChatState | None) -> tuple:
    """Clear the chat, the sources panel and the core's session history."""
    if state is not None:
        state.session.reset()
    return [], render.EMPTY_SOURCES, state


def switch_answerer(bots: Mapping[str, Any], choice: str, state: ChatState | None) -> tuple:
    """A different answerer starts a new conversation."""
    if state is not None and state.choice == choice:
        return gr.skip(), gr.skip(), state
    return [], render.EMPTY_SOURCES, session_for(bots, None, choice)
