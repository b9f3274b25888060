"""`assistant eval --feedback`: what users said about answers in the web UI, and drafts of dev questions.

    assistant eval --feedback              list the ratings, newest first (id, 👍/👎, question, comment)
    assistant eval --feedback --draft 7    print rating 7 as a draft question (split: dev) in YAML

The draft is a starting point for eval/questions.yaml, never added by itself: a person checks the
reference, the key facts and the evidence quote against the document before pasting it in. A
thumbs-down answer becomes a draft whose reference is left for that person to write.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

import yaml

from core.errors import AssistantError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant eval --feedback", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--feedback", action="store_true", help="list the feedback given in the web UI")
    parser.add_argument("--draft", type=int, metavar="ID", help="print feedback ID as a draft dev question (YAML)")
    parser.add_argument("--bad", action="store_true", help="only thumbs-down")
    return parser


def _store() -> Any:
    from assistant import Assistant

    return Assistant().conversations()


def listing(entries: list) -> str:
    if not entries:
        return "No feedback yet: rate answers with 👍/👎 in the web UI (`assistant ui`)."
    lines = []
    for fb in entries:
        when = datetime.fromtimestamp(fb.created).strftime("%Y-%m-%d %H:%M")
        mark = "+1" if fb.rating > 0 else "-1"
        comment = f"  — {fb.comment}" if fb.comment else ""
        lines.append(f"{fb.id}\t{mark}\t{when}\t{fb.answerer}\t{fb.question}{comment}")
    return "\n".join(lines)


def draft(fb: Any) -> str:
    """One feedback entry as a draft item of eval/questions.yaml (split: dev)."""
    from assistant import guess_language

    good = fb.rating > 0
    evidence = [{"source": c["source"], "quote": q} for c in fb.citations for q in c.get("quoted", [])[:1]]
    item = {
        "id": f"fb-{fb.id:03d}",
        "split": "dev",
        "question": fb.standalone or fb.question,
        "lang": guess_language(fb.question),
        "kind": "single" if evidence else "unanswerable",
        "answerable": bool(evidence),
        "reference": fb.answer if good else "TODO: the right answer (the user said this one was wrong)",
        "key_facts": [["TODO: a fact the answer must contain"]],
        "evidence": evidence,
        "history": [],
    }
    header = [
        f"# Draft from feedback {fb.id} ({'thumbs up' if good else 'thumbs down'}, answerer {fb.answerer})",
        *([f"# User comment: {fb.comment}"] if fb.comment else []),
        *([f"# Asked as: {fb.question}"] if fb.standalone and fb.standalone != fb.question else []),
        "# Check every field against the document before adding it to eval/questions.yaml.",
    ]
    return "\n".join(header) + "\n" + yaml.safe_dump([item], allow_unicode=True, sort_keys=False, width=120)


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    try:
        entries = _store().feedback()
    except AssistantError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if args.draft is not None:
        chosen = next((fb for fb in entries if fb.id == args.draft), None)
        if chosen is None:
            print(f"error: no feedback with id {args.draft}: `assistant eval --feedback` lists them.", file=sys.stderr)
            return 1
        print(draft(chosen), end="")
        return 0
    print(listing([fb for fb in entries if fb.rating < 0] if args.bad else entries))
    return 0
