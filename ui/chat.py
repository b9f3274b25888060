"""Chat event handlers: stream an answer into the conversation, reset it, switch the answerer.

Each browser session keeps its own `ChatState` in a `gr.State`, so two users never share a
conversation. The history the client sends is the conversation: when it does not match the turns
the session holds (an API client sending `history=[]`, or an edited history), the session is
rebuilt from it. The handlers only call the Assistant's public API; they add no retrieval logic.
"""

from __future__ import annotations

import html
import logging
import queue
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

import gradio as gr

from assistant import cancelled_by
from core.errors import AssistantError
from ui import render

log = logging.getLogger(__name__)

THINKING = '<span class="typing">Searching the corpus…</span>'
WRITING = '<span class="typing">Thinking… the model is reading {n} passages</span>'
WAITING = '<span class="typing waiting">Waiting for the model: it is answering another question…</span>'
STOPPED_NOTE = "Stopped before the end."


@dataclass
class ChatState:
    """One browser session's conversation: the core's chat session and which answerer it uses.

    `owner` is the browser's id (kept in its localStorage), `cid` the kept conversation shown, and
    `answers` the Answer behind each bot message (None for a failed one), for the viewer and feedback."""

    session: Any  # assistant ChatSession
    choice: str
    owner: str | None = None
    cid: str | None = None
    answers: list = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    feedback_id: int | None = None
    seen: frozenset[str] = frozenset()  # chunk ids cited for the last question (its answers again skip them)


@dataclass(frozen=True)
class Again:
    """How Regenerate answers the last question again: by another answerer for this one turn, or
    without the passages cited so far (`exclude`, chunk ids: the next-best evidence answers)."""

    answerer: str | None = None
    exclude: frozenset[str] = frozenset()


def answerers(bot: Any) -> dict[str, Any]:
    """The answerers offered in the settings (`Assistant.answerers`: the configured one, the instant
    extractive answer, the local LLM when it is installed), each built once by the Assistant."""
    return {name: bot.answerer(name) for name in bot.answerers()}


def session_for(bots: Mapping[str, Any], state: ChatState | None, choice: str | None) -> ChatState:
    """The session's chat, created on first use (or when the answerer changed)."""
    choice = choice if choice in bots else next(iter(bots))
    if state is None or state.choice != choice:
        owner = state.owner if state is not None else None
        state = ChatState(bots[choice].chat(), choice, owner=owner)
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
    bots_in_history = sum(1 for m in history if isinstance(m, dict) and m.get("role") == "assistant")
    del state.answers[bots_in_history:]
    state.answers += [None] * (bots_in_history - len(state.answers))
    return state


def _user(text: str) -> dict:
    return {"role": "user", "content": render.esc(text)}


def _shown(question: str) -> str:
    """The question as the chat can show it (what cannot be encoded becomes "?"; the assistant refuses it)."""
    return question.encode("utf-8", "replace").decode("utf-8")


def _bot(content: str) -> dict:
    return {"role": "assistant", "content": content}


def respond(
    bots: Mapping[str, Any], message: str, history: list | None, state: ChatState | None, top_k: float,
    choice: str | None, *, store: Any = None, again: Again | None = None,
) -> Iterator[tuple]:
    """Yield (chat history, sources panel, state, textbox, conversation list) while the answer streams in.

    The answer is produced in a worker thread (`_pump`), so this loop can show "waiting for the
    model" and honour Stop at once, even while the model has not written its first word. `again`:
    the question is the last one asked again (Regenerate), answered as it says."""
    question = (message or "").strip()
    history = list(history or [])
    if not question:
        yield history, gr.skip(), state, "", gr.skip()
        return
    try:
        state = follow_history(session_for(bots, state, choice), history)
    except AssistantError as err:  # an earlier turn that cannot be encoded
        yield [*history, _user(_shown(question)), _bot(render.error_markdown(str(err)))], gr.skip(), state, "", gr.skip()
        return
    state.stop = threading.Event()  # one per answer: a stopped answer still waiting for the model keeps its own, set
    if again is None:
        state.seen = frozenset()
    again = again or Again()
    bot = bots[again.answerer or state.choice]
    session = state.session
    if again.answerer is not None:  # this one turn by another answerer, which sees the same conversation
        session = bot.chat()
        session.seed([(q, a.text) for q, a in state.session.history])
    waiting = bool(getattr(bot, "llm_busy", lambda: False)())
    history += [_user(_shown(question)), _bot(WAITING if waiting else THINKING)]
    yield history, gr.skip(), state, "", gr.skip()
    text, answer, stopped = "", None, False
    try:
        for kind, value in _pump(state, question, int(top_k), session=session, exclude=again.exclude):
            if kind == "final":
                answer = value if value is not None else answer
            elif kind == "answer":
                answer = value
                if answer is not None and answer.mode != "extractive":  # the evidence at once; the model writes above it
                    note = WAITING if waiting else WRITING.format(n=len(answer.retrieved))
                    history = [*history[:-1], _bot(note)]
                    yield history, render.evidence_html(answer, len(state.answers)), state, "", gr.skip()
            elif kind == "piece":
                text += value
                history = [*history[:-1], _bot(render.streaming_markdown(text))]
                yield history, gr.skip(), state, "", gr.skip()
            elif kind == "stopped":
                stopped = True
    except AssistantError as err:
        state.answers.append(None)
        yield _failed(history, text, str(err)), gr.skip(), state, "", gr.skip()
        return
    except Exception:  # noqa: BLE001 - the edge: keep the app alive, details go to the server log
        log.exception("answering %r failed", question)
        state.answers.append(None)
        yield _failed(history, text, "Unexpected error while answering (details in the server log)."), gr.skip(), state, "", gr.skip()
        return
    if stopped:
        if answer is None:  # stopped before retrieval finished: nothing to keep
            state.answers.append(None)
            yield [*history[:-1], _bot(render.stopped_markdown(None))], gr.skip(), state, "", gr.skip()
            return
        answer.text = text
        answer.warnings.append(STOPPED_NOTE)
    if stopped or session is not state.session:  # the chat's own session remembers the turn as shown
        state.session.seed([*[(q, a.text) for q, a in state.session.history], (question, answer.text)])
    state.seen = state.seen | again.exclude | {c.node_id for c in answer.citations}
    state.answers.append(answer)
    listing = _keep(store, state, answer, stopped)
    content = render.stopped_markdown(answer) if stopped else render.answer_markdown(answer)
    history = [*history[:-1], _bot(content + render.answer_tools(answer, len(state.answers) - 1))]
    yield history, render.sources_html(answer, len(state.answers) - 1), state, "", listing


