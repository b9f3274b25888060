"""Pure functions turning answers, passages and reports into escaped HTML/Markdown for the UI.

Every piece of document or model text goes through `html.escape` before any markup is added, so
a passage containing `<script>` shows as text. Only the markup written here reaches the browser.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from pathlib import Path
from typing import Iterable, Sequence

from assistant import Answer, Passage, SyncReport

MARKER = re.compile(r"\[(\d{1,3})\]")
EMPTY_SOURCES = '<div class="sources-empty">Sources for the latest answer appear here.</div>'
DOCUMENT_HEADERS = ["Source", "Folder", "Titles found", "Chunks", "Tokens", "Ingested"]
REPORT_HEADERS = ["File", "Status", "Chunks", "Tokens", "Reason"]


def esc(text: str) -> str:
    """Escape text for HTML (and for Markdown that allows HTML)."""
    return html.escape(text, quote=True)


# Characters Markdown (and Gradio's LaTeX) give a meaning to, written as HTML character references:
# the browser shows them as typed, the Markdown renderer sees no image or link (`[` and `]` are what
# make them), emphasis, heading, table, formula or raw HTML. Automatic links ("http://", "www.",
# "name@host") are broken the same way, at the character that starts them.
_MARKDOWN = {c: f"&#{ord(c)};" for c in "\\`*_[]#|~$@"}
_MARKDOWN.update({c: html.escape(c) for c in "<>&\"'"})
_AUTOLINK = re.compile(r"(?<=[A-Za-z])://|(?i:www)\.")


def inert(text: str) -> str:
    """Document or model text for a Markdown message: shown as text, never as markup or a link."""
    escaped = "".join(_MARKDOWN.get(c, c) for c in text)
    return _AUTOLINK.sub(lambda m: "&#58;//" if m.group(0) == "://" else m.group(0)[:-1] + "&#46;", escaped)


def answer_html(text: str, known: Iterable[int] | None = None) -> str:
    """An answer's text made inert, with its [n] markers turned into badges (see `cite_badges`)."""
    parts = MARKER.split(text)
    out = [inert(parts[0])]
    for number, rest in zip(parts[1::2], parts[2::2]):
        out += [cite_badges(f"[{number}]", known), inert(rest)]
    return "".join(out)


def cite_badges(escaped: str, known: Iterable[int] | None = None) -> str:
    """Turn [n] markers of already-escaped text into badges linking to source card n.

    Markers whose number is not in `known` (when given) are styled as dangling.
    """
    numbers = None if known is None else set(known)

    def badge(m: re.Match[str]) -> str:
        n = int(m.group(1))
        cls = "cite" if numbers is None or n in numbers else "cite cite-dangling"
        return f'<a class="{cls}" href="#src-{n}" title="Source {n}">[{n}]</a>'

    return MARKER.sub(badge, escaped)


def streaming_markdown(partial: str) -> str:
    """The answer while it streams: escaped, with badges, and a cursor."""
    return answer_html(partial) + ' <span class="typing">▍</span>'


def answer_markdown(answer: Answer) -> str:
    """The final chat message for an answer: abstention, incomplete and warning notes included."""
    body = answer_html(answer.text, [p.number for p in answer.retrieved])
    parts = []
    if answer.abstained:
        parts.append('<span class="tag tag-abstain">Not in the corpus</span>')
    if answer.standalone_question and answer.standalone_question.strip() != answer.question.strip():
        parts.append(f'<span class="understood">Understood as: {inert(answer.standalone_question)}</span>')
    parts.append(body)
    if answer.abstained and answer.retrieved:
        parts.append('<span class="note">The nearest passages are listed under Sources.</span>')
    if answer.error:
        parts.append(f'<span class="tag tag-error">Incomplete</span> {esc(answer.error)}')
    for warning in answer.warnings:
        parts.append(f'<span class="note">⚠ {esc(warning)}</span>')
    parts.append(answered_by(answer.mode))
    return "\n\n".join(parts)


def answered_by(mode: str) -> str:
    """Which answerer wrote this answer (extractive quotes, or the named LLM)."""
    who = "extractive (instant quotes from the corpus)" if mode == "extractive" else f"LLM · {mode}"
    return f'<span class="answered-by">Answered by: {esc(who)}</span>'



def error_markdown(message: str) -> str:
    """A chat message for a problem that prevented any answer."""
    return f'<span class="tag tag-error">Error</span> {esc(message)}'


