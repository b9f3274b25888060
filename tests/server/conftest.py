"""Fixtures: the real HTTP API around the real Assistant over the bundled corpus (extractive)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.server.apihelpers import KEY, running


@pytest.fixture(scope="session")
def api_url(ingested_assistant) -> Iterator[str]:
    """The API over the bundled corpus, extractive, no key."""
    from server.app import create_app

    with running(create_app(ingested_assistant)) as url:
        yield url


@pytest.fixture(scope="session")
def keyed_url(ingested_assistant) -> Iterator[str]:
    """The same API behind ASSISTANT_API_KEY=KEY, with a small body limit (4 KB)."""
    from pydantic import SecretStr

    from server.app import create_app

    settings = ingested_assistant.settings.model_copy(update={"api_key": SecretStr(KEY), "api_max_body_kb": 4})
    with running(create_app(ingested_assistant, settings)) as url:
        yield url
