"""Upload checks: allowed types and sizes, sanitised names, nothing written or deleted outside uploads/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.uploads import (
    MAX_NAME_CHARS,
    UploadError,
    check_upload,
    delete_upload,
    is_uploads_root,
    sanitize_filename,
    save_upload,
)
from ingest.loaders import Limits
from tests.fakes.word_docs import guide_docx


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("notes.txt", "notes.txt"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\boot.ini.md", "boot_ini.md"),
        ("Évil <name>.md", "Évil_name.md"),
        ("报告.txt", "报告.txt"),
        ("cafe\u0301.txt", "caf\u00e9.txt"),  # NFC: one é whatever the keyboard sent
        ("a\u202eb.txt", "a_b.txt"),  # bidi override
        (".hidden.txt", "hidden.txt"),
        ("REPORT.PDF", "REPORT.pdf"),
        ("a b  c.html", "a_b_c.html"),
        ("..", "upload"),
        ("", "upload"),
        ("noext", "noext"),
    ],
)
def test_sanitize_filename(name, expected):
    assert sanitize_filename(name) == expected


def test_sanitize_filename_bounds_the_length_and_keeps_the_suffix():
    out = sanitize_filename("x" * 500 + ".txt")
    assert len(out) <= MAX_NAME_CHARS and out.endswith(".txt")


@given(st.text(max_size=300))
def test_any_name_becomes_a_plain_file_name_inside_the_folder(name):
    out = sanitize_filename(name)
    assert out and "/" not in out and "\\" not in out and not out.startswith(".")
    assert len(out) <= MAX_NAME_CHARS
    assert out not in (".", "..") and all(c.isalnum() or c in "._-" for c in out)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("run.exe", b"MZ", "only .txt, .md, .html, .pdf, .docx"),
        ("page.htm", b"<p>", "only"),
        ("empty.txt", b"", "empty"),
        ("fake.pdf", b"hello", "not a PDF"),
        ("fake.docx", b"hello", "not a Word .docx file"),
        ("blob.txt", b"abc\x00def", "binary"),
    ],
)
def test_check_upload_refuses(tmp_path, name, data, reason):
    path = write(tmp_path / "in" / name, data)
    with pytest.raises(UploadError, match=reason):
        check_upload(path, name, max_mb=1)


def test_check_upload_refuses_files_over_the_limit(tmp_path):
    path = write(tmp_path / "big.txt", b"a" * 2048)
    with pytest.raises(UploadError, match="over the 0.001 MB limit"):
        check_upload(path, "big.txt", max_mb=0.001)


def test_check_upload_refuses_symlinks(tmp_path):
    target = write(tmp_path / "secret.txt", "secret")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    with pytest.raises(UploadError, match="regular file"):
        check_upload(link, "link.txt", max_mb=1)


def test_check_upload_accepts_text_pdf_and_docx(tmp_path):
    check_upload(write(tmp_path / "a.md", "# Hello\nWorld"), "a.md", max_mb=1)
    check_upload(write(tmp_path / "b.pdf", b"%PDF-1.7\n..."), "b.pdf", max_mb=1)
    check_upload(write(tmp_path / "c.docx", guide_docx()), "c.docx", max_mb=1, limits=Limits())  # parsed for real


def test_check_upload_refuses_a_corrupt_docx_with_the_loader_reason(tmp_path):
    path = write(tmp_path / "bad.docx", b"PK\x03\x04 not really")
    with pytest.raises(UploadError, match=r"^unreadable \.docx \(corrupt, or not a Word document\): File is not a zip file$"):
        check_upload(path, "bad.docx", max_mb=1, limits=Limits())


def test_save_upload_stores_under_the_uploads_folder_with_a_safe_name(tmp_path):
    uploads = tmp_path / "data" / "uploads"
    src = write(tmp_path / "cache" / "x", "Bonjour")
    dest = save_upload(src, "../../../outside.txt", uploads, max_mb=1)
    assert dest == uploads.resolve() / "outside.txt"
    assert dest.read_text() == "Bonjour"
    assert not (tmp_path / "outside.txt").exists()
    assert [p.name for p in uploads.iterdir()] == ["outside.txt"]  # no temp file left


def test_save_upload_replaces_a_file_of_the_same_name(tmp_path):
    uploads = tmp_path / "uploads"
    save_upload(write(tmp_path / "v1", "one"), "doc.txt", uploads, max_mb=1)
    save_upload(write(tmp_path / "v2", "two"), "doc.txt", uploads, max_mb=1)
    assert (uploads / "doc.txt").read_text() == "two"


def test_save_upload_never_writes_through_a_symlink(tmp_path):
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    victim = write(tmp_path / "victim.txt", "keep me")
    (uploads / "doc.txt").symlink_to(victim)
    with pytest.raises(UploadError):
        save_upload(write(tmp_path / "src", "new"), "doc.txt", uploads, max_mb=1)
    assert victim.read_text() == "keep me"


def test_delete_upload_only_deletes_inside_the_uploads_folder(tmp_path):
    uploads = tmp_path / "uploads"
    keep = write(tmp_path / "keep.txt", "x")
    inside = write(uploads / "a.txt", "y")
    assert not delete_upload("../keep.txt", uploads)
    assert not delete_upload(str(keep), uploads)
    assert keep.exists()
    assert delete_upload("a.txt", uploads) and not inside.exists()
    assert not delete_upload("a.txt", uploads)


def test_is_uploads_root(tmp_path):
    uploads = tmp_path / "uploads"
    assert is_uploads_root(str(uploads), uploads)
    assert is_uploads_root(os.path.relpath(uploads), uploads)
    assert not is_uploads_root(str(tmp_path / "corpus"), uploads)
