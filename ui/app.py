"""The Gradio web UI: a chat with a sources panel, and a corpus tab.

Run it with `assistant ui` (host and port from ASSISTANT_UI_HOST / ASSISTANT_UI_PORT), or:

    from assistant import Assistant
    from ui.app import launch
    bot = Assistant(); bot.ingest(bot.settings.corpus_dir); launch(bot)

Offline by design: analytics off, no share link, no extra served paths.
"""

from __future__ import annotations

import functools
import os
import socket
import sys
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import gradio as gr

from core.settings import is_loopback
from core.settings import Settings
from ui import chat, corpus, kept, render, theme
from ui import viewer as viewer_mod
from ui.examples import EXAMPLES
from assistant import UPLOAD_SUFFIXES as ALLOWED_SUFFIXES

CONCURRENCY = 4  # answers running at once; ingest/remove run one at a time
HIDDEN = "undocumented"  # UI plumbing events: callable by the page, left out of the API page


def _offline_env() -> None:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")


def build_app(bot: Any) -> gr.Blocks:
    """The Blocks app for one Assistant (shared by all sessions; conversations are per browser)."""
    _offline_env()
    bots = chat.answerers(bot)
    store = bot.conversations()
    settings = bot.settings
    with gr.Blocks(title="Corpus assistant", analytics_enabled=False, delete_cache=(3600, 3600)) as demo:
        state = gr.State(None)
        gr.HTML(f'<div id="app-header"><h1>Corpus assistant</h1>{render.mode_markdown(bot.mode)}</div>')
        banner = gr.HTML("", elem_id="banner")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                with gr.Row(equal_height=False, elem_id="chat-row"):
                    side = _sidebar()
                    with gr.Column(scale=3, min_width=340):
                        chatbot = gr.Chatbot(
                            elem_id="chatbot", label="Conversation", height=520, sanitize_html=True,
                            render_markdown=True, feedback_options=("Like", "Dislike"), buttons=["copy"],
                            editable="user", placeholder="Ask a question about the corpus, in French or English.",
                        )
                        feedback = gr.Textbox(visible=False, elem_id="feedback-comment", lines=1, max_lines=4,
                                              placeholder="Press Enter to send the comment")
                        with gr.Row(elem_id="ask-row"):
                            msg = gr.Textbox(
                                elem_id="question", show_label=False, scale=6, autofocus=True, lines=1, max_lines=6,
                                placeholder="Votre question… / Your question… (Enter sends, Shift+Enter adds a line)",
                            )
                            ask = gr.Button("Ask", variant="primary", scale=1, min_width=70, elem_id="ask")
                            stop = gr.Button("Stop", variant="stop", scale=1, min_width=70, elem_id="stop")
                        with gr.Row(elem_classes="examples"):
                            examples = [
                                gr.Button(f"{lang.upper()} · {q}", size="sm", elem_classes="example-btn")
                                for lang, q in EXAMPLES
                            ]
                        with gr.Accordion("Settings", open=False):
                            top_k = gr.Slider(1, 20, value=settings.top_k, step=1, label="Passages retrieved (top-k)")
                            choice = gr.Radio(
                                list(bots), value=bot.mode, label="Answer with (changing it starts a new conversation)",
                                visible=len(bots) > 1,
                            )
                    with gr.Column(scale=2, min_width=300):
                        sources = gr.HTML(render.EMPTY_SOURCES, elem_id="sources-panel")
            with gr.Tab("Corpus", id="corpus"):
                tab = _corpus_tab(settings)
        viewer = gr.HTML("", elem_id="viewer")
        with gr.Row(elem_classes="hidden-plumbing"):
            target = gr.Textbox(elem_id="ui-target", show_label=False, container=False)
            copied = gr.Textbox(elem_id="copy-out", show_label=False, container=False)
            browser = gr.Textbox(elem_id="browser-id", show_label=False, container=False)
            action = gr.Button("action", elem_id="ui-action")

        respond = functools.partial(chat.respond, bots, store=store)
        chat_io = dict(inputs=[msg, chatbot, state, top_k, choice], outputs=[chatbot, sources, state, msg, side.list])
        answer_events = [msg.submit(respond, **chat_io, api_name="ask"), ask.click(respond, **chat_io, api_visibility=HIDDEN)]
        for button, (_, question) in zip(examples, EXAMPLES):
            fill = button.click(lambda q=question: q, outputs=msg, queue=False, api_visibility=HIDDEN)
            answer_events.append(fill.then(respond, **chat_io, api_visibility=HIDDEN))
        again_io = dict(inputs=[chatbot, state, top_k, choice], outputs=chat_io["outputs"], api_visibility=HIDDEN)
        chatbot.retry(functools.partial(kept.regenerate, bots, store), **again_io)

        def on_edit(history: list, state: Any, top_k: float, choice: str | None, data: gr.EditData):
            yield from kept.edit(bots, store, history, state, top_k, choice, data)

        def on_rate(history: list, state: Any, data: gr.LikeData):
            return kept.rate(store, history, state, data)

        chatbot.edit(on_edit, **again_io)
        stop.click(chat.stop_answer, inputs=state, queue=False, api_visibility=HIDDEN)
        chatbot.like(on_rate, inputs=[chatbot, state], outputs=feedback, api_visibility=HIDDEN)
        feedback.submit(functools.partial(kept.comment, store), inputs=[feedback, state], outputs=feedback, api_visibility=HIDDEN)
        _wire_sidebar(demo, bots, store, side, state, chatbot, sources, choice, browser)
        switch = functools.partial(chat.switch_answerer, bots)
        choice.change(switch, inputs=[choice, state], outputs=[chatbot, sources, state], api_visibility=HIDDEN)
        act = functools.partial(viewer_mod.act, bot)
        action.click(act, inputs=[target, state], outputs=[viewer, copied], js=theme.READ_TARGET_JS,
                     queue=False, api_visibility=HIDDEN).then(None, inputs=copied, js=theme.AFTER_ACTION_JS)
        _wire_corpus(demo, bot, tab, banner)
    return demo


