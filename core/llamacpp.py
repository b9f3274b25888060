"""The local model in-process: llama-cpp-python wrapped as a LlamaIndex CustomLLM.

Why in-process and not llama.cpp's OpenAI-compatible server behind OpenAILike: measured side by side
(benchmarks/bench_llm.py --compare-server, same build and questions), the server took 1.06x as long
per answer and its process alone held 3.2 GB; in-process there is one process less to start,
supervise and give a port, and streaming stops the moment the caller closes the generator.

- One model copy per process: `_shared()` loads the GGUF once per path; every Assistant, variant
  and UI session uses that copy.
- Concurrent users are queued: a lock is held while one answer is generated; a waiting user gets a
  clear "busy" message after `wait_timeout` seconds, never a crash.
- ChatML is forced (`chat_format="chatml"`): the Jinja template inside the file is never rendered.
- Closing the stream (a client that disconnects) closes llama.cpp's token generator, which stops
  generating and releases the lock at once.
- The prompt prefix (system message, fixed wording) stays the same from question to question, so
  llama-cpp-python reuses its KV cache for it. It keeps one sequence only, and the answerer has four
  system messages (two languages, two prompt shapes): a question after one in the other language would
  read its ~120-token prefix again (about 1.7 s on 2 cores). So the model state after each system
  message's last answer is kept (`_Prefixes`, a few MB each) and restored when that system
  message comes back; llama.cpp then keeps the matching prefix and reads only the rest.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from llama_index.core.llms import (
    ChatMessage,
    ChatResponse,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseGen,
    CustomLLM,
    LLMMetadata,
    MessageRole,
)
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from pydantic import PrivateAttr

from core.cancel import cancelled
from core.errors import LLMError

# Prompts here stay well under this; a smaller context allocates less memory and loads faster.
MAX_CONTEXT = 4096


@dataclass
class Stats:
    """Figures of the last generation, for benchmarks (prompt tokens, timings)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    first_token_s: float = 0.0
    total_s: float = 0.0
    # llama.cpp's own counters for the last call: prompt tokens it evaluated (the rest came from the
    # prefix cache) and tokens it generated, with the time each took.
    prompt_eval_tokens: int = 0
    prompt_eval_s: float = 0.0
    eval_tokens: int = 0
    eval_s: float = 0.0
    tokens_generated_total: int = 0  # across the process: lets tests see generation stop


class _Prefixes:
    """The llama.cpp state after the last answer under each system message, without the logits history
    (llama-cpp-python's `save_state` copies a 512 x vocabulary score array, ~300 MB for Qwen; only the
    KV cache and the token ids are needed to reuse a prefix: the rest of the prompt is evaluated anew).
    Why not llama-cpp-python's LlamaRAMCache: it saves that score array after every call."""

    def __init__(self, limit: int = 8) -> None:
        self.states: dict[str, Any] = {}
        self.current: str | None = None  # the system message the KV cache now starts with
        self.limit = limit

    def restore(self, llama: Any, system: str | None) -> None:
        """Before a call under `system`: bring its state back when the KV cache holds another prefix."""
        if system is not None and system != self.current and system in self.states:
            import llama_cpp

            # Llama.load_state, without refilling the score array: with logits_all off only the last
            # decode's logits are read, and the rest of the prompt is decoded anew.
            state = self.states[system]
            buffer = (llama_cpp.ctypes.c_uint8 * state.llama_state_size).from_buffer_copy(state.llama_state)
            if llama_cpp.llama_state_set_data(llama.ctx, buffer, state.llama_state_size) != state.llama_state_size:
                self.states.pop(system)
                llama.reset()
                return
            llama.input_ids = state.input_ids.copy()
            llama.n_tokens = state.n_tokens
            llama._requires_eval = True
            self.current = system

    def keep(self, llama: Any, system: str | None) -> None:
        """After a call under `system`: remember the state (its prefix is reusable next time)."""
        self.current = system
        if system is None:
            return
        import llama_cpp
        from llama_cpp.llama import LlamaState

        size = llama_cpp.llama_state_get_size(llama.ctx)
        buffer = (llama_cpp.ctypes.c_uint8 * int(size))()
        written = int(llama_cpp.llama_state_get_data(llama.ctx, buffer, size))
        self.states.pop(system, None)
        if len(self.states) >= self.limit:
            self.states.pop(next(iter(self.states)))
        self.states[system] = LlamaState(
            input_ids=llama.input_ids.copy(), scores=llama.scores[:0].copy(), n_tokens=llama.n_tokens,
            llama_state=bytes(buffer)[:written], llama_state_size=written, seed=llama._seed,
        )

    def forget(self) -> None:
        self.current = None


