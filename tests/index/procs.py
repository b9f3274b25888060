"""Real `assistant` processes for the multi-process tests: each one is a "machine" with its own data dir,
using the fast HashEmbedding (tests/fakes/hash_embedding.py) and optionally a Chroma server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from assistant.api import Assistant
from assistant.components import Components
from tests.conftest import REPO, make_settings
from tests.fakes import killpoint
from tests.fakes.hash_embedding import SITECUSTOMIZE, HashEmbedding


def server_settings(server: tuple[str, int] | None, collection: str) -> dict[str, Any]:
    if server is None:
        return {}
    return {"chroma_host": server[0], "chroma_port": server[1], "collection": collection}


def fake_bot(data_dir: Path, **overrides: Any) -> Assistant:
    """An in-process assistant (a long-lived process, like the UI) with the hash embedding."""
    settings = make_settings(data_dir, **overrides)
    return Assistant(settings, components=Components(settings, embed_model=HashEmbedding()))


def env(tmp_path: Path, data_dir: Path, *, kill_at: str | None = None, **overrides: Any) -> dict[str, str]:
    hooks = tmp_path / "hooks"
    hooks.mkdir(exist_ok=True)
    (hooks / "sitecustomize.py").write_text(SITECUSTOMIZE + killpoint.SITECUSTOMIZE, encoding="utf-8")
    # TQDM_DISABLE: an in-process `ingest --quiet` of an earlier test sets it in os.environ; a child
    # process must start with progress bars as a user's does.
    dropped = {"RAG_KILL_AT", "TQDM_DISABLE", "HF_HUB_DISABLE_PROGRESS_BARS"}
    out = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_") and k not in dropped}
    out.update(PYTHONPATH=os.pathsep.join([str(hooks), str(REPO)]), ASSISTANT_DATA_DIR=str(data_dir),
               ASSISTANT_LLM="none", PYTHONWARNINGS="ignore", ASSISTANT_CORPUS_DIR=str(REPO / "corpus"))
    for key, value in overrides.items():
        out[f"ASSISTANT_{key.upper()}"] = str(value)
    if kill_at:
        out["RAG_KILL_AT"] = kill_at
    return out


def start(args: list[str], environ: dict[str, str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cli.main", *args], env=environ, cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run(args: list[str], environ: dict[str, str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli.main", *args], env=environ, cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)
