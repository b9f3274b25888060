"""Would the local model's own judgement decline what the corpus does not say? (issue 16 item 2; DEV only).

    ASSISTANT_DATA_DIR=... PYTHONPATH=$PWD .venv/bin/python benchmarks/tune_judge.py [--limit 80] [--out judge.jsonl]

For each dev question of the bundled eval (single, multi-document and unanswerable kinds; `split: test`
is never read) that the extractive answerer answers, the local model reads the quoted evidence and the
question, in two prompts:

- `yesno`: "Does the text state the answer to this exact question? Reply yes or no." (3 tokens out);
- `extract`: "Copy the words of the text that answer the question, or reply NONE." (40 tokens out).

It prints, for answerable and for tricky unanswerable questions, how often each prompt (and both at
once) would decline, and the judgement's median time. A judge is worth wiring into `weigh` only if it
declines tricky questions without declining answerable ones: the target is false abstention <= 0.08.
Measured figures and the decision: docs/grounding.md, "The local model as a judge".
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PROMPTS = {
    "yesno": (
        "You check whether a text answers a question. Reply with one word: yes or no.",
        "Text:\n{evidence}\n\nQuestion: {question}\n\nDoes the text state the answer to this exact question? Reply yes or no.",
        3,
    ),
    "extract": (
        "You read a text and a question. If the text states the answer, copy the words of the text that answer it. "
        "If the text does not state it, reply exactly: NONE.",
        "Text:\n{evidence}\n\nQuestion: {question}\n\nThe words of the text that answer the question (or NONE):",
        40,
    ),
}


def declines(prompt: str, said: str) -> bool:
    said = said.strip().lower()
    return said.startswith("no") if prompt == "yesno" else said.startswith("none")


def main() -> int:
    from llama_index.core.llms import ChatMessage, MessageRole

    from assistant import Assistant, Settings
    from eval.dataset import load_questions

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=0, help="at most N dev questions (0: all)")
    parser.add_argument("--out", type=Path, default=None, help="write one JSON line per question here")
    args = parser.parse_args()
    questions = [q for q in load_questions() if q.split == "dev" and q.kind in ("single", "multi_doc", "unanswerable")]
    questions = questions[: args.limit] if args.limit else questions
    bot = Assistant(Settings())
    local = bot.variant(llm="local")
    rows = []
    for q in questions:
        answer = bot.ask(q.question)
        if answer.abstained:
            continue
        row = {"id": q.id, "answerable": q.answerable, "trap": q.trap}
        for name, (system, user, tokens) in PROMPTS.items():
            started = time.perf_counter()
            reply = local.llm.chat([
                ChatMessage(role=MessageRole.SYSTEM, content=system),
                ChatMessage(role=MessageRole.USER, content=user.format(evidence=answer.text[:1200], question=q.question)),
            ], max_tokens=tokens)
            row[name] = (reply.message.content or "").strip()
            row[f"{name}_s"] = round(time.perf_counter() - started, 2)
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
        if args.out:
            with args.out.open("a", encoding="utf-8") as f:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    groups = {"answerable": [r for r in rows if r["answerable"]], "tricky": [r for r in rows if r["trap"] == "tricky"]}
    print("\nquestions answered by extractive, declined by the judge:")
    for name in (*PROMPTS, "both"):
        cells = []
        for group, members in groups.items():
            n = sum(all(declines(p, r[p]) for p in PROMPTS) if name == "both" else declines(name, r[name]) for r in members)
            cells.append(f"{group} {n}/{len(members)}")
        print(f"  {name:8s} " + "  ".join(cells))
    for name in PROMPTS:
        times = [r[f"{name}_s"] for r in rows]
        if times:
            print(f"  {name} judgement median {statistics.median(times):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
