"""The `assistant` command line.

    assistant ingest [PATH] [--rebuild]   sync a folder into the index (default: the bundled corpus)
    assistant ask "question"              answer once, then the numbered sources
    assistant chat                        a terminal chat (follow-ups understood)
    assistant ui [--api]                  the web UI on 127.0.0.1:7860 (with --api, the HTTP API too)
    assistant serve [--ui]                the OpenAI-compatible HTTP API on 127.0.0.1:8001 (with --ui, the UI at /)
    assistant eval [...]                  score the assistant on eval/questions.yaml
    assistant eval --feedback [--draft ID] the web UI's 👍/👎 ratings; one as a draft dev question
    assistant documents                   list what is ingested
    assistant remove [--root FOLDER] NAME remove one document (FOLDER/NAME works too)

User errors print one line and exit non-zero; never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from core.errors import AssistantError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description="Ask your documents; answers cite their passages.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("ingest", help="sync a folder (or one file) into the index")
    p.add_argument("path", nargs="?", help="folder or file (default: ASSISTANT_CORPUS_DIR, i.e. corpus/)")
    p.add_argument("--rebuild", action="store_true", help="drop the index first (after changing the embedding model)")
    p.add_argument("--quiet", action="store_true", help="no progress bars, only the report")
    p = sub.add_parser("ask", help="answer one question")
    p.add_argument("question")
    p.add_argument("--top-k", type=int, default=None, help="passages given to the answerer")
    p.add_argument("--json", action="store_true", help="print the whole answer object as JSON")
    p = sub.add_parser("chat", help="chat in the terminal")
    p.add_argument("--no-sync", action="store_true", help="do not sync the corpus folder first")
    p.add_argument("--resume", nargs="?", const="", metavar="ID", default=None,
                   help="continue a kept conversation: the last terminal one, or the one whose id starts with ID "
                   "(the web UI's too; `assistant chat --list` shows them)")
    p.add_argument("--list", action="store_true", help="list the kept conversations and exit")
    p = sub.add_parser("ui", help="start the web UI")
    p.add_argument("--host", default=None, help="interface to bind (default ASSISTANT_UI_HOST, 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default ASSISTANT_UI_PORT, 7860)")
    p.add_argument("--no-sync", action="store_true", help="do not sync the corpus folder first")
    p.add_argument("--api", action="store_true", help="also serve the HTTP API under /v1 (one process, one model)")
    p = sub.add_parser("serve", help="start the OpenAI-compatible HTTP API")
    p.add_argument("--host", default=None, help="interface to bind (default ASSISTANT_API_HOST, 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default ASSISTANT_API_PORT, 8001)")
    p.add_argument("--no-sync", action="store_true", help="do not sync the corpus folder first")
    p.add_argument("--ui", action="store_true", help="also serve the web UI at / (one process, one model)")
    p.add_argument("--workers", type=int, default=None, help="answering processes (default ASSISTANT_API_WORKERS, 1)")
    sub.add_parser("documents", help="list ingested documents")
    p = sub.add_parser("remove", help="remove one document from the index")
    p.add_argument("source", help="its name as listed by `assistant documents`, or FOLDER/NAME")
    p.add_argument("--root", default=None, help="the folder it was ingested from, when two folders hold that name")
    # Listed here for `assistant --help`; its arguments are parsed by eval.cli (see `main`).
    sub.add_parser("eval", help="score the assistant on eval/questions.yaml, dev and test splits (see `assistant eval --help`)", add_help=False)
    return parser


def subcommands() -> list[str]:
    """Every subcommand name, in the order `assistant --help` lists them."""
    # argparse has no public accessor for its subparsers; the tests use this to cover every one.
    (action,) = [a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return list(action.choices)


def _bot(**overrides: Any) -> Any:
    from pydantic import ValidationError

    from assistant import Assistant
    from core.settings import Settings

    try:
        settings = Settings(**overrides)
    except ValidationError as err:  # show the first problem only, in one line
        first = err.errors()[0]
        raise AssistantError(f"Invalid setting {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    return Assistant(settings)


def _sync_corpus(bot: Any, *, warm: bool = True) -> None:
    """Sync the corpus folder; `warm`: then load the models this process answers with."""
    folder = bot.settings.corpus_dir
    if not folder.is_dir():
        print(f"(no corpus folder at {folder}; skipping sync)", file=sys.stderr)
        return
    report = bot.ingest(folder, show_progress=True)
    print(report.summary(), file=sys.stderr)
    if warm:
        bot.warm_up()


def _quiet_libraries() -> None:
    """No library progress bars (tqdm reads TQDM_* when it is imported, which has not happened yet)."""
    os.environ["TQDM_DISABLE"] = "1"
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


_PROGRESS = re.compile(r"\d+%\||it/s\]|B/s\]|s/it\]|\?it/s|\?B/s")


@contextlib.contextmanager
def _progress_filtered(quiet: bool) -> Iterator[None]:
    """With --quiet, hold back what libraries write to stderr during the ingest and pass on only the
    lines that are not progress bars (some, e.g. bm25s saving its index, ignore TQDM_DISABLE)."""
    if not quiet:
        yield
        return
    held = io.StringIO()
    try:
        with contextlib.redirect_stderr(held):
            yield
    finally:
        for line in re.split(r"[\r\n]+", held.getvalue()):
            if line.strip() and not _PROGRESS.search(line):
                print(line, file=sys.stderr)


def _end_progress_line() -> None:
    """Clear a progress bar left on the terminal line, so the report starts on a clean line."""
    sys.stderr.flush()
    if sys.stderr.isatty() and sys.stdout.isatty():
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()


def _documents(bot: Any) -> int:
    from assistant import escape_name

    docs = bot.documents()
    for d in docs:
        print(f"{escape_name(d.source)}\t{d.chunks} chunks\t{d.tokens} tokens\t{d.ingested_at}\t{escape_name(d.root)}")
    if not docs:
        print("Nothing ingested yet: run `assistant ingest corpus/`.")
    return 0


def _which_document(bot: Any, name: str, root: str | None) -> tuple[str, str | None]:
    """(source, root) for `assistant remove`: NAME with --root, a FOLDER/NAME path, or a NAME one folder holds."""
    docs = bot.documents()
    if root is None:
        wanted = Path(name).absolute()
        for d in docs:
            if Path(d.root) / d.source in (wanted, wanted.resolve()):
                return d.source, d.root
        holders = [d.root for d in docs if d.source == name]
        if len(holders) > 1:
            folders = ", ".join(holders)
            raise AssistantError(
                f"{name!r} was ingested from several folders ({folders}); say which: "
                f"`assistant remove --root FOLDER {name}` or `assistant remove FOLDER/{name}`."
            )
    return name, str(Path(root).resolve()) if root else None


def _print_answer(answer: Any) -> None:
    print(answer.text)
    if answer.citations:
        print("\nSources:")
        print(answer.sources_text())
    elif answer.abstained and answer.retrieved:
        pass  # the abstention text already lists the nearest sources
    for warning in answer.warnings:
        print(f"(warning: {warning})", file=sys.stderr)
    if answer.error:
        print(f"error: {answer.error}", file=sys.stderr)


TERMINAL = "terminal"  # the owner of conversations kept by `assistant chat`


def _list_conversations(bot: Any) -> int:
    from datetime import datetime

    rows = bot.conversations().conversations(None)  # every owner's: the terminal user runs the machine
    for c in rows:
        who = "terminal" if c.owner == TERMINAL else "web"
        print(f"{c.id[:8]}\t{datetime.fromtimestamp(c.updated):%Y-%m-%d %H:%M}\t{who}\t{c.title}")
    if not rows:
        print("No kept conversation yet.")
    return 0


def _resumed(bot: Any, store: Any, wanted: str) -> tuple[str | None, list]:
    """(conversation id, its turns) for --resume: the last terminal conversation, or the id given."""
    if wanted:
        found = store.find(wanted)
        if len(found) != 1:
            what = "No conversation" if not found else f"{len(found)} conversations"
            raise AssistantError(f"{what} with an id starting with {wanted!r}: see `assistant chat --list`.")
        conversation = found[0]
    else:
        mine = store.conversations(TERMINAL)
        if not mine:
            raise AssistantError("No terminal conversation to resume yet: run `assistant chat` first.")
        conversation = mine[0]
    return conversation.id, store.turns(conversation.id)


def _chat(bot: Any, resume: str | None = None) -> int:
    session = bot.chat()
    store = bot.conversations()
    cid = None
    if resume is not None:
        cid, turns = _resumed(bot, store, resume)
        session.seed([(t.question, t.answer.text) for t in turns])
        for turn in turns:
            print(f"\n> {turn.question}\n{turn.answer.text}")
        print(f"(resumed conversation {cid[:8]}: {len(turns)} earlier questions)")
    print(f"Mode: {bot.mode}. Ask a question (empty line or Ctrl-D to quit, /new for a new conversation).")
    while True:
        try:
            question = input("\n> ").strip()
        except EOFError:
            return 0
        if not question:
            return 0
        if question == "/new":
            session.reset()
            cid = None
            print("(new conversation)")
            continue
        try:
            stream = session.stream(question)
            for piece in stream:
                print(piece, end="", flush=True)
            print()
            answer = stream.answer
            if answer.citations:
                print(answer.sources_text())
            if answer.error:
                print(f"error: {answer.error}", file=sys.stderr)
            else:
                cid = cid or store.create(TERMINAL, question)
                store.add_turn(cid, answer)
        except AssistantError as err:
            print(f"error: {err}", file=sys.stderr)


def _workers(args: argparse.Namespace, settings: Any) -> int:
    """Answering processes asked for: `serve --workers`, else ASSISTANT_API_WORKERS."""
    return getattr(args, "workers", None) or settings.api_workers


def _serve(bot: Any, args: argparse.Namespace) -> int:
    """The HTTP API, with the web UI mounted at / for `serve --ui` and `ui --api`."""
    from server.app import create_app, run as run_server

    settings = bot.settings
    with_ui = args.command == "ui" or args.ui
    if args.command == "ui":
        host, port = args.host or settings.ui_host, args.port or settings.ui_port
    else:
        host, port = args.host or settings.api_host, args.port or settings.api_port
    workers = _workers(args, settings)
    if workers > 1 and with_ui:
        print("note: the web UI keeps its sessions in one process, so the API answers in that one too "
              "(--workers applies to `assistant serve` without --ui).", file=sys.stderr)
    elif workers > 1:
        from server.app import run_workers

        print(f"HTTP API on http://{host}:{port}/v1 ({workers} worker processes)", file=sys.stderr)
        run_workers(settings, host, port, workers)
        return 0
    app = create_app(bot)
    stop_ui = None
    if with_ui:
        from ui.app import mount

        stop_ui = mount(app, bot, host=host, port=port)
    print(f"HTTP API on http://{host}:{port}/v1" + (f", web UI on http://{host}:{port}/" if with_ui else ""),
          file=sys.stderr)
    run_server(app, settings, host, port, on_exit=stop_ui)
    return 0


def run(args: argparse.Namespace) -> int:
    if args.command == "ingest" and args.quiet:
        _quiet_libraries()
    bot = _bot()
    if args.command == "ingest":
        path = Path(args.path) if args.path else bot.settings.corpus_dir
        with _progress_filtered(args.quiet):
            report = bot.ingest(path, show_progress=not args.quiet, rebuild=args.rebuild)
        _end_progress_line()
        print(report.table())
        return 1 if report.count("failed") and not report.changed_anything and not report.count("unchanged") else 0
    if args.command == "ask":
        answer = bot.ask(args.question, top_k=args.top_k)
        if args.json:
            from dataclasses import asdict

            print(json.dumps(asdict(answer), ensure_ascii=False, indent=2))
        else:
            _print_answer(answer)
        return 0 if answer.complete else 1
    if args.command == "chat":
        if args.list:
            return _list_conversations(bot)
        if not args.no_sync:
            _sync_corpus(bot)
        return _chat(bot, args.resume)
    if args.command == "ui" and not args.api:
        if not args.no_sync:
            _sync_corpus(bot)
        from ui.app import launch

        launch(bot, host=args.host, port=args.port)
        return 0
    if args.command in ("serve", "ui"):
        if not args.no_sync:  # with worker processes, each loads its own models: the parent only syncs
            _sync_corpus(bot, warm=_workers(args, bot.settings) == 1 or args.command == "ui" or args.ui)
        return _serve(bot, args)
    if args.command == "documents":
        return _documents(bot)
    if args.command == "remove":
        from assistant import escape_name

        source, root = _which_document(bot, args.source, args.root)
        holders = [d.root for d in bot.documents() if d.source == source and root in (None, d.root)]
        print(f"Removed {bot.remove(source, root)} chunks of {escape_name(source)}.")
        note = bot.comes_back(source, holders[0]) if len(holders) == 1 else ""
        if note:
            print(note)
        return 0
    return 2


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["eval"] and "--feedback" in argv:
        from eval.feedback import main as feedback_main  # what users said in the web UI

        return feedback_main(argv[1:])
    if argv[:1] == ["eval"]:
        # The eval owns its parser (also `python -m eval`). argparse.REMAINDER cannot hand it a
        # leading option such as `--help` or `--configs` (both failed before), so everything after
        # `eval` goes to it untouched.
        from eval.cli import main as eval_main

        return eval_main(argv[1:])
    args = _parser().parse_args(argv)
    try:
        return run(args)
    except AssistantError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
