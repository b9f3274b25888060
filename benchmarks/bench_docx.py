"""A large Word document through the .docx loader (issues 19/22): time and peak memory (not a timed test).

    PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_docx.py [--chapters 250] [--runs 3]

Builds with python-docx a document close to the default 3M-character limit: chapters of a Heading 1,
paragraphs of three formatted runs each (bold, italic, plain: Word's XML is verbose per run), a bullet
list and a 12-row, 6-column table per chapter. Then, in a fresh process per round, reads it with
``load_bytes`` (what the parse worker runs) and prints the text's characters, seconds and the peak RSS
of that process above its RSS after the imports; then the splitter's chunks for the text.
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE))

# Peak RSS from /proc (VmHWM): ru_maxrss survives exec, so a child would inherit this process's peak.
CHILD = """
import sys, time
from ingest.loaders import load_bytes
import docx, ingest.docx_text  # imports before the baseline
def hwm():
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")) / 1024
data = open(sys.argv[1], "rb").read()
base = hwm()
start = time.perf_counter()
text = load_bytes(data, "big.docx").text
seconds = time.perf_counter() - start
print(len(text), seconds, hwm() - base)
"""


def build(chapters: int) -> bytes:
    import docx

    from tests.fakes.word_docs import WIDE_HEADER, WIDE_ROWS

    document = docx.Document()
    words = ("La médiathèque de Quimperlé prête des livres ", "et des disques ", "à ses abonnés du mardi au samedi. ")
    for i in range(chapters):
        document.add_heading(f"Chapitre {i + 1}", 1)
        for _ in range(90):
            paragraph = document.add_paragraph()
            paragraph.add_run(words[0]).bold = True
            paragraph.add_run(words[1]).italic = True
            paragraph.add_run(words[2])
        for item in ("Prêt de livres : trois semaines", "Prêt de disques : deux semaines"):
            document.add_paragraph(item, style="List Bullet")
        table = document.add_table(rows=1 + len(WIDE_ROWS), cols=len(WIDE_HEADER))
        for r, values in enumerate([WIDE_HEADER, *WIDE_ROWS]):
            for c, value in enumerate(values):
                table.rows[r].cells[c].text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapters", type=int, default=250)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    data = build(args.chapters)
    unpacked = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    print(f"file: {len(data) / 1e6:.2f} MB, unpacks to {unpacked / 1e6:.1f} MB")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.docx"
        path.write_bytes(data)
        rounds = []
        for _ in range(args.runs):
            out = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=True,
                                 cwd=HERE, env={"PYTHONPATH": str(HERE), "PATH": "/usr/bin:/bin"})
            chars, seconds, peak = out.stdout.split()
            rounds.append((float(seconds), float(peak)))
            print(f"  round: {int(chars):,} characters, {float(seconds):.2f} s, peak RSS +{float(peak):.0f} MB")
        print(f"load_bytes: median {statistics.median(s for s, _ in rounds):.2f} s, "
              f"peak RSS +{max(p for _, p in rounds):.0f} MB above the imports")
        from llama_index.core import Document

        from ingest.loaders import load_bytes
        from ingest.splitter import SectionSplitter

        text = load_bytes(data, "big.docx").text
        start = time.perf_counter()
        nodes = SectionSplitter().split_document(Document(text=text, metadata={"source": "big.docx", "format": "docx"}))
        print(f"splitter: {len(nodes):,} chunks in {time.perf_counter() - start:.1f} s, "
              f"{len({n.metadata['title'] for n in nodes})} section titles")


if __name__ == "__main__":
    main()
