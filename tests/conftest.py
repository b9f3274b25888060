"""Shared fixtures: no network, offline environment, the real assistant on the bundled corpus,
and a real `chroma run` server.

Tests never reach the network: sockets may only connect to loopback, and name lookups other than
localhost fail. Opt-in tests that need an outside service do not exist in this suite.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import ChromaServer

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"

_OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
}


def _is_loopback(host: object) -> bool:
    if not isinstance(host, str):
        return False
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def pytest_configure(config: pytest.Config) -> None:
    for key, value in _OFFLINE_ENV.items():
        os.environ[key] = value
    # Settings must come from the tests, not from a developer's environment or .env file.
    for key in list(os.environ):
        if key.startswith("ASSISTANT_") or key == "OPENAI_API_KEY":
            del os.environ[key]
    _block_network()


def _block_network() -> None:
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(address: object) -> None:
        if isinstance(address, tuple) and not _is_loopback(address[0]):
            raise ConnectionRefusedError(f"tests may not reach the network (tried {address[0]})")

    def connect(self: socket.socket, address: object) -> None:
        check(address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: object) -> int:
        check(address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> list:
        if host is not None and not _is_loopback(host if isinstance(host, str) else str(host)):
            raise socket.gaierror(socket.EAI_NONAME, f"tests may not resolve {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]


@pytest.fixture(autouse=True)
def _no_settings_leak(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each test runs from its own folder so a stray .env or data/ folder cannot leak in."""
    monkeypatch.chdir(tmp_path)


def make_settings(data_dir: Path, **overrides: object):
    from core.settings import Settings

    values = {"data_dir": data_dir, "corpus_dir": CORPUS, "llm": "none"}
    values.update(overrides)
    return Settings(_env_file=None, **values)


def pdf_corpus_bot(tmp: Path, embed_model: object):
    """A real Assistant over the small articles and the four-page PDF report.pdf (tests/fakes/sample_docs.py),
    ingested for real (e5, Chroma) under `tmp`; returns it and its ingest report."""
    from assistant.api import Assistant
    from assistant.components import Components
    from tests.fakes.sample_docs import REPORT_PAGES, text_pdf, write_corpus

    folder = write_corpus(tmp / "docs")
    (folder / "report.pdf").write_bytes(text_pdf(REPORT_PAGES))
    settings = make_settings(tmp / "data", corpus_dir=folder)
    bot = Assistant(settings, components=Components(settings, embed_model=embed_model))
    return bot, bot.ingest(folder, show_progress=False)


@pytest.fixture(scope="session")
def shared_components(tmp_path_factory: pytest.TempPathFactory):
    """The real embedding model and an embedded Chroma store holding the bundled corpus (ingested once)."""
    from assistant.components import Components

    data_dir = tmp_path_factory.mktemp("corpus-index")
    components = Components(make_settings(data_dir))
    components.sync(CORPUS, show_progress=False, rebuild=False)
    return components


@pytest.fixture(scope="session")
def ingested_assistant(shared_components):
    """A real Assistant (offline, extractive) over the bundled corpus. Do not ingest into it."""
    from assistant.api import Assistant

    return Assistant(shared_components.settings, components=shared_components)


@pytest.fixture(scope="session")
def embed_model(shared_components):
    return shared_components.embed_model


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A real `chroma run` server on 127.0.0.1, stopped at the end of the session."""
    server = ChromaServer(tmp_path_factory.mktemp("chroma-server")).start()
    yield "127.0.0.1", server.port
    server.stop()
