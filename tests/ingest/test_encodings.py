"""Encodings as declared (issue 18, case 6): BOMs, HTML <meta charset>, http-equiv and XML
declarations are honoured; charset-normalizer guesses where nothing is declared, and says so;
UTF-16 without a BOM is text, not binary."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.loaders import declared_encoding, load_file

MB = 1 << 20
COEUR = "<html><head>{head}<title>Page</title></head><body><h1>Le cœur</h1><p>Un cœur coûte 5 € ; œuvre.</p></body></html>"


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("head", [
    '<meta charset="iso-8859-15">',
    "<meta charset=ISO-8859-15>",
    '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-15">',
    "<meta content='text/html; charset=iso-8859-15' http-equiv='content-type'>",
])
def test_an_iso_8859_15_page_keeps_coeur_and_euro(tmp_path: Path, head: str) -> None:
    data = COEUR.format(head=head).encode("iso-8859-15")
    loaded = load_file(_write(tmp_path, "p.html", data), MB)
    assert "Le cœur" in loaded.text and "5 €" in loaded.text and "œuvre" in loaded.text
    assert "½" not in loaded.text and "¤" not in loaded.text
    assert loaded.note == ""  # declared, not guessed


def test_an_xml_declaration_is_honoured(tmp_path: Path) -> None:
    page = '<?xml version="1.0" encoding="ISO-8859-15"?>\n' + COEUR.format(head="")
    loaded = load_file(_write(tmp_path, "x.html", page.encode("iso-8859-15")), MB)
    assert "Un cœur coûte 5 €" in loaded.text and loaded.note == ""


def test_html_latin1_labels_mean_windows_1252_as_in_browsers() -> None:
    assert declared_encoding(b'<meta charset="iso-8859-1">', html=True) == "cp1252"
    assert declared_encoding(b'<meta charset="utf-16">', html=True) is None  # ASCII-readable: cannot be UTF-16
    assert declared_encoding(b"<p>no declaration</p>", html=True) is None


def test_a_wrong_declaration_falls_back_to_the_bytes(tmp_path: Path) -> None:
    # Declared UTF-8 but not UTF-8: read as undeclared bytes (a short text's guess may be wrong: it is said).
    page = COEUR.format(head='<meta charset="utf-8">').replace("€", "EUR").encode("iso-8859-15")
    loaded = load_file(_write(tmp_path, "w.html", page), MB)
    assert "5 EUR" in loaded.text and loaded.note.startswith("encoding guessed: ")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("text", ["Le cœur de la ville bat à 5 € la place.\nDeuxième ligne, Ωμέγα.\n",
                                  "Plain ASCII text, saved as UTF-16 by a Windows tool.\n"])
def test_utf16_without_bom_is_text(tmp_path: Path, codec: str, text: str) -> None:
    loaded = load_file(_write(tmp_path, "u.txt", text.encode(codec)), MB)
    assert loaded.text == text and loaded.note == f"encoding guessed: {codec}"


@pytest.mark.parametrize("bom,codec", [(b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"), (b"\xef\xbb\xbf", "utf-8")])
def test_a_bom_is_honoured_over_any_declaration(tmp_path: Path, bom: bytes, codec: str) -> None:
    page = COEUR.format(head='<meta charset="iso-8859-15">')
    loaded = load_file(_write(tmp_path, "b.html", bom + page.encode(codec)), MB)
    assert "Un cœur coûte 5 €" in loaded.text and loaded.note == ""


def test_undeclared_latin_text_is_guessed_and_the_ingest_report_says_so(tmp_path: Path) -> None:
    from tests.index import procs

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "latin.txt").write_bytes("Le cœur de la ville bat à 5 € la place, dit-on à Noël.\n".encode("cp1252"))
    (folder / "plain.txt").write_text("Plain UTF-8 text about harbours.\n", encoding="utf-8")
    report = procs.fake_bot(tmp_path / "data").ingest(folder, show_progress=False)
    reasons = {f.source: f.reason for f in report.files}
    assert reasons["latin.txt"] == "encoding guessed: cp1252" and reasons["plain.txt"] == ""
    assert "encoding guessed: cp1252" in report.table()