@dataclass
class _Shared:
    llama: Any
    lock: threading.Lock = field(default_factory=threading.Lock)
    stats: Stats = field(default_factory=Stats)
    prefixes: _Prefixes = field(default_factory=_Prefixes)


_MODELS: dict[tuple[str, int, int, bool], _Shared] = {}
_MODELS_LOCK = threading.Lock()


def _shared(path: str, n_ctx: int, threads: int, repack: bool = False) -> _Shared:
    """The one loaded copy of `path` in this process."""
    key = (path, n_ctx, threads, repack)
    with _MODELS_LOCK:
        if key not in _MODELS:
            if not _MODELS:
                atexit.register(_close_all)
            _MODELS[key] = _Shared(_load(path, n_ctx, threads, repack))
        return _MODELS[key]


def _close_all() -> None:
    """Free the models before interpreter shutdown: llama_cpp's own __del__ runs too late then and
    prints a TypeError traceback as the process exits."""
    with _MODELS_LOCK:
        for shared in _MODELS.values():
            shared.llama.close()
        _MODELS.clear()


@contextmanager
def _model_params(**fields: Any) -> Iterator[None]:
    """Set llama_model_params fields that llama-cpp-python 0.3.x's Llama() takes no argument for.

    Llama() starts from `llama_model_default_params()` and silently ignores unknown keyword
    arguments, so the defaults function is wrapped for the duration of one load (callers hold
    _MODELS_LOCK, so no other load sees the wrapper).
    """
    import llama_cpp.llama_cpp as low

    original = low.llama_model_default_params

    def patched() -> Any:
        params = original()
        for name, value in fields.items():
            setattr(params, name, value)
        return params

    low.llama_model_default_params = patched
    try:
        yield
    finally:
        low.llama_model_default_params = original


def _load(path: str, n_ctx: int, threads: int, repack: bool) -> Any:
    """`repack`: llama.cpp's weight repacking ("extra buffer types"); Tuning.repack_weights says why it is off."""
    try:
        from llama_cpp import Llama
    except ImportError:
        raise LLMError("The local model needs llama-cpp-python: run scripts/setup, or set ASSISTANT_LLM=none.") from None
    try:
        with _model_params(use_extra_bufts=repack):
            return Llama(
                model_path=path, n_ctx=n_ctx, n_threads=threads or os.cpu_count() or 2, chat_format="chatml",
                verbose=False,
            )
    except (ValueError, OSError) as err:
        raise LLMError(f"Cannot load the local model {path} ({err}); run scripts/setup again.") from None


def _perf_reset(llama: Any) -> None:
    import llama_cpp

    llama_cpp.llama_perf_context_reset(llama.ctx)


def _perf_read(llama: Any, stats: Stats) -> None:
    import llama_cpp

    perf = llama_cpp.llama_perf_context(llama.ctx)
    stats.prompt_eval_tokens, stats.prompt_eval_s = int(perf.n_p_eval), perf.t_p_eval_ms / 1000
    stats.eval_tokens, stats.eval_s = int(perf.n_eval), perf.t_eval_ms / 1000


