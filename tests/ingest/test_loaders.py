"""load_file: formats, decoding, and the one-line reasons for files we can't read."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from pypdf import PdfWriter

from ingest.loaders import SUPPORTED_SUFFIXES, LoadedFile, UnreadableFileError, load_file
from tests.fakes.sample_docs import text_pdf as minimal_pdf

MB = 1 << 20


def _write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def _reason(path: Path, max_bytes: int = MB) -> str:
    with pytest.raises(UnreadableFileError) as info:
        load_file(path, max_bytes)
    return str(info.value)


# --- text ---------------------------------------------------------------------------------
def test_supported_suffixes() -> None:
    assert set(SUPPORTED_SUFFIXES) == {".txt", ".md", ".html", ".htm", ".pdf", ".docx"}


def test_utf8_text_and_markdown(tmp_path: Path) -> None:
    loaded = load_file(_write(tmp_path, "a.txt", "Été à Noël — « bonjour »\n"), MB)
    assert loaded == LoadedFile("Été à Noël — « bonjour »\n", "txt")
    assert load_file(_write(tmp_path, "b.MD", "# Titre\n\ntexte"), MB).format == "md"
    with pytest.raises(dataclasses.FrozenInstanceError):
        loaded.text = "x"  # type: ignore[misc]


def test_utf8_bom_is_stripped(tmp_path: Path) -> None:
    assert load_file(_write(tmp_path, "a.txt", b"\xef\xbb\xbfcaf\xc3\xa9"), MB).text == "café"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
def test_utf16_with_bom(tmp_path: Path, codec: str) -> None:
    data = "Ça marche, élève".encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    assert load_file(_write(tmp_path, "a.txt", data), MB).text == "Ça marche, élève"


def test_broken_bom_encodings(tmp_path: Path) -> None:
    assert _reason(_write(tmp_path, "a.txt", b"\xef\xbb\xbfabc \xff\xfe")) == "not valid UTF-8 text"
    assert _reason(_write(tmp_path, "b.txt", b"\xff\xfe" + "ok".encode("utf-16-le") + b"\x00\xd8")) == "not valid UTF-16 text"


def test_cp1252_fallback(tmp_path: Path) -> None:
    data = "L’été, c’est « café » à 5 €.\r\n".encode("cp1252")
    assert load_file(_write(tmp_path, "a.txt", data), MB).text == "L’été, c’est « café » à 5 €.\r\n"


# --- HTML ---------------------------------------------------------------------------------
PAGE = """<!doctype html><html><head><title>Titre &amp; page</title>
<style>p { color: red }</style><script>var s = "<p>caché</p>";</script></head>
<body><h2>Premi&egrave;re&nbsp;partie</h2><p>Bonjour <b>le</b> monde.<br>Deuxième ligne</p>
<ul><li>un</li><li>deux <a href="x">lien</a></li></ul><noscript>Activez JS</noscript>
<template><p>modèle</p></template><div>Fin</div></body></html>"""


def test_html_to_markdownish_text(tmp_path: Path) -> None:
    loaded = load_file(_write(tmp_path, "p.html", PAGE), MB)
    assert loaded.format == "html"
    assert loaded.text == (
        "# Titre & page\n\n## Première partie\n\nBonjour le monde.\nDeuxième ligne\n\n- un\n- deux lien\n\nFin"
    )
    for hidden in ("caché", "color", "Activez", "modèle"):
        assert hidden not in loaded.text


def test_html_pre_and_tables(tmp_path: Path) -> None:
    html = (
        "<body><pre>code  ligne 1\n    ligne 2</pre>"
        "<table><tr><th>Nom</th><th>Âge</th></tr><tr><td>Léa</td><td>7</td></tr></table></body>"
    )
    text = load_file(_write(tmp_path, "t.html", html), MB).text
    # <pre> is fenced; a small table with a header stays one pipe table (tests/ingest/test_html.py)
    assert text == "```\ncode  ligne 1\n    ligne 2\n```\n\n| Nom | Âge |\n| --- | --- |\n| Léa | 7 |"


def test_html_title_not_added_when_page_has_h1(tmp_path: Path) -> None:
    html = "<html><head><title>Onglet</title></head><body><h1>Vrai titre</h1><p>Texte.</p></body></html>"
    assert load_file(_write(tmp_path, "p.htm", html), MB).text == "# Vrai titre\n\nTexte."


def test_html_without_visible_text(tmp_path: Path) -> None:
    html = "<html><head><title>Vide</title><script>alert(1)</script></head><body> <p> </p></body></html>"
    assert _reason(_write(tmp_path, "p.html", html)) == "no text content"


# --- PDF ----------------------------------------------------------------------------------
def test_pdf_text_pages_joined(tmp_path: Path) -> None:
    path = _write(tmp_path, "d.pdf", minimal_pdf([["Hello PDF world.", "Second line."], ["Page two"]]))
    loaded = load_file(path, MB)
    assert loaded.format == "pdf"
    assert loaded.text == "Hello PDF world.\nSecond line.\n\nPage two"
    assert loaded.pages == (0, loaded.text.index("Page two"))  # where each page starts


def test_pdf_page_numbers_of_a_span(tmp_path: Path) -> None:
    from ingest.pdf import page_numbers

    pages = [["First page."], [], ["Third page, line one.", "Line two."], ["Fourth."]]
    loaded = load_file(_write(tmp_path, "p.pdf", minimal_pdf(pages)), MB)
    text, starts = loaded.text, loaded.pages
    assert len(starts) == 4 and text[starts[2]:].startswith("Third page")
    third = text.index("Third")
    assert page_numbers(starts, 0, len("First page.")) == (1, 1)
    assert page_numbers(starts, third, text.index("Line two.") + 9) == (3, 3)
    assert page_numbers(starts, third, len(text)) == (3, 4)
    assert load_file(_write(tmp_path, "a.txt", "no pages"), MB).pages == ()


def test_pdf_without_text(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    path = tmp_path / "scan.pdf"
    with path.open("wb") as f:
        writer.write(f)
    assert _reason(path) == "PDF has no extractable text (scanned? run OCR first)"


def test_encrypted_pdf(tmp_path: Path) -> None:
    plain = _write(tmp_path, "plain.pdf", minimal_pdf([["Secret text"]]))
    for name, user_password in (("locked.pdf", "secret"), ("open.pdf", "")):
        writer = PdfWriter(clone_from=str(plain))
        writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
        with (tmp_path / name).open("wb") as f:
            writer.write(f)
    assert _reason(tmp_path / "locked.pdf") == "encrypted PDF"
    assert load_file(tmp_path / "open.pdf", MB).text == "Secret text"


@pytest.mark.parametrize("data", [b"%PDF-1.4\nnot really a pdf\n", minimal_pdf([["Hello"]])[:300]])
def test_broken_pdf(tmp_path: Path, data: bytes) -> None:
    reason = _reason(_write(tmp_path, "bad.pdf", data))
    assert reason.startswith("unreadable PDF: ") and "\n" not in reason and len(reason) < 130


# --- bad files ----------------------------------------------------------------------------
def test_binary_file(tmp_path: Path) -> None:
    assert _reason(_write(tmp_path, "img.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")) == "binary file (not text)"
    noise = bytes(range(1, 32)) * 20  # control bytes, no NUL
    assert _reason(_write(tmp_path, "noise.txt", noise)) == "binary file (not text)"


def test_text_in_no_declared_encoding_is_read_with_a_guess_that_is_said(tmp_path: Path) -> None:
    # 0x81 and 0x8d are undefined in cp1252 and invalid UTF-8: charset-normalizer picks an encoding
    # where they mean something, and the load says it was a guess (the ingest report shows it).
    data = b"Une phrase tout \xe0 fait normale \x81\x8d avec des octets ind\xe9finis.\n"
    loaded = load_file(_write(tmp_path, "a.txt", data), MB)
    assert loaded.note.startswith("encoding guessed: ") and "Une phrase tout" in loaded.text


@pytest.mark.parametrize("data", [b"", b"  \n\t\r\n  ", "\ufeff".encode()])
def test_empty_file(tmp_path: Path, data: bytes) -> None:
    assert _reason(_write(tmp_path, "e.md", data)) == "empty file"


def test_unsupported_type(tmp_path: Path) -> None:
    reason = _reason(_write(tmp_path, "report.odt", b"PK\x03\x04"))
    assert reason == "unsupported file type .odt (supported: .txt .md .html .htm .pdf .docx)"
    assert _reason(_write(tmp_path, "README", "text")).startswith("unsupported file type (no extension)")


def test_a_fake_docx_gets_a_one_line_reason(tmp_path: Path) -> None:
    reason = _reason(_write(tmp_path, "report.docx", b"PK\x03\x04 not really"))
    assert reason == "unreadable .docx (corrupt, or not a Word document): File is not a zip file"


def test_too_big(tmp_path: Path) -> None:
    path = _write(tmp_path, "big.txt", b"a" * (MB + 1))
    assert _reason(path, max_bytes=MB) == "larger than the 1 MB limit"
    assert _reason(path, max_bytes=1_000_000) == "larger than the 1 MB limit"
    assert load_file(path, max_bytes=20 * MB).text == "a" * (MB + 1)


def test_missing_file(tmp_path: Path) -> None:
    assert _reason(tmp_path / "gone.txt").startswith("cannot read file")
