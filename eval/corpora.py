"""The evaluation corpora: the bundled one (corpus/) and a second one built from Debian documentation packages.

`assistant eval --corpus NAME` picks one (or `all`). The second corpus, `debian-docs`, is real
documentation nobody on the project wrote, in French with some English, HTML with its page chrome
(navigation headers and footers, tables of contents, tables). Its files are NOT in the repository: they
are copied from the installed Debian packages by a fixed rule (`RULE`, below), so anyone can rebuild the
same folder with `python -m eval.corpora build` (scripts/test does it before pytest). Only the question
file and this rule are committed. See docs/evaluation-corpora.md.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from core.settings import user_cache_dir

EVAL_DIR = Path(__file__).resolve().parent
REPO = EVAL_DIR.parent


class CorpusError(RuntimeError):
    """An evaluation corpus cannot be built or found; the message (one line) says the fix."""


@dataclass(frozen=True)
class PackagePart:
    """Files copied from one installed Debian package: `patterns` (fnmatch, sorted) inside `folder`."""

    package: str
    version: str  # the version the question file was written against
    folder: str
    patterns: tuple[str, ...]
    target: str  # sub-folder of the built corpus


@dataclass(frozen=True)
class EvalCorpus:
    name: str
    description: str
    questions: Path
    parts: tuple[PackagePart, ...] = field(default=())  # () : a folder in the repository (`bundled`)
    bundled_dir: Path | None = None

    @property
    def built(self) -> bool:
        """True when the folder is built from packages (not committed)."""
        return bool(self.parts)


# The fixed selection rule of the second corpus (documented in docs/evaluation-corpora.md). Every French
# page of the Debian FAQ (17 chapters: its index holds the full table of contents) and, in English, three
# whole parts of the aptitude manual: the introduction (pr01*), dependency resolution (ch02s03*) and search
# patterns (ch02s04*), 20 pages. About 260k characters of visible text: it fits the CI budget (ingest
# embeds about 2 chunks/s).
DEBIAN_DOCS_PARTS = (
    PackagePart("debian-faq-fr", "11.1", "/usr/share/doc/debian/FAQ/fr", ("*.fr.html",), "debian-faq-fr"),
    PackagePart(
        "aptitude-doc-en", "0.8.13-5", "/usr/share/doc/aptitude/html/en",
        ("pr01*.html", "ch02s03*.html", "ch02s04*.html"), "aptitude-doc-en",
    ),
)

CORPORA: dict[str, EvalCorpus] = {
    "bundled": EvalCorpus(
        "bundled", "the bundled corpus (corpus/): five French news articles, plain text",
        EVAL_DIR / "questions.yaml", bundled_dir=REPO / "corpus",
    ),
    "debian-docs": EvalCorpus(
        "debian-docs", "Debian FAQ in French (debian-faq-fr) + three parts of the aptitude manual in English "
        "(aptitude-doc-en): HTML with page chrome", EVAL_DIR / "questions_debian_docs.yaml", DEBIAN_DOCS_PARTS,
    ),
}
DEFAULT_CORPUS = "bundled"
MANIFEST_SUFFIX = ".manifest.json"  # beside the folder, so the ingest never sees it


def corpus_names() -> tuple[str, ...]:
    return tuple(CORPORA)


def get(name: str) -> EvalCorpus:
    if name not in CORPORA:
        raise CorpusError(f"unknown evaluation corpus {name!r} (choose from {', '.join(CORPORA)}, or all)")
    return CORPORA[name]


def resolve(spec: str) -> list[EvalCorpus]:
    """"bundled" -> [bundled]; "all" -> every corpus; "a,b" -> both, in that order."""
    names = list(CORPORA) if spec.strip() == "all" else [n.strip() for n in spec.split(",") if n.strip()]
    if not names:
        raise CorpusError("--corpus needs a name (choose from " + ", ".join(CORPORA) + ", or all)")
    return [get(n) for n in dict.fromkeys(names)]


def build_root() -> Path:
    """Where built corpora go: the user's cache folder, beside the local model (not the repository)."""
    return user_cache_dir("eval-corpora")


def installed_version(package: str) -> str | None:
    """The installed version of a Debian package, or None when it is not installed (or dpkg is absent)."""
    try:
        done = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}\t${Version}", package], capture_output=True, text=True, check=False
        )
    except OSError:
        return None
    status, _, version = done.stdout.partition("\t")
    return version.strip() if done.returncode == 0 and status.endswith(" installed") else None


