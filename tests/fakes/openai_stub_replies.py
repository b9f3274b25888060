"""The replies of the OpenAI stub (tests/fakes/openai_stub.py): the default responder (the first
sentence of passage 1, cited), the deterministic embeddings, token counts and stream pieces."""

from __future__ import annotations

import hashlib
import math
import re
import struct
from typing import Any

NOT_IN_CORPUS = "Not in the corpus."

_PASSAGE_TAG = re.compile(
    r"<passage\b[^>]*?\bid\s*=\s*[\"']?(\d+)[\"']?[^>]*>(.*?)</passage\s*>",
    re.DOTALL | re.IGNORECASE,
)
_BRACKET_HEADER = re.compile(r"^[ \t]*\[(\d+)\][ \t]*:?", re.MULTILINE)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+")


def text_of(content: Any) -> str:
    """Message content as text: a string, or the text parts of a content list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
            elif isinstance(part, str):
                parts.append(part)
        return "\n".join(parts)
    return ""


def find_passages(text: str) -> list[tuple[int, str]]:
    """Numbered passages in ``text`` as ``(number, body)``, in order of appearance.

    ``<passage id="N" ...>body</passage>`` tags win; otherwise blocks starting with
    ``[N]`` at the beginning of a line, each running to the next such header.
    """
    tagged = [(int(m.group(1)), m.group(2).strip()) for m in _PASSAGE_TAG.finditer(text)]
    if tagged:
        return tagged
    headers = list(_BRACKET_HEADER.finditer(text))
    found = []
    for i, m in enumerate(headers):
        end = headers[i + 1].start() if i + 1 < len(headers) else len(text)
        found.append((int(m.group(1)), text[m.end() : end].strip()))
    return found


def first_sentence(text: str) -> str:
    """First sentence of ``text`` with whitespace collapsed."""
    flat = " ".join(text.split())
    m = _SENTENCE_END.search(flat)
    return flat[: m.start() + len(m.group(0).rstrip())].strip() if m else flat


def default_responder(request_json: dict) -> str:
    """``"<first sentence of passage 1> [1]"`` from the last user message, or a refusal."""
    messages = request_json.get("messages") or []
    last_user = next(
        (m for m in reversed(messages) if isinstance(m, dict) and m.get("role") == "user"),
        None,
    )
    if last_user is None:
        return NOT_IN_CORPUS
    passages = [(n, body) for n, body in find_passages(text_of(last_user.get("content"))) if body]
    if not passages:
        return NOT_IN_CORPUS
    number, body = next(((n, b) for n, b in passages if n == 1), passages[0])
    return f"{first_sentence(body)} [{number}]"


def embed(text: str, dim: int) -> list[float]:
    values: list[float] = []
    block = 0
    while len(values) < dim:
        digest = hashlib.sha256(f"{block}\x00{text}".encode("utf-8")).digest()
        values.extend(u / 2**31 - 1.0 for u in struct.unpack("<8I", digest))
        block += 1
    values = values[:dim]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [v / norm for v in values]


def count_tokens(text: str) -> int:
    return len(text.split())


def split_for_stream(reply: str) -> list[str]:
    """Word-sized pieces that concatenate back to exactly ``reply``."""
    if not reply:
        return []
    return [p for p in re.split(r"(?<=\s)(?=\S)", reply) if p]