class LocalLLM(CustomLLM):
    """Qwen2.5-Coder-1.5B-Instruct (or any chat GGUF) run by llama.cpp in this process."""

    model: str
    model_path: str
    context_window: int = MAX_CONTEXT
    max_tokens: int = 512
    temperature: float = 0.1
    threads: int = 0
    wait_timeout: float = 60.0
    repack_weights: bool = False
    keep_prefixes: bool = True  # restore the KV cache of each system message (_Prefixes)
    # A fixed sampling seed: the same prompt gives the same answer (the eval's figures are reproducible).
    seed: int = 0
    _model: _Shared | None = PrivateAttr(default=None)

    @classmethod
    def class_name(cls) -> str:
        return "LocalLLM"

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(
            context_window=self.context_window, num_output=self.max_tokens, is_chat_model=True, model_name=self.model
        )

    @property
    def shared(self) -> _Shared:
        if self._model is None:
            self._model = _shared(self.model_path, min(self.context_window, MAX_CONTEXT), self.threads, self.repack_weights)
        return self._model

    def busy(self) -> bool:
        """True while an answer holds the model (another one would queue), without loading it."""
        return self._model is not None and self._model.lock.locked()

    def load(self) -> None:
        """Load the model now (start-up), so the first question does not pay for it."""
        _ = self.shared

    @property
    def stats(self) -> Stats:
        return self.shared.stats

    # --- chat ------------------------------------------------------------------------------------

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        last = None
        for last in self.stream_chat(messages, **kwargs):
            pass
        if last is None:
            return ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=""))
        return ChatResponse(message=last.message)

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        payload = [{"role": m.role.value, "content": m.content or ""} for m in messages]
        return self._generate(payload, kwargs.get("max_tokens", self.max_tokens))

    def _generate(self, payload: list[dict[str, str]], max_tokens: int) -> Iterator[ChatResponse]:
        shared = self.shared
        deadline = time.monotonic() + self.wait_timeout
        # Short waits, so an asker who stopped while queued never takes the model (core/cancel.py).
        while not shared.lock.acquire(timeout=0.05):
            if cancelled():
                return
            if time.monotonic() >= deadline:
                raise LLMError(
                    f"The local model is busy with other questions (waited {self.wait_timeout:.0f} s); try again shortly."
                )
        if cancelled():
            shared.lock.release()
            return
        started = time.perf_counter()
        stats = shared.stats
        stats.first_token_s = stats.total_s = 0.0
        stats.completion_tokens = 0
        system = payload[0]["content"] if payload and payload[0]["role"] == "system" else None
        finished = False
        try:
            if self.keep_prefixes:
                shared.prefixes.restore(shared.llama, system)
            _perf_reset(shared.llama)
            tokens = shared.llama.create_chat_completion(
                messages=payload, stream=True, max_tokens=max_tokens, temperature=self.temperature, seed=self.seed,
            )
            text = ""
            try:
                for chunk in tokens:
                    delta = chunk["choices"][0]["delta"].get("content") or ""
                    stats.completion_tokens += 1
                    stats.tokens_generated_total += 1
                    if not delta:
                        continue
                    stats.first_token_s = stats.first_token_s or time.perf_counter() - started
                    text += delta
                    yield ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text), delta=delta)
                finished = True
            finally:
                tokens.close()  # stops llama.cpp at once when our caller stopped reading
        finally:
            stats.total_s = time.perf_counter() - started
            stats.prompt_tokens = max(0, int(shared.llama.n_tokens) - stats.completion_tokens)
            _perf_read(shared.llama, stats)
            try:
                if self.keep_prefixes and finished:
                    shared.prefixes.keep(shared.llama, system)
                else:
                    shared.prefixes.forget()
            finally:
                shared.lock.release()

    # --- completion (CustomLLM's abstract API): a single user message ----------------------------

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        text = self.chat([ChatMessage(role=MessageRole.USER, content=prompt)], **kwargs).message.content or ""
        return CompletionResponse(text=text)

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        def gen() -> CompletionResponseGen:
            for r in self.stream_chat([ChatMessage(role=MessageRole.USER, content=prompt)], **kwargs):
                yield CompletionResponse(text=r.message.content or "", delta=r.delta)

        return gen()