def _apt_install(packages: Sequence[str]) -> None:
    """apt-get install (an apt-get update first if the package lists do not know them); needs root."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    command = ["apt-get", "install", "-y", "-qq", *packages]
    if subprocess.run(command, env=env, capture_output=True, check=False).returncode == 0:
        return
    subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, check=False)
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["apt-get failed"])[-1]
        raise CorpusError(f"apt-get install {' '.join(packages)} failed: {last}")


def ensure_packages(corpus: EvalCorpus, *, install: bool = True) -> dict[str, str]:
    """{package: installed version}; installs the missing ones when allowed and root, else a clear error."""
    missing = [p.package for p in corpus.parts if installed_version(p.package) is None]
    if missing:
        if not install or not hasattr(os, "geteuid") or os.geteuid() != 0:
            raise CorpusError(
                f"the {corpus.name} evaluation corpus is built from Debian packages: "
                f"sudo apt-get install -y {' '.join(missing)}"
            )
        _apt_install(missing)
    versions = {p.package: installed_version(p.package) for p in corpus.parts}
    if any(v is None for v in versions.values()):
        raise CorpusError(f"{', '.join(k for k, v in versions.items() if v is None)} still not installed")
    return {k: str(v) for k, v in versions.items()}


def selected_files(part: PackagePart) -> list[Path]:
    """The files of `part` chosen by its rule, sorted by name."""
    folder = Path(part.folder)
    names = sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
    chosen = [folder / n for n in names if any(fnmatch.fnmatchcase(n, pat) for pat in part.patterns)]
    if not chosen:
        raise CorpusError(f"{part.package}: no file matches {', '.join(part.patterns)} in {folder} (reinstall the package)")
    return chosen


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest_for(corpus: EvalCorpus, versions: dict[str, str]) -> dict:
    parts = []
    for part in corpus.parts:
        files = {f"{part.target}/{p.name}": _sha256(p) for p in selected_files(part)}
        parts.append({"package": part.package, "version": versions[part.package], "written_against": part.version,
                      "folder": part.folder, "patterns": list(part.patterns), "files": files})
    return {"corpus": corpus.name, "parts": parts}


def corpus_dir(corpus: EvalCorpus, root: Path | None = None) -> Path:
    """The folder the eval ingests: corpus/ for the bundled one, the built folder otherwise (not built here)."""
    if corpus.bundled_dir is not None:
        return corpus.bundled_dir
    return (root or build_root()) / corpus.name


def build(corpus: EvalCorpus, root: Path | None = None, *, install: bool = True) -> Path:
    """Copy the corpus's files from its installed packages (installing them when missing and root).

    Idempotent: an up-to-date folder (same manifest) is left alone, so an ingest of it is a no-op sync.
    Returns the folder. A package version other than the one the questions were written against is
    built all the same; the question file's tests say which quotes no longer match.
    """
    if not corpus.built:
        return corpus_dir(corpus, root)
    versions = ensure_packages(corpus, install=install)
    folder = corpus_dir(corpus, root)
    manifest = manifest_for(corpus, versions)
    stamp = manifest_path(folder)
    if stamp.is_file() and json.loads(stamp.read_text(encoding="utf-8")) == manifest:
        return folder
    staging = folder.with_name(folder.name + ".building")
    shutil.rmtree(staging, ignore_errors=True)
    for part in corpus.parts:
        (staging / part.target).mkdir(parents=True, exist_ok=True)
        for path in selected_files(part):
            shutil.copyfile(path, staging / part.target / path.name)
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    stamp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return folder


def manifest_path(folder: Path) -> Path:
    """The build record (packages, versions, rule, file hashes) of a built corpus folder."""
    return folder.with_name(folder.name + MANIFEST_SUFFIX)


def ready_dir(corpus: EvalCorpus, root: Path | None = None) -> Path:
    """The corpus folder, building it first when it is built from packages."""
    return build(corpus, root) if corpus.built else corpus_dir(corpus, root)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.corpora", description="Build the evaluation corpora made from Debian packages.")
    parser.add_argument("command", choices=("build", "path"), help="build: copy the files (apt-get install when missing and root); path: print the folder")
    parser.add_argument("names", nargs="*", default=["all"], help="corpus names (default: all)")
    parser.add_argument("--root", type=Path, help=f"parent folder of the built corpora (default: {build_root()})")
    args = parser.parse_args(argv)
    try:
        for corpus in resolve(",".join(args.names)):
            if not corpus.built:
                continue
            folder = build(corpus, args.root) if args.command == "build" else corpus_dir(corpus, args.root)
            if args.command == "build":
                manifest = json.loads(manifest_path(folder).read_text(encoding="utf-8"))
                versions = ", ".join(f"{p['package']} {p['version']}" for p in manifest["parts"])
                count = sum(len(p["files"]) for p in manifest["parts"])
                print(f"{corpus.name}: {count} files from {versions} in {folder}")
            else:
                print(folder)
    except CorpusError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
