"""Hostile files made on the spot (tests and benchmarks/bench_hostile.py): nothing big is stored.

Each maker writes one file (or a folder) and returns its path. They are ordinary files an
ordinary user could produce, sized to hurt a loader that trusts bytes instead of characters.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path


def compressed_pdf(path: Path, pages: int = 10, chars_per_page: int = 20_000_000) -> Path:
    """A small PDF whose pages each hold one compressed string of ``chars_per_page`` characters."""
    stream = zlib.compress(b"BT /F1 12 Tf 72 720 Td (" + b"A" * chars_per_page + b") Tj ET", 9)
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(pages)) + b"] /Count %d >>" % pages,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i in range(pages):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
            b"/Contents %d 0 R >>" % (5 + 2 * i)
        )
        objects.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream")
    path.write_bytes(assemble_pdf(objects))
    return path


def assemble_pdf(objects: list[bytes]) -> bytes:
    """A PDF file of numbered `objects` (object 1 is the catalog) with its cross-reference table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def docx_bomb(path: Path, megabytes: float = 100) -> Path:
    """A real Word document (python-docx) whose body XML holds ``megabytes`` MB of blank space: a
    ~100 KB file that unpacks to ``megabytes`` MB."""
    import docx

    document, plain = docx.Document(), io.BytesIO()
    document.add_paragraph("Une phrase ordinaire.")
    document.save(plain)
    source, out = zipfile.ZipFile(plain), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body>" + b" " * int(megabytes * 1_000_000), 1)
            archive.writestr(info.filename, data)
    path.write_bytes(out.getvalue())
    return path


def one_word(path: Path, megabytes: float = 15) -> Path:
    """One line, no space: ``megabytes`` MB of base64-looking characters."""
    unit = b"QUJDRGVmZ2hpams0NTY3ODkrLw"
    n = int(megabytes * 1_000_000)
    path.write_bytes((unit * (n // len(unit) + 1))[:n])
    return path


def nested_tags(path: Path, depth: int = 50_000) -> Path:
    """An HTML page of ``depth`` nested elements around one sentence."""
    tags = ("div", "span", "b", "i", "section")
    opening = "".join(f"<{tags[i % len(tags)]}>" for i in range(depth))
    closing = "".join(f"</{tags[i % len(tags)]}>" for i in reversed(range(depth)))
    path.write_text(f"<html><body>{opening}Deep inside sits one sentence.{closing}</body></html>", encoding="utf-8")
    return path


def short_lines(path: Path, lines: int = 200_000) -> Path:
    """``lines`` very short lines (a log, a word list)."""
    path.write_text("\n".join(f"l{i % 997}" for i in range(lines)) + "\n", encoding="utf-8")
    return path


def tiny_files(folder: Path, count: int = 5_000) -> Path:
    """``count`` one-sentence files in one folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (folder / f"tiny{i:05d}.txt").write_text(f"Tiny note {i} mentions item {i * 7919 % 100_003}.\n", encoding="utf-8")
    return folder


def empty_operators_pdf(
    path: Path, pages: int = 100, target_bytes: int = 100_000, share: bool = True, operators: int = 320_000
) -> Path:
    """A ~``target_bytes`` PDF whose pages all draw one large compressed content stream of empty text
    operators (``() Tj``): no text comes out, but a parser walks every operator of every page.
    With ``share=False`` each page gets its own copy of the stream (the file is then larger)."""
    ops = b"BT /F1 12 Tf " + b"() Tj " * operators + b"ET"  # 320k: just under 2 MB, under the default page cap
    stream = zlib.compress(ops, 9)
    body = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream"
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (5 + i) for i in range(pages)) + b"] /Count %d >>" % pages,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        body,
    ]
    extra = []
    for i in range(pages):
        contents = 4 if share else 5 + pages + i
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
                       b"/Contents %d 0 R >>" % contents)
        if not share:
            extra.append(body)
    data = assemble_pdf(objects + extra)
    padding = max(0, target_bytes - len(data))
    path.write_bytes(data + b"%" + b"0" * padding + b"\n" if padding else data)
    return path
