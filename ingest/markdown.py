"""Markdown as a reader sees it: the same text a rendered page shows, written like HTML's.

markdown-it-py (CommonMark, with tables and strikethrough) renders the file to HTML, and
``ingest.html`` writes that as markdown-ish text, so Markdown gets the same care as HTML: links and
images reduced to their text ("[Guide](guide.md)" -> "Guide", "![Schéma](s.png)" -> "Schéma"),
tables that keep their header, tables of contents (lists of links within the site, "[TOC]"
markers) dropped, headings and code fences kept. Front matter (YAML "---" or TOML "+++") is
metadata, not content: its ``title`` becomes the "# " heading when the body has no h1.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

_FRONT_MATTER = re.compile(r"\A(?:---|\+\+\+)[ \t]*\n(.*?\n)?(?:---|\+\+\+|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_TOC_MARKER = re.compile(r"^[ \t]*(?:\[TOC\]|\[\[_?TOC_?\]\]|\$\{toc\}|\{:toc\}|\{\{<\s*toc\s*>\}\})[ \t]*$", re.IGNORECASE | re.MULTILINE)
_TITLE = re.compile(r"^title[ \t]*[:=][ \t]*(.+?)[ \t]*$", re.MULTILINE)


def _image_as_text(self: Any, tokens: list[Any], idx: int, options: Any, env: Any) -> str:
    """An image stands for its alt text."""
    return escapeHtml(self.renderInlineAsText(tokens[idx].children or [], options, env))


@functools.lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    md.add_render_rule("image", _image_as_text)
    return md


def front_matter(text: str) -> tuple[str, str]:
    """(front matter's title or "", text without its front matter)."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return "", text
    title = _TITLE.search(m.group(1) or "")
    return (title.group(1).strip("'\"") if title else ""), text[m.end():]


def markdown_to_html(text: str) -> str:
    title, body = front_matter(text.lstrip("\ufeff"))
    body = _TOC_MARKER.sub("", body)
    head = f"<title>{escapeHtml(title)}</title>" if title else ""
    return f"<html><head>{head}</head><body>{_renderer().render(body)}</body></html>"


def markdown_to_text(text: str) -> str:
    """Markdown-ish text of what the Markdown file shows a reader (see the module docstring)."""
    from ingest.html import html_to_text

    return html_to_text(markdown_to_html(text))
