"""Kept conversations and feedback on answers: one SQLite file in the data folder.

    store = ConversationStore(settings.data_dir / "conversations.sqlite3")
    cid = store.create(owner="browser-id", title="Qui a composé …")
    store.add_turn(cid, answer)               # an `Answer`, kept whole (citations and passages)
    store.conversations(owner)                # newest first
    store.export_markdown(cid)                # the conversation with its citations

The web UI keys conversations by a random id its page keeps in the browser's localStorage;
`assistant chat --resume` uses the owner "terminal". SQLite in WAL mode with a busy timeout, one
short connection per call: several UI workers (threads or processes) share the file safely.
Why not a LlamaIndex chat store: it keeps chat messages only, not the answers' passages and
highlights that the document viewer, the export and the feedback need.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Iterator

from assistant.answer import Answer, Passage

FILE_NAME = "conversations.sqlite3"
TITLE_CHARS = 80

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, title TEXT NOT NULL, created REAL NOT NULL, updated REAL NOT NULL);
CREATE INDEX IF NOT EXISTS conversations_owner ON conversations (owner, updated);
CREATE TABLE IF NOT EXISTS turns (
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE, seq INTEGER NOT NULL,
    question TEXT NOT NULL, answer TEXT NOT NULL, stopped INTEGER NOT NULL DEFAULT 0, created REAL NOT NULL,
    PRIMARY KEY (conversation_id, seq));
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT, owner TEXT NOT NULL, conversation_id TEXT, seq INTEGER,
    rating INTEGER NOT NULL, comment TEXT NOT NULL DEFAULT '', question TEXT NOT NULL, standalone TEXT NOT NULL,
    answer TEXT NOT NULL, citations TEXT NOT NULL, answerer TEXT NOT NULL, created REAL NOT NULL);
"""


@dataclass(frozen=True)
class Conversation:
    id: str
    owner: str
    title: str
    created: float
    updated: float


@dataclass(frozen=True)
class Turn:
    seq: int
    question: str
    answer: Answer
    stopped: bool


@dataclass(frozen=True)
class Feedback:
    id: int
    rating: int  # +1 thumbs up, -1 thumbs down
    comment: str
    question: str
    standalone: str
    answer: str
    citations: list[dict[str, Any]]
    answerer: str
    created: float
    conversation_id: str | None = None


def answer_to_json(answer: Answer) -> str:
    return json.dumps(asdict(answer), ensure_ascii=False)


def _passage(data: dict[str, Any]) -> Passage:
    known = {f.name for f in fields(Passage)}
    data = {k: v for k, v in data.items() if k in known}
    data["highlights"] = tuple(tuple(span) for span in data.get("highlights", ()))
    data["also_in"] = tuple(data.get("also_in", ()))
    return Passage(**data)


def answer_from_json(text: str) -> Answer:
    """An `Answer` back from `answer_to_json` (fields unknown to this version are dropped)."""
    data = json.loads(text)
    known = {f.name for f in fields(Answer)}
    data = {k: v for k, v in data.items() if k in known}
    data["citations"] = [_passage(p) for p in data.get("citations", [])]
    data["retrieved"] = [_passage(p) for p in data.get("retrieved", [])]
    return Answer(**data)


def title_of(question: str) -> str:
    words = " ".join(question.split())
    return words if len(words) <= TITLE_CHARS else words[: TITLE_CHARS - 1].rsplit(" ", 1)[0] + "…"


