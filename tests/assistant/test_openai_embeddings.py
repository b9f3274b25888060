"""ASSISTANT_EMBEDDING=openai: dense vectors from an OpenAI-compatible /v1/embeddings (the local stub)."""

from __future__ import annotations

import pytest

from assistant.api import Assistant
from core.errors import IndexMismatchError
from tests.conftest import make_settings
from tests.fakes.openai_stub import OpenAIStub
from tests.fakes.sample_docs import write_corpus

pytestmark = pytest.mark.slow


def test_ingest_and_ask_with_openai_embeddings(tmp_path):
    with OpenAIStub(embedding_dim=32) as stub:
        settings = make_settings(tmp_path / "data", embedding="openai", llm_base_url=stub.base_url,
                                 llm_api_key="sk-test", llm="none")
        bot = Assistant(settings)
        report = bot.ingest(write_corpus(tmp_path / "docs"), show_progress=False)
        assert report.count("added") == 3
        embeddings = [r for r in stub.requests if r["path"] == "/v1/embeddings"]
        assert embeddings and embeddings[0]["json"]["model"] == "text-embedding-3-small"
        answer = bot.ask("Qui a écrit la bande originale du film imaginaire ?")
        assert answer.citations and answer.citations[0].source == "a.txt"
        assert bot._components.store.metadata()["embedding"] == "openai:text-embedding-3-small"
        # switching back to the local model without re-ingesting is refused with the fix in the message
        local = Assistant(make_settings(tmp_path / "data"))
        with pytest.raises(IndexMismatchError, match="re-ingest"):
            local.ask("Qui a écrit la bande originale ?")
