"""HTML as a reader sees it (issue 22): page chrome out, the document's own headings in, tables
whose rows keep their header, and no chunk that is only navigation, a table of contents or a title."""

from __future__ import annotations

import pytest
from llama_index.core import Document

from ingest.html import html_to_text
from ingest.splitter import SectionSplitter
from ingest.tables import WHOLE_CHARS

DOCBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Chapitre 8. Les outils</title></head><body>
<div class="navheader"><table width="100%" summary="Navigation header">
<tr><th colspan="3" align="center">Chapitre 8. Les outils</th></tr>
<tr><td><a accesskey="p" href="ch07.html"><img src="prev.png" alt="Précédent" /></a></td>
<th> </th><td><a accesskey="n" href="ch09.html"><img src="next.png" alt="Suivant" /></a></td></tr>
</table><hr /></div>
<div class="chapter"><div class="titlepage"><div><div><h1 class="title"><a id="tools"></a>Chapitre 8.
Les outils</h1></div></div></div>
<div class="toc"><p><strong>Table des matières</strong></p><dl class="toc">
<dt><span class="section"><a href="ch08.html#dpkg">8.1. Le programme dpkg</a></span></dt>
<dt><span class="section"><a href="ch08.html#apt">8.2. Le programme APT</a></span></dt></dl></div>
<div class="section"><div class="titlepage"><h2 class="title"><a id="dpkg"></a>8.1. Le programme
dpkg</h2></div><p>dpkg installe les paquets <code>.deb</code> un par un.</p></div>
<div class="section"><div class="titlepage"><h2 class="title"><a id="apt"></a>8.2. Le programme APT</h2></div>
<p>APT résout les dépendances.</p></div></div>
<div class="navfooter"><hr /><table width="100%" summary="Navigation footer">
<tr><td><a accesskey="p" href="ch07.html">Précédent</a></td><td> </td><td><a href="ch09.html">Suivant</a></td></tr>
<tr><td>Chapitre 7. Les bases </td><td><a accesskey="h" href="index.html">Sommaire</a></td>
<td> Chapitre 9. Garder son système à jour</td></tr></table></div></body></html>"""

HTML5 = """<!doctype html><html><head><title>Sauvegardes — Mon wiki</title></head><body>
<a class="skip-link" href="#content">Aller au contenu</a>
<header><a href="/">Mon wiki</a><nav><ul><li><a href="/a">Accueil</a></li><li><a href="/b">Blog</a></li></ul></nav></header>
<nav aria-label="Fil d'Ariane"><ol><li><a href="/">Wiki</a></li><li><a href="/admin">Admin</a></li></ol></nav>
<div class="page"><aside class="sidebar"><h3>Sur cette page</h3><ul><li><a href="#quand">Quand</a></li></ul></aside>
<main id="content"><article><h1>Sauvegardes<a class="headerlink" href="#s">¶</a></h1>
<p>On sauvegarde chaque nuit vers le serveur <b>bastion</b>.</p>
<h2 id="quand">Quand</h2><p>La copie démarre à 2 h 30 et dure vingt minutes.</p>
<p>Voir aussi :</p><ul><li><a href="https://restic.net/">restic</a></li><li><a href="https://borgbackup.org/">borg</a></li></ul>
<p><a href="restauration.html">« Restauration</a> <a href="chiffrement.html">Chiffrement »</a></p>
</article></main></div>
<div class="cookie-banner">Nous utilisons des cookies.</div>
<footer><p>© 2024 Mon wiki · <a href="/mentions">Mentions</a></p></footer></body></html>"""


def test_docbook_page_keeps_its_content_and_drops_its_chrome() -> None:
    text = html_to_text(DOCBOOK)
    assert text == (
        "# Chapitre 8. Les outils\n\n## 8.1. Le programme dpkg\n\ndpkg installe les paquets .deb un par un.\n\n"
        "## 8.2. Le programme APT\n\nAPT résout les dépendances."
    )


def test_html5_page_keeps_main_content_only() -> None:
    text = html_to_text(HTML5)
    assert text == (
        "# Sauvegardes\n\nOn sauvegarde chaque nuit vers le serveur bastion.\n\n## Quand\n\n"
        "La copie démarre à 2 h 30 et dure vingt minutes.\n\nVoir aussi :\n\n- restic\n- borg"
    )  # links out of the site are content; "« Restauration | Chiffrement »" within it is navigation


def test_page_without_main_drops_chrome_around_the_body() -> None:
    page = HTML5.replace("<main id=\"content\">", "<div>").replace("</main>", "</div>")
    assert html_to_text(page).startswith("# Sauvegardes\n\nOn sauvegarde")
    assert "cookies" not in html_to_text(page) and "Accueil" not in html_to_text(page)


def test_title_goes_on_top_only_when_the_page_does_not_open_with_it() -> None:
    section = "<title>Faire confiance</title><body><h3>Faire confiance</h3><p>Texte.</p></body>"
    assert html_to_text(section) == "### Faire confiance\n\nTexte."
    bare = "<title>Notes</title><body><p>Texte.</p></body>"
    assert html_to_text(bare) == "# Notes\n\nTexte."


def test_hidden_and_toc_label_blocks_go() -> None:
    page = (
        "<body><h1>T</h1><div hidden><p>caché</p></div><p style='display: none'>aussi</p>"
        "<p aria-hidden='true'>icône</p><p><strong>Contents</strong></p><p>Vrai texte.</p></body>"
    )
    assert html_to_text(page) == "# T\n\nVrai texte."


def test_a_class_word_never_drops_the_page_itself() -> None:
    page = "<body class='has-sidebar'><div id='layout-with-sidebar'><h1>T</h1><p>Corps.</p></div></body>"
    assert html_to_text(page) == "# T\n\nCorps."


def test_lists_and_definitions() -> None:
    page = (
        "<body><h1>T</h1><ol start='3'><li>trois</li><li>quatre</li></ol>"
        "<dl><dt>HOME</dt><dd><p>Le dossier personnel.</p></dd><dt>PAGER</dt><dd>Le paginateur.</dd></dl></body>"
    )
    assert html_to_text(page) == "# T\n\n3. trois\n4. quatre\n\nHOME\nLe dossier personnel.\n\nPAGER\nLe paginateur."


# --- tables -------------------------------------------------------------------------------
def _table(rows: int, width: int = 40) -> str:
    body = "".join(f"<tr><td>opt{i}</td><td>{'valeur ' * (width // 7)}{i}</td></tr>" for i in range(rows))
    return f"<table><thead><tr><th>Option</th><th>Valeur</th></tr></thead><tbody>{body}</tbody></table>"


def test_small_table_is_one_pipe_table() -> None:
    text = html_to_text(f"<body><h1>T</h1>{_table(2, 7)}</body>")
    assert text == "# T\n\n| Option | Valeur |\n| --- | --- |\n| opt0 | valeur 0 |\n| opt1 | valeur 1 |"


def test_long_table_rows_carry_their_header() -> None:
    text = html_to_text(f"<body><h1>T</h1>{_table(30)}</body>")
    rows = text.split("\n\n")[1:]
    assert len(rows) == 30 and len(text) > WHOLE_CHARS
    assert rows[0] == "Option: opt0\nValeur: " + "valeur " * 5 + "0"


def test_key_column_and_layout_tables() -> None:
    keyed = "<table><tr><th>Port</th><td>7431</td></tr><tr><th>Hôte</th><td>bastion</td></tr></table>"
    assert html_to_text(f"<body><h1>T</h1>{keyed}</body>") == "# T\n\nPort: 7431\nHôte: bastion"
    layout = "<table><tr><td><h2>Menu</h2><p>Texte un.</p></td><td><p>Texte deux.</p></td></tr></table>"
    assert html_to_text(f"<body><h1>T</h1>{layout}</body>") == "# T\n\n## Menu\n\nTexte un.\n\nTexte deux."


def _chunks(text: str, fmt: str = "html") -> list[str]:
    doc = Document(text=text, doc_id="d", metadata={"source": "d.html", "format": fmt})
    return [n.get_content() for n in SectionSplitter().split_document(doc)]


def test_a_small_table_stays_whole_in_one_chunk() -> None:
    intro = "<p>" + "Une phrase d'introduction assez longue sur la configuration. " * 12 + "</p>"
    chunks = _chunks(html_to_text(f"<body><h1>Réglages</h1>{intro}{_table(3, 14)}<p>Fin.</p></body>"))
    holding = [c for c in chunks if "| Option | Valeur |" in c]
    assert len(holding) == 1 and all(f"| opt{i} |" in holding[0] for i in range(3)), chunks


def test_every_chunk_of_a_long_table_names_its_columns() -> None:
    chunks = _chunks(html_to_text(f"<body><h1>Réglages</h1>{_table(80)}</body>"))
    assert len(chunks) > 3
    for chunk in chunks:
        for line in chunk.split("\n")[1:]:
            assert not line.strip() or line.startswith(("Option: ", "Valeur: ")), chunk


def test_a_page_that_was_only_a_table_of_contents_gives_no_chunk() -> None:
    page = DOCBOOK.split('<div class="section">')[0] + "</div></body></html>"
    assert html_to_text(page) == "# Chapitre 8. Les outils"
    assert _chunks(html_to_text(page)) == []


def test_a_page_of_links_only_is_reported_as_navigation(tmp_path) -> None:
    from ingest.loaders import UnreadableFileError, load_file

    page = tmp_path / "toc.html"
    page.write_text("<body><ol><li><a href='a.html'>Un</a></li><li><a href='b.html'>Deux</a></li></ol></body>")
    with pytest.raises(UnreadableFileError, match="^only navigation or a table of contents, no content of its own$"):
        load_file(page)