class ConversationStore:
    """Conversations (with their answers) and feedback, per owner, in one SQLite file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=10, isolation_level=None)) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA busy_timeout=10000")
            # One transaction that takes the write lock first: two writers never read the same
            # next sequence number (a deferred transaction would let both read, then one fail).
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # --- conversations ---------------------------------------------------------------------------

    def create(self, owner: str, title: str) -> str:
        cid, now = uuid.uuid4().hex, time.time()
        with self._db() as db:
            db.execute("INSERT INTO conversations VALUES (?, ?, ?, ?, ?)", (cid, owner, title_of(title) or "New conversation", now, now))
        return cid

    def conversations(self, owner: str | None) -> list[Conversation]:
        """The owner's conversations (everyone's with None), the most recently used first."""
        where, args = ("WHERE owner = ?", (owner,)) if owner is not None else ("", ())
        with self._db() as db:
            rows = db.execute(
                f"SELECT id, owner, title, created, updated FROM conversations {where} ORDER BY updated DESC, created DESC",
                args,
            ).fetchall()
        return [Conversation(*row) for row in rows]

    def get(self, cid: str, owner: str | None = None) -> Conversation | None:
        """One conversation; None when it does not exist or (with `owner`) belongs to someone else."""
        with self._db() as db:
            row = db.execute("SELECT id, owner, title, created, updated FROM conversations WHERE id = ?", (cid,)).fetchone()
        if row is None or (owner is not None and row[1] != owner):
            return None
        return Conversation(*row)

    def find(self, prefix: str) -> list[Conversation]:
        """Conversations whose id starts with `prefix` (the terminal accepts a short id)."""
        with self._db() as db:
            rows = db.execute(
                "SELECT id, owner, title, created, updated FROM conversations WHERE id LIKE ? ORDER BY updated DESC",
                (prefix.replace("%", "").replace("_", "") + "%",),
            ).fetchall()
        return [Conversation(*row) for row in rows]

    def rename(self, cid: str, owner: str, title: str) -> bool:
        title = title_of(title)
        if not title:
            return False
        with self._db() as db:
            return db.execute("UPDATE conversations SET title = ? WHERE id = ? AND owner = ?", (title, cid, owner)).rowcount == 1

    def delete(self, cid: str, owner: str) -> bool:
        with self._db() as db:
            return db.execute("DELETE FROM conversations WHERE id = ? AND owner = ?", (cid, owner)).rowcount == 1

    # --- turns -----------------------------------------------------------------------------------

    def turns(self, cid: str) -> list[Turn]:
        with self._db() as db:
            rows = db.execute(
                "SELECT seq, question, answer, stopped FROM turns WHERE conversation_id = ? ORDER BY seq", (cid,)
            ).fetchall()
        return [Turn(seq, question, answer_from_json(answer), bool(stopped)) for seq, question, answer, stopped in rows]

    def add_turn(self, cid: str, answer: Answer, *, stopped: bool = False) -> int:
        """Append an answered question to the conversation; returns its sequence number."""
        now = time.time()
        with self._db() as db:
            (seq,) = db.execute("SELECT COALESCE(MAX(seq), -1) + 1 FROM turns WHERE conversation_id = ?", (cid,)).fetchone()
            db.execute(
                "INSERT INTO turns VALUES (?, ?, ?, ?, ?, ?)",
                (cid, seq, answer.question, answer_to_json(answer), int(stopped), now),
            )
            db.execute("UPDATE conversations SET updated = ? WHERE id = ?", (now, cid))
        return seq

    def drop_last_turn(self, cid: str) -> None:
        """Forget the last turn (regenerate, or an edited last question, replaces it)."""
        with self._db() as db:
            db.execute(
                "DELETE FROM turns WHERE conversation_id = ? AND seq = (SELECT MAX(seq) FROM turns WHERE conversation_id = ?)",
                (cid, cid),
            )

    # --- export ----------------------------------------------------------------------------------

    def export_markdown(self, cid: str) -> str:
        """The conversation as Markdown: each question, its answer, and the cited passages quoted."""
        conversation = self.get(cid)
        if conversation is None:
            return ""
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(conversation.created))
        out = [f"# {conversation.title}", "", f"_Conversation of {when}, exported from the corpus assistant._", ""]
        for turn in self.turns(cid):
            out += [f"## {turn.question}", "", turn.answer.text.strip() or "_(no answer)_", ""]
            if turn.stopped:
                out += ["_(stopped before the end)_", ""]
            if turn.answer.citations:
                out += ["**Sources**", ""]
                for p in turn.answer.citations:
                    out.append(f"[{p.number}] {p.title or p.source} — `{p.source}`" + (f", {p.pages}" if p.pages else ""))
                    quoted = [p.text[a:b] for a, b in p.highlights] or [p.text]
                    out += [f"> {' '.join(q.split())}" for q in quoted]
                    out.append("")
        return "\n".join(out).rstrip() + "\n"

    # --- feedback --------------------------------------------------------------------------------

    def add_feedback(self, owner: str, answer: Answer, rating: int, comment: str = "",
                     conversation_id: str | None = None, seq: int | None = None) -> int:
        citations = [{"number": p.number, "source": p.source, "title": p.title, "quoted": [p.text[a:b] for a, b in p.highlights]}
                     for p in answer.citations]
        with self._db() as db:
            cur = db.execute(
                "INSERT INTO feedback (owner, conversation_id, seq, rating, comment, question, standalone, answer, citations,"
                " answerer, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (owner, conversation_id, seq, 1 if rating > 0 else -1, comment.strip(), answer.question,
                 answer.standalone_question or answer.question, answer.text, json.dumps(citations, ensure_ascii=False),
                 answer.mode, time.time()),
            )
            return int(cur.lastrowid or 0)

    def comment_feedback(self, feedback_id: int, owner: str, comment: str) -> bool:
        with self._db() as db:
            return db.execute("UPDATE feedback SET comment = ? WHERE id = ? AND owner = ?",
                              (comment.strip(), feedback_id, owner)).rowcount == 1

    def feedback(self) -> list[Feedback]:
        """Every feedback entry, newest first."""
        with self._db() as db:
            rows = db.execute(
                "SELECT id, rating, comment, question, standalone, answer, citations, answerer, created, conversation_id"
                " FROM feedback ORDER BY id DESC"
            ).fetchall()
        return [Feedback(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), r[7], r[8], r[9]) for r in rows]