def _pump(state: ChatState, question: str, top_k: int, *, session: Any = None,
          exclude: frozenset[str] = frozenset()) -> Iterator[tuple[str, Any]]:
    """("answer", Answer) once retrieval is done, ("piece", text)…, ("final", Answer); or ("stopped", None).
    `session` (default: the state's) answers; `exclude`: chunk ids its retrieval skips.

    The stream runs in a worker thread; when Stop is pressed this generator returns at once and the
    worker closes the stream at the model's next token, which ends llama.cpp's generation and frees
    the model for the next question."""
    box: queue.Queue = queue.Queue()
    stop = state.stop
    session = session or state.session
    done = object()

    def work() -> None:
        pieces = None
        try:
            with cancelled_by(stop):  # stopped while queued for the model: it never takes the model
                stream = session.stream(question, top_k=top_k, exclude=exclude)
                box.put(("answer", getattr(stream, "answer", None)))
                pieces = iter(stream)
                for piece in pieces:
                    if stop.is_set():
                        break
                    box.put(("piece", piece))
                box.put(("final", getattr(stream, "answer", None)))
        except BaseException as err:  # handed to the reader, which raises it
            box.put(("error", err))
        finally:
            if pieces is not None and hasattr(pieces, "close"):
                pieces.close()  # ends the model's generation (GeneratorExit reaches llama.cpp)
            box.put((done, None))

    threading.Thread(target=work, name="answer", daemon=True).start()
    while True:
        try:
            kind, value = box.get(timeout=0.05)
        except queue.Empty:
            if stop.is_set():
                yield "stopped", None
                return
            continue
        if kind is done:
            if stop.is_set():
                yield "stopped", None
            return
        if stop.is_set():
            continue  # drain: the worker is closing the stream (a generation cancelled while queued ends empty: no error)
        if kind == "error":
            raise value
        yield kind, value


def _keep(store: Any, state: ChatState, answer: Any, stopped: bool) -> Any:
    """Save the turn in the browser's kept conversation (created with its first question)."""
    if store is None or state.owner is None or answer is None:
        return gr.skip()
    try:
        if state.cid is None or store.get(state.cid, state.owner) is None:
            state.cid = store.create(state.owner, answer.question)
        store.add_turn(state.cid, answer, stopped=stopped)
    except Exception:  # noqa: BLE001 - a full disk must not lose the answer on screen
        log.exception("keeping the conversation failed")
        return gr.skip()
    return conversation_list(store, state)


def conversation_list(store: Any, state: ChatState | None) -> Any:
    """The sidebar's list: (title, id) choices, newest first, the open one selected."""
    if store is None or state is None or state.owner is None:
        return gr.update(choices=[], value=None)
    choices = [(c.title, c.id) for c in store.conversations(state.owner)]
    return gr.update(choices=choices, value=state.cid if any(c[1] == state.cid for c in choices) else None)


def stop_answer(state: ChatState | None) -> None:
    """Stop the answer being written (Stop button, Escape): the text so far stays, marked stopped."""
    if state is not None:
        state.stop.set()


def _failed(history: list, partial: str, message: str) -> list:
    if partial:
        content = render.answer_html(partial) + "\n\n" + render.error_markdown(message)
    else:
        content = render.error_markdown(message)
    return [*history[:-1], _bot(content)]


def new_conversation(state: ChatState | None) -> tuple:
    """Clear the chat, the sources panel and the core's session history (the kept ones stay kept)."""
    if state is not None:
        state.session.reset()
        state.cid = None
        state.answers.clear()
        state.seen = frozenset()
    return [], render.EMPTY_SOURCES, state


def switch_answerer(bots: Mapping[str, Any], choice: str, state: ChatState | None) -> tuple:
    """A different answerer starts a new conversation."""
    if state is not None and state.choice == choice:
        return gr.skip(), gr.skip(), state
    return [], render.EMPTY_SOURCES, session_for(bots, state and ChatState(state.session, "", owner=state.owner), choice)
