"""Text normalisation that remembers where every character came from.

``normalize(text)`` returns ``(clean, offsets)``. The guarantees, checked by
``tests/ingest/test_clean.py``:

* ``len(offsets) == len(clean) + 1``; offsets are non-decreasing and within ``[0, len(text)]``.
* ``offsets[i]`` (``i < len(clean)``) is the index in ``text`` of the first original character
  that produced ``clean[i]``. Characters produced together (an NFKC segment such as
  ``"e\\u0301" -> "é"`` or ``"ﬁ" -> "fi"``, the ``"\\n\\n"`` that replaces a pipe separator)
  share one offset. ``offsets[len(clean)]`` is the end of the last original character kept
  (``0`` when ``clean`` is empty), so trailing whitespace is not covered.
* Call a clean index ``i`` a *boundary* when it is ``0``, ``len(clean)``, or when
  ``offsets[i - 1] < offsets[i]`` and ``clean[i - 1]`` or ``clean[i]`` is a space or a newline
  (i.e. a word boundary that does not fall inside a multi-character expansion). For boundaries
  ``a <= b`` whose span does not cross a flattened-export separator (see below)::

      normalize(text[offsets[a]:offsets[b]])[0] == clean[a:b].strip(" \\n")

  Across such a separator the original has ``" | "`` where ``clean`` has ``"\\n\\n"`` (the rule
  needs the whole long line to fire), so the two agree only modulo whitespace and separators.
"""

from __future__ import annotations

import re
import unicodedata

# Characters dropped outright: zero-width and invisible formatting characters, soft hyphen.
_REMOVED = frozenset(
    "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Vertical whitespace other than \n and \r (form feed often separates PDF pages).
_NEWLINES = frozenset("\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")

FLATTENED_MIN_LINE = 1000  # a line must be longer than this ...
FLATTENED_MIN_SEPARATORS = 3  # ... and hold at least this many separator runs
# " | " and runs like " | | "; at the very start or end of a line the outer space is missing.
_SEPARATOR_RUN = re.compile(r"(?:^| )\|(?: \|)*(?= |$) ?")

_Char = tuple[str, int, int]  # (character, original start, original end)


def _classify(ch: str) -> str:
    """Map one character to ``""`` (drop), ``" "``, ``"\\n"`` or itself."""
    if ch == "\n":
        return ch
    if ch == "\t" or (ch != " " and unicodedata.category(ch) == "Zs"):
        return " "
    if ch in _NEWLINES:
        return "\n"
    if ch in _REMOVED or unicodedata.category(ch) == "Cc":
        return ""
    return ch


def _map_chars(text: str) -> list[_Char]:
    """Line endings, spaces and invisible characters, one original character at a time."""
    out: list[_Char] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\r":
            end = i + 2 if i + 1 < n and text[i + 1] == "\n" else i + 1
            out.append(("\n", i, end))
            i = end
            continue
        mapped = ch if (" " <= ch <= "~") else _classify(ch)
        if mapped:
            out.append((mapped, i, i + 1))
        i += 1
    return out


def _is_mark(ch: str) -> bool:
    return ch > "\u02ff" and unicodedata.category(ch)[0] == "M"


def _nfkc(chars: list[_Char]) -> list[_Char]:
    """NFKC per segment (a non-space starter plus the combining marks after it).

    Every character a segment produces gets the segment's original start and end, so a
    segment is never split by an offset. Output characters are classified again (NFKC
    turns e.g. U+3000 into a space).
    """
    out: list[_Char] = []
    i, n = 0, len(chars)
    while i < n:
        j = i + 1
        if chars[i][0] not in " \n":
            while j < n and _is_mark(chars[j][0]):
                j += 1
        seg = "".join(c for c, _, _ in chars[i:j])
        if seg.isascii() or unicodedata.is_normalized("NFKC", seg):
            out.extend(chars[i:j])
        else:
            start, end = chars[i][1], chars[j - 1][2]
            for ch in unicodedata.normalize("NFKC", seg):
                mapped = _classify(ch)
                if mapped:
                    out.append((mapped, start, end))
        i = j
    return out


def _clean_line(line: list[_Char]) -> list[_Char]:
    """Collapse runs of spaces, strip the line, split flattened exports on pipe separators."""
    out: list[_Char] = []
    for item in line:
        if item[0] == " " and (not out or out[-1][0] == " "):
            continue
        out.append(item)
    while out and out[-1][0] == " ":
        out.pop()
    if len(out) <= FLATTENED_MIN_LINE:
        return out
    joined = "".join(c for c, _, _ in out)
    matches = list(_SEPARATOR_RUN.finditer(joined))
    if len(matches) < FLATTENED_MIN_SEPARATORS:
        return out
    result: list[_Char] = []
    pos = 0
    for m in matches:
        result.extend(out[pos : m.start()])
        if 0 < m.start() and m.end() < len(out):  # separators at the line's edges just go
            _, start, end = out[m.start()]
            result.extend([("\n", start, end), ("\n", start, end)])
        pos = m.end()
    result.extend(out[pos:])
    return result


def normalize(text: str) -> tuple[str, list[int]]:
    """Clean ``text`` for chunking and map every clean character back to ``text``.

    Rules, in order: ``\\r\\n``/``\\r`` and other vertical whitespace -> ``\\n``; tabs and Unicode
    spaces -> ``" "``; zero-width characters, soft hyphens and control characters removed;
    NFKC per segment; runs of spaces collapsed; lines stripped; a line longer than 1000
    characters with at least 3 ``" | "`` separator runs (``" | | "`` is one run) gets each run
    replaced by a paragraph break (runs at the line's start or end are dropped); 3+ newlines
    -> 2; the whole text stripped. See the module docstring for the
    offset guarantees.
    """
    chars = _nfkc(_map_chars(text))
    lines: list[list[_Char]] = [[]]
    breaks: list[_Char] = []  # the newline that ends lines[k] is breaks[k]
    for item in chars:
        if item[0] == "\n":
            breaks.append(item)
            lines.append([])
        else:
            lines[-1].append(item)

    out: list[_Char] = []
    pending: list[_Char] = []  # newlines seen since the last non-empty line
    for k, line in enumerate(lines):
        cleaned = _clean_line(line)
        if cleaned:
            if out:
                out.extend(pending[:2])
            out.extend(cleaned)
            pending = []
        if k < len(breaks):
            pending.append(breaks[k])

    clean = "".join(c for c, _, _ in out)
    offsets = [start for _, start, _ in out]
    offsets.append(out[-1][2] if out else 0)
    return clean, offsets
