"""Request and response bodies: OpenAI's chat-completion shapes, plus the citation fields.

Unknown request fields (temperature, max_tokens, stream_options, …) are accepted and ignored, as
OpenAI-compatible servers usually do; `top_k` is this API's one extension to the request.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant import Answer, Passage, count_tokens

Role = Literal["system", "developer", "user", "assistant", "tool", "function"]


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: str
    text: str | None = None


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore")
    role: Role
    content: str | list[ContentPart] | None = None


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    model: str | None = Field(None, description="An id from GET /v1/models; default: the configured answerer.")
    messages: list[Message] = Field(min_length=1, description="The conversation; the last message is the question.")
    stream: bool = False
    top_k: int | None = Field(None, ge=1, le=20, description="Passages given to the answerer (extension).")


class RetrieveRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    query: str
    top_k: int | None = Field(None, ge=1, le=20)


class PassageOut(BaseModel):
    """A passage; `number` is its n in the answer's [n] markers."""

    number: int
    source: str
    title: str
    text: str
    start_char: int  # offsets into the source document's text
    end_char: int
    score: float
    highlights: list[tuple[int, int]] = []  # spans inside `text` that the answer relies on
    page: int | None = None  # a PDF's passage: the pages it is on (null for other formats)
    page_end: int | None = None

    @classmethod
    def of(cls, p: Passage) -> "PassageOut":
        return cls(
            number=p.number, source=p.source, title=p.title, text=p.text, start_char=p.start_char,
            end_char=p.end_char, score=p.score, highlights=[tuple(h) for h in p.highlights],
            page=p.page, page_end=p.page_end if p.page is not None else None,
        )


class Usage(BaseModel):
    """Token counts: the LLM's own when it reports them, else the e5 tokenizer's (see docs/speed.md)."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


def usage_of(answer: Answer) -> Usage:
    """The LLM's counts, or e5 tokens of what the answerer read (question and passages) and wrote."""
    if answer.llm_usage:
        prompt, completion = answer.llm_usage["prompt_tokens"], answer.llm_usage["completion_tokens"]
    else:
        question = answer.standalone_question or answer.question
        read = [p.tokens if p.tokens is not None else count_tokens(p.text) for p in answer.retrieved]  # counted at ingest
        prompt, completion = count_tokens(question) + sum(read), count_tokens(answer.text)
    return Usage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion)


def answer_fields(answer: Answer) -> dict[str, Any]:
    """The fields this API adds to a completion (and to the last chunk of a stream)."""
    return {
        "usage": usage_of(answer).model_dump(),
        "citations": [PassageOut.of(c).model_dump() for c in answer.citations],
        "abstained": answer.abstained,
        "standalone_question": answer.standalone_question,
        "warnings": list(answer.warnings),
    }


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"
    logprobs: None = None


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage
    citations: list[PassageOut]
    abstained: bool
    standalone_question: str
    warnings: list[str]


class RetrieveResponse(BaseModel):
    object: Literal["list"] = "list"
    query: str
    data: list[PassageOut]


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "corpus-assistant"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]