def _sidebar() -> SimpleNamespace:
    with gr.Column(scale=1, min_width=220, elem_id="sidebar"):
        new = gr.Button("+ New conversation", size="sm", elem_id="new-conversation", variant="secondary")
        listing = gr.Radio([], label="Conversations", elem_id="conversations", interactive=True)
        with gr.Accordion("This conversation", open=False, elem_id="conversation-tools"):
            title = gr.Textbox(show_label=False, placeholder="New title, then Enter", elem_id="rename-box", lines=1)
            with gr.Row():
                export = gr.Button("Export Markdown", size="sm", elem_id="export")
                delete = gr.Button("Delete", size="sm", variant="stop", elem_id="delete-conversation")
            exported = gr.File(label="Markdown export", visible=False, elem_id="export-file")
            confirm = gr.Textbox(elem_classes="hidden-plumbing", elem_id="delete-confirm", container=False)
    return SimpleNamespace(new=new, list=listing, title=title, export=export, exported=exported, delete=delete,
                           confirm=confirm)


def _wire_sidebar(demo: gr.Blocks, bots: dict, store: Any, side: SimpleNamespace, state: gr.State,
                  chatbot: gr.Chatbot, sources: gr.HTML, choice: gr.Radio, browser: gr.Textbox) -> None:
    hidden = dict(api_visibility=HIDDEN)
    demo.load(functools.partial(kept.on_load, bots, store), inputs=[browser, state, choice], outputs=[state, side.list],
              js=theme.BROWSER_ID_JS, **hidden).then(None, js=theme.LOADED_JS)
    side.list.input(functools.partial(kept.open_conversation, store), inputs=[side.list, state],
                    outputs=[chatbot, sources, state], **hidden)
    start_new = functools.partial(kept.start_new, store)
    side.new.click(start_new, inputs=state, outputs=[chatbot, sources, state, side.list], api_name="new_conversation")
    chatbot.clear(start_new, inputs=state, outputs=[chatbot, sources, state, side.list], **hidden)
    side.title.submit(functools.partial(kept.rename, store), inputs=[side.title, state], outputs=[side.list, side.title], **hidden)
    side.delete.click(functools.partial(kept.delete, store), inputs=[side.confirm, state],
                      outputs=[chatbot, sources, state, side.list], js=theme.CONFIRM_DELETE_JS, **hidden)
    side.export.click(functools.partial(kept.export, store), inputs=state, outputs=side.exported, **hidden)


def _corpus_tab(settings: Settings) -> SimpleNamespace:
    search = gr.Textbox(label="Search the documents (name, folder or title)", elem_id="doc-search", lines=1,
                        placeholder="e.g. festival, 003_, Internet")
    docs = gr.Dataframe(
        headers=render.DOCUMENT_HEADERS, datatype="str", interactive=False, wrap=True, label="Ingested documents",
        elem_id="documents", column_widths=["22%", "10%", "36%", "9%", "9%", "14%"],
    )
    with gr.Row():
        with gr.Column():
            files = gr.File(
                file_count="multiple", file_types=list(ALLOWED_SUFFIXES), elem_id="upload",
                label=f"Upload {' '.join(ALLOWED_SUFFIXES)} files (up to {settings.max_file_mb:g} MB each)",
            )
        with gr.Column():
            pick = gr.Dropdown([], label="Document (open it, or remove it)", elem_id="remove-pick")
            with gr.Row():
                open_doc = gr.Button("Open in the viewer", size="md", elem_id="open-doc")
                remove = gr.Button("Remove from the index", variant="stop", size="md", elem_id="remove")
                reingest = gr.Button("Re-ingest the bundled corpus", size="md", elem_id="reingest")
    confirm = gr.Textbox(elem_classes="hidden-plumbing", elem_id="remove-confirm", container=False)
    status = gr.HTML("", elem_id="corpus-status")
    report = gr.Dataframe(
        headers=render.REPORT_HEADERS, interactive=False, label="Last ingest report", elem_id="report"
    )
    return SimpleNamespace(
        docs=docs, files=files, pick=pick, remove=remove, reingest=reingest, status=status, report=report,
        search=search, open_doc=open_doc, confirm=confirm,
    )