def highlighted(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """Escape `text`, wrapping the given (start, end) spans in <mark>; overlapping spans are merged."""
    merged: list[list[int]] = []
    for start, end in sorted((max(0, s), min(len(text), e)) for s, e in spans if e > s):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, pos = [], 0
    for start, end in merged:
        out += [esc(text[pos:start]), "<mark>", esc(text[start:end]), "</mark>"]
        pos = end
    out.append(esc(text[pos:]))
    return "".join(out)


def passage_card(passage: Passage, *, cited: bool) -> str:
    cls = "src-card cited" if cited else "src-card"
    title = esc(passage.title or passage.source)
    files = ", ".join([passage.source, *passage.also_in])
    page = f' · <span class="src-page">{esc(passage.pages)}</span>' if passage.pages else ""
    return (
        f'<div class="{cls}" id="src-{passage.number}">'
        f'<div class="src-head"><span class="src-num">{passage.number}</span>'
        f'<span class="src-title">{title}</span>'
        f'<span class="src-score" title="retrieval score">{passage.score:.3f}</span></div>'
        f'<div class="src-file">{esc(files)}{page}</div>'
        f'<div class="src-text">{highlighted(passage.text, passage.highlights)}</div>'
        "</div>"
    )


def sources_html(answer: Answer, turn: int | None = None) -> str:
    """The sources panel: cited passages first, the other retrieved ones folded underneath.

    `turn`: which answer of the conversation it is (a click on a card opens that answer's passage)."""
    cited_numbers = {p.number for p in answer.citations}
    others = [p for p in answer.retrieved if p.number not in cited_numbers]
    if answer.abstained:
        n = len(answer.retrieved)
        head = f"Not in the corpus · {n} nearest passages" if n else "Not in the corpus · no passage came close"
        cards = [passage_card(p, cited=False) for p in answer.retrieved]
        return _panel(head, cards, [], turn)
    head = f"Sources · {len(answer.citations)} cited of {len(answer.retrieved)} retrieved"
    cards = [passage_card(p, cited=True) for p in answer.citations]
    return _panel(head, cards, [passage_card(p, cited=False) for p in others], turn)


def _panel(head: str, cards: list[str], folded: list[str], turn: int | None = None) -> str:
    data = f' data-turn="{int(turn)}"' if turn is not None else ""
    out = [f'<div class="sources"{data}><div class="sources-head">{esc(head)}</div>', *cards]
    if folded:
        label = f"{len(folded)} more retrieved, not cited"
        out.append(f'<details class="uncited"><summary>{label}</summary>{"".join(folded)}</details>')
    out.append("</div>")
    return "".join(out)


def mode_markdown(mode: str) -> str:
    if mode == "extractive":
        return '<span class="mode">Mode: <b>extractive</b> (offline, answers quote the corpus)</span>'
    return f'<span class="mode">Mode: <b>LLM</b> · {esc(mode)}</span>'


def _when(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


def document_rows(docs: Iterable) -> list[list]:
    """Rows for the corpus table (Gradio shows Dataframe cells as plain text)."""
    rows = []
    for d in docs:
        titles = "; ".join(d.titles[:3]) + (f" (+{len(d.titles) - 3})" if len(d.titles) > 3 else "")
        rows.append([d.source, Path(d.root).name or d.root, titles, d.chunks, d.tokens, _when(d.ingested_at)])
    return rows


def document_key(doc) -> str:
    """The label of a document in the remove dropdown; `parse_document_key` reverses it."""
    return f"{doc.source}  ⟨{doc.root}⟩"


def parse_document_key(key: str) -> tuple[str, str]:
    source, _, root = key.rpartition("  ⟨")
    return source, root.removesuffix("⟩")


def report_rows(report: SyncReport, rejected: Sequence[tuple[str, str]] = ()) -> list[list]:
    rows = [[f.source, f.status, f.chunks, f.tokens, f.reason] for f in sorted(report.files, key=lambda f: f.source)]
    return rows + [[name, "rejected", 0, 0, reason] for name, reason in rejected]


def corpus_banner(count: int, error: str | None = None) -> str:
    """The notice above the chat: empty index, unreachable store, or nothing."""
    if error:
        return f'<div class="banner banner-error">{esc(error)}</div>'
    if count == 0:
        return (
            '<div class="banner">The index is empty: open the “Corpus” tab to upload files '
            "or ingest the bundled corpus, then ask away.</div>"
        )
    return ""


# --- issue 19: evidence while the model writes, stopped answers, tools and "why" per answer --------


def evidence_html(answer: Answer, turn: int) -> str:
    """The sources panel while an LLM writes: the retrieved passages, at once."""
    n = len(answer.retrieved)
    head = f"Evidence · {n} passages found · the model is writing its answer"
    return _panel(head, [passage_card(p, cited=False) for p in answer.retrieved], [], turn)


def stopped_markdown(answer: Answer | None) -> str:
    """An answer the user stopped: what was written, marked as stopped."""
    tag = '<span class="tag tag-stopped">Stopped</span>'
    if answer is None or not answer.text.strip():
        return f"{tag} (stopped before the first word)"
    body = cite_badges(esc(answer.text), (p.number for p in answer.retrieved))
    return f"{body}\n\n{tag} {answered_by(answer.mode)}"


def why_panel(answer: Answer) -> str:
    """A folded "Why this answer": answerer, standalone question, abstention decision, retrieval scores."""
    who = "extractive quotes" if answer.mode == "extractive" else f"LLM {answer.mode}"
    decision = "abstained (not in the corpus)" if answer.abstained else "answered"
    rows = [
        ("Answerer", who), ("Question used for retrieval", answer.standalone_question or answer.question),
        ("Decision", decision), *[("Reason", r) for r in answer.abstain_reasons],
    ]
    signals = ", ".join(f"{k} {v:.3f}" for k, v in answer.timings.items()
                        if k in ("confidence", "support", "lexical", "lexical_floor", "dense"))
    if signals:
        rows.append(("Signals", signals))
    scores = ", ".join(f"[{p.number}] {p.score:.3f}" + (f" ({p.pages})" if p.pages else "") for p in answer.retrieved)
    if scores:
        rows.append(("Retrieval scores", scores))
    items = "".join(f"<li><b>{esc(k)}:</b> {esc(v)}</li>" for k, v in rows)
    return f'<details class="why"><summary>Why this answer</summary><ul>{items}</ul></details>'


def answer_tools(answer: Answer, turn: int) -> str:
    """Under a final answer: the folded "why" panel and a copy-with-sources link."""
    closest = ""
    if answer.abstained and answer.retrieved:
        closest = '<a class="act act-closest" href="#closest">Show the closest passages</a> '
    tools = f'<span class="tools">{closest}<a class="act act-copy" href="#copy">Copy with sources</a></span>'
    return f"\n\n{why_panel(answer)}\n\n{tools}"


def copy_text(answer: Answer) -> str:
    """An answer with its sources, as plain text for the clipboard."""
    lines = [answer.text.strip()]
    if answer.citations:
        lines += ["", "Sources:"]
        for p in answer.citations:
            quoted = " … ".join(" ".join(p.text[a:b].split()) for a, b in p.highlights)
            where = ", ".join(x for x in (p.source, p.pages) if x)
            lines.append(f"[{p.number}] {p.title or p.source} ({where})" + (f": “{quoted}”" if quoted else ""))
    return "\n".join(lines)


def document_html(title: str, source: str, text: str, span: tuple[int, int] | None = None,
                  highlights: Sequence[tuple[int, int]] = (), note: str = "", pages: str = "") -> str:
    """The document viewer: the text escaped, the cited passage in <mark class="passage"> with the
    answer's highlighted spans (offsets in `text`) marked inside it; `pages`: where the passage is
    in a PDF ("page 3", "pages 3–4")."""
    where = f' · <span class="viewer-page">{esc(pages)}</span>' if pages else ""
    head = (f'<div class="viewer-head"><div><div class="viewer-title">{esc(title or source)}</div>'
            f'<div class="viewer-file">{esc(source)}{where}{" · " + esc(note) if note else ""}</div></div>'
            '<button class="viewer-close" title="Close (Escape)">✕</button></div>')
    if span is None:
        body = esc(text)
    else:
        start, end = span
        inner = [(a - start, b - start) for a, b in highlights if a >= start and b <= end]
        body = (esc(text[:start]) + '<mark class="passage" id="viewer-passage">'
                + highlighted(text[start:end], inner) + "</mark>" + esc(text[end:]))
    return f'<div class="viewer-box" role="dialog" aria-label="Document">{head}<div class="viewer-text">{body}</div></div>'
