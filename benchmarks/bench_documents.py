"""Chunk hygiene of a real HTML documentation set (issue 22): what the index would hold.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_documents.py [--package debian-faq-fr] [--sample 6]

Loads every page of the package's HTML set (installed with apt-get when missing, as root) through
``load_file`` and the ``SectionSplitter`` the sync uses (no embedding), and prints: pages, loaded
characters, chunks, chunks that are only navigation / a table of contents / a title, chunks with a
navigation footer glued on, data-table rows whose chunk carries the header, and a sample of chunks.
Judged from the raw pages by tests/fakes/chunk_hygiene.py. For the "before" figures run this same
file with PYTHONPATH pointing at an older checkout (the script only uses load_file and the splitter).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
sys.path.append(str(HERE))


def _own(name: str):  # noqa: ANN202 - the judge comes from this checkout, whatever PYTHONPATH measures
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, HERE / "tests" / "fakes" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[name] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", default="debian-faq-fr", help="a package of tests/fakes/debian_docs.py HTML_SETS")
    parser.add_argument("--sample", type=int, default=6, help="chunks to print")
    args = parser.parse_args()

    from llama_index.core import Document

    from ingest.loaders import UnreadableFileError, load_file
    from ingest.splitter import SectionSplitter
    import ingest.loaders

    hygiene = _own("chunk_hygiene")
    chunk_kind, page_facts, rows_with_header = hygiene.chunk_kind, hygiene.page_facts, hygiene.rows_with_header
    html_set = _own("debian_docs").html_set
    folder = html_set(args.package)
    files = sorted(folder.glob("*.html"))
    facts = page_facts(files)
    splitter = SectionSplitter()
    started = time.perf_counter()
    chunks: list[tuple[str, str, str]] = []  # (file, title, text)
    chars = failed = 0
    for path in files:
        try:
            loaded = load_file(path)
        except UnreadableFileError as err:
            failed += 1
            print(f"  {path.name}: {err}")
            continue
        chars += len(loaded.text)
        doc = Document(text=loaded.text, doc_id=path.name, metadata={"source": path.name, "format": loaded.format})
        chunks.extend((path.name, n.metadata["title"], n.get_content()) for n in splitter.split_document(doc))
    seconds = time.perf_counter() - started

    kinds = [chunk_kind(text, facts.headings) for _, _, text in chunks]
    carried, rows = rows_with_header(facts, [text for _, _, text in chunks])
    print(f"code measured: {Path(ingest.loaders.__file__).resolve().parents[1]}  load: {os.getloadavg()[0]:.2f}")
    print(f"{args.package}: {len(files)} pages ({failed} unreadable), {chars} characters loaded, {len(chunks)} chunks ({seconds:.1f} s)")
    for kind in ("nav_only", "toc", "title_only", "with_nav"):
        print(f"  {kind:<11} {kinds.count(kind)}")
    print(f"  table rows carrying their header: {carried}/{rows}")
    bad = [c for c, k in zip(chunks, kinds) if k != "ok"]
    step = max(len(chunks) // max(args.sample, 1), 1)
    for title, group in (("flagged", bad[:4]), ("sample", chunks[::step][: args.sample])):
        for name, chunk_title, text in group:
            shown = text if len(text) <= 320 else text[:320] + "…"
            print(f"--- {title}: {name} [{chunk_title}] ({kinds[chunks.index((name, chunk_title, text))]})\n{shown}")


if __name__ == "__main__":
    main()