def _wire_corpus(demo: gr.Blocks, bot: Any, tab: SimpleNamespace, banner: gr.HTML) -> None:
    refresh = dict(
        fn=functools.partial(corpus.refresh, bot), inputs=[tab.search, tab.pick], outputs=[tab.docs, tab.pick, banner],
        api_visibility=HIDDEN,
    )
    serial = dict(concurrency_limit=1, concurrency_id="corpus")

    def on_upload(files, progress=gr.Progress(track_tqdm=True)):
        table, message = corpus.upload(bot, files, progress)
        return table, message, None

    def on_reingest(progress=gr.Progress(track_tqdm=True)):
        return corpus.reingest_corpus(bot, progress)

    uploaded = tab.files.upload(
        on_upload, inputs=tab.files, outputs=[tab.report, tab.status, tab.files], api_name="upload", **serial
    )
    uploaded.then(**refresh)
    tab.reingest.click(on_reingest, outputs=[tab.report, tab.status], api_name="reingest", **serial).then(**refresh)
    remove = functools.partial(corpus.remove, bot)
    tab.remove.click(remove, inputs=[tab.pick, tab.confirm], outputs=tab.status, api_name="remove",
                     js=theme.CONFIRM_REMOVE_JS, **serial).then(**refresh)
    # .change, not .input: Gradio 6's Textbox fires .input only for some edits (a value set in one go, as a
    # paste or an autofill, or playwright's fill, never reached the server); always_last runs the newest text.
    tab.search.change(**refresh, trigger_mode="always_last", show_progress="hidden")
    tab.open_doc.click(None, inputs=tab.pick, js=theme.OPEN_DOCUMENT_JS)
    demo.load(**refresh)


def login(settings: Settings) -> tuple[str, str] | None:
    """(user, password) when both are set; otherwise None, with a warning if the host is not loopback."""
    if settings.ui_user and settings.ui_password:
        return settings.ui_user, settings.ui_password.get_secret_value()
    if not is_loopback(settings.ui_host):
        print(
            f"warning: the UI listens on {settings.ui_host} without a login; anyone who can reach this port can use "
            "it. Set ASSISTANT_UI_USER and ASSISTANT_UI_PASSWORD.",
            file=sys.stderr,
        )
    return None


def _served_options(settings: Settings) -> dict[str, Any]:
    """What both ways of serving the UI (launch, mount) must set: login, no extra paths, offline."""
    return dict(
        auth=login(settings), allowed_paths=[], blocked_paths=[str(settings.data_dir.resolve())],
        max_file_size=int(settings.max_file_mb * 1024 * 1024), footer_links=["gradio", "settings"],
        ssr_mode=False, mcp_server=False, enable_monitoring=False, pwa=False, show_error=False,
        theme=gr.themes.Default(), css=theme.CSS, head=theme.HEAD,
    )


def _with_address(settings: Settings, host: str | None, port: int | None) -> Settings:
    overrides = {k: v for k, v in (("ui_host", host), ("ui_port", port)) if v is not None}
    return settings.model_copy(update=overrides) if overrides else settings


def launch(
    bot: Any, settings: Settings | None = None, *, host: str | None = None, port: int | None = None, block: bool = True
) -> gr.Blocks:
    """Serve the UI on host:port (default settings.ui_host:ui_port). With block=False, return the running app."""
    _offline_env()
    settings = _with_address(settings or bot.settings, host, port)
    options = _served_options(settings)
    demo = build_app(bot)
    demo.queue(default_concurrency_limit=CONCURRENCY)
    demo.launch(
        server_name=settings.ui_host, server_port=settings.ui_port, share=False, prevent_thread_lock=not block,
        quiet=not block, **options,
    )
    return demo


def mount(app: Any, bot: Any, settings: Settings | None = None, *, host: str | None = None,
          port: int | None = None, path: str = "/") -> Callable[[], None]:
    """Mount the UI on an existing FastAPI app (e.g. the HTTP API's), with the same settings as `launch`.

    One process then serves both: one loaded model, one index. The caller runs the app, and calls the
    function returned on shutdown: it ends the UI's open heartbeat streams, which the server would
    otherwise wait for (as `demo.close()` does for a launched UI).
    """
    _offline_env()
    settings = _with_address(settings or bot.settings, host, port)
    demo = build_app(bot)
    demo.queue(default_concurrency_limit=CONCURRENCY)
    gr.mount_gradio_app(app, demo, path, server_name=settings.ui_host, server_port=settings.ui_port,
                        **_served_options(settings))
    served = app.routes[-1].app  # the Gradio app just mounted: its stop_event ends the heartbeats

    def stop() -> None:
        demo.close(verbose=False)
        served.stop_event.set()

    return stop


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (for tests and screenshots)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]
