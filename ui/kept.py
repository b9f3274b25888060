"""Kept conversations in the sidebar, and what users do with an answer: regenerate, edit, rate.

The page keeps a random id in the browser's localStorage (see theme.BROWSER_ID_JS) and sends it
when it loads; every conversation of that browser is stored under it in the data folder's
SQLite file (assistant.ConversationStore). Another browser has another id, so other conversations.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any, Iterator, Mapping

import gradio as gr

from ui import chat, render

BROWSER_ID = re.compile(r"^[0-9a-f]{32}$")
EXTRACTIVE = "extractive"  # the offline answerer's name (Assistant.EXTRACTIVE)


def history_of(turns: list) -> list[dict]:
    """The chat messages of a kept conversation."""
    history: list[dict] = []
    for i, turn in enumerate(turns):
        answer = turn.answer
        content = render.stopped_markdown(answer) if turn.stopped else render.answer_markdown(answer)
        history += [chat._user(turn.question), chat._bot(content + render.answer_tools(answer, i))]
    return history


def on_load(bots: Mapping[str, Any], store: Any, browser: str | None, state: Any, choice: str | None) -> tuple:
    """The page opened (or reloaded): remember the browser's id; list its conversations."""
    state = chat.session_for(bots, state, choice)
    if browser and BROWSER_ID.match(browser):
        state.owner = browser
    return state, chat.conversation_list(store, state)


def open_conversation(store: Any, cid: str | None, state: Any) -> tuple:
    """(chat, sources, state) showing a kept conversation, ready to continue."""
    if state is None or not cid or cid == state.cid or store.get(cid, state.owner) is None:
        return gr.skip(), gr.skip(), state
    turns = store.turns(cid)
    state.cid = cid
    state.answers = [t.answer for t in turns]
    state.seen = frozenset(c.node_id for c in turns[-1].answer.citations) if turns else frozenset()
    state.session.seed([(t.question, t.answer.text) for t in turns])
    last = turns[-1].answer if turns else None
    sources = render.sources_html(last, len(turns) - 1) if last else render.EMPTY_SOURCES
    return history_of(turns), sources, state


def start_new(store: Any, state: Any) -> tuple:
    history, sources, state = chat.new_conversation(state)
    return history, sources, state, chat.conversation_list(store, state)


def rename(store: Any, title: str, state: Any) -> tuple:
    if state is not None and state.cid and state.owner and (title or "").strip():
        store.rename(state.cid, state.owner, title)
    return chat.conversation_list(store, state), ""


def delete(store: Any, confirmed: str, state: Any) -> tuple:
    """Delete the open conversation (after the page's confirmation) and start a new one."""
    if confirmed != "yes" or state is None or not state.cid or not state.owner:
        return gr.skip(), gr.skip(), state, gr.skip()
    store.delete(state.cid, state.owner)
    return start_new(store, state)


def export(store: Any, state: Any) -> Any:
    """The open conversation as a Markdown file, with its citations (shown as a download link)."""
    if state is None or not state.cid or store.get(state.cid, state.owner) is None:
        return gr.update(visible=False, value=None)
    title = store.get(state.cid).title
    name = re.sub(r"[^\w-]+", "-", title, flags=re.UNICODE).strip("-")[:50] or "conversation"
    folder = Path(tempfile.mkdtemp(prefix="conversation-"))
    path = folder / f"{name}.md"
    path.write_text(store.export_markdown(state.cid), encoding="utf-8")
    return gr.update(visible=True, value=str(path))


def _last_question(history: list) -> tuple[list, str]:
    """The history before the last question, and that question."""
    for i in range(len(history) - 1, -1, -1):
        if isinstance(history[i], dict) and history[i].get("role") == "user":
            return history[:i], chat._plain(history[i].get("content"))
    return history, ""


def _forget_last(store: Any, state: Any) -> None:
    if state is not None and state.cid and store is not None:
        store.drop_last_turn(state.cid)


def again_for(bots: Mapping[str, Any], state: Any) -> chat.Again:
    """An LLM answerer writes a new answer from the same question. The extractive one would quote the
    same sentences again, so: an LLM writes it when one is available (and the last answer was not
    the LLM's), else the next-best evidence answers, without the passages cited so far."""
    if state is None or state.choice != EXTRACTIVE:
        return chat.Again()
    last = state.answers[-1] if state.answers else None
    llm = next((name for name in bots if name != EXTRACTIVE), None)
    if llm is not None and (last is None or last.mode == EXTRACTIVE):
        return chat.Again(answerer=llm)
    return chat.Again(exclude=state.seen)


def regenerate(bots: Mapping[str, Any], store: Any, history: list, state: Any, top_k: float, choice: str | None) -> Iterator:
    """Answer the last question again (it replaces the last answer, in the store too): as `again_for`
    says (with the extractive answerer: by the LLM when one is available, else from the next-best evidence)."""
    before, question = _last_question(list(history or []))
    if not question:
        yield history, gr.skip(), state, "", gr.skip()
        return
    again = again_for(bots, state)
    _forget_last(store, state)
    yield from chat.respond(bots, question, before, state, top_k, choice, store=store, again=again)


def edit(bots: Mapping[str, Any], store: Any, history: list, state: Any, top_k: float, choice: str | None,
         data: gr.EditData) -> Iterator:
    """An edited last question is asked again; editing an earlier one is not supported (kept as it was)."""
    history = list(history or [])
    index = data.index if isinstance(data.index, int) else data.index[0]
    users = [i for i, m in enumerate(history) if isinstance(m, dict) and m.get("role") == "user"]
    if not users or index != users[-1]:
        yield gr.skip(), gr.skip(), state, "", gr.skip()
        return
    _forget_last(store, state)
    yield from chat.respond(bots, chat._plain(data.value), history[:index], state, top_k, choice, store=store)


def rate(store: Any, history: list, state: Any, data: gr.LikeData) -> Any:
    """Thumbs up/down on an answer: stored with the question, the answer and its citations."""
    index = data.index if isinstance(data.index, int) else data.index[0]
    turn = sum(1 for m in history[:index] if isinstance(m, dict) and m.get("role") == "assistant")
    answers = getattr(state, "answers", [])
    if data.liked not in (True, False) or not 0 <= turn < len(answers) or answers[turn] is None:
        return gr.update(visible=False)
    owner = state.owner or "anonymous"
    seq = turn if state.cid else None
    state.feedback_id = store.add_feedback(owner, answers[turn], 1 if data.liked else -1,
                                           conversation_id=state.cid, seq=seq)
    label = "Thanks! What was good? (optional)" if data.liked else "Thanks! What was wrong? (optional)"
    return gr.update(visible=True, value="", label=label)


def comment(store: Any, text: str, state: Any) -> Any:
    """The optional comment, added to the last rating of this page."""
    if state is not None and state.feedback_id and (text or "").strip():
        store.comment_feedback(state.feedback_id, state.owner or "anonymous", text)
    return gr.update(visible=False, value="")
