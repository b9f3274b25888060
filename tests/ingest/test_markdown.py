"""Markdown as a reader sees it (issue 22): front matter, link and image syntax, tables of contents."""

from __future__ import annotations

from pathlib import Path

from ingest.loaders import load_file
from ingest.markdown import markdown_to_text

PAGE = """---
title: "Guide d'Orion"
tags: [serre, capteurs]
---

[TOC]

- [Installer](#installer)
- [Démarrer](#demarrer)

## Installer

Téléchargez l'[archive](https://example.org/orion.tgz) puis lisez le [guide][g].
![Schéma du câblage](cablage.png)

[g]: guide.md

| Capteur | Broche |
|---------|--------|
| T1      | 4      |

## Démarrer

```bash
# démarre Orion
orion-ctl start
```
"""


def test_markdown_reads_like_the_rendered_page() -> None:
    assert markdown_to_text(PAGE) == (
        "# Guide d'Orion\n\n## Installer\n\nTéléchargez l'archive puis lisez le guide. Schéma du câblage\n\n"
        "| Capteur | Broche |\n| --- | --- |\n| T1 | 4 |\n\n## Démarrer\n\n```\n# démarre Orion\norion-ctl start\n```"
    )


def test_markdown_without_front_matter_keeps_its_own_h1() -> None:
    assert markdown_to_text("# Titre\n\nSetext\n------\n\ntexte *mis* en **gras**") == "# Titre\n\n## Setext\n\ntexte mis en gras"


def test_toml_front_matter_and_markers(tmp_path: Path) -> None:
    path = tmp_path / "n.md"
    path.write_text("+++\ntitle = \"Notes\"\n+++\n[[_TOC_]]\n\nCorps du texte.\n", encoding="utf-8")
    loaded = load_file(path)
    assert (loaded.format, loaded.text) == ("md", "# Notes\n\nCorps du texte.")


def test_script_in_markdown_is_not_text() -> None:
    assert markdown_to_text("# T\n\n<script>alert(1)</script>\n\nTexte.") == "# T\n\nTexte."
