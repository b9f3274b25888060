"""The optional LLM judges, driven by a canned offline LLM (no network)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eval.dataset import load_questions
from eval.llm_judges import JUDGE_METRICS, judge_results
from eval.runner import QuestionResult


def _canned_llm(reply: str) -> Any:
    """A LlamaIndex CustomLLM that always answers `reply` (score on line 1, verdict after)."""
    from llama_index.core.llms import CompletionResponse, CustomLLM, LLMMetadata
    from llama_index.core.llms.callbacks import llm_completion_callback

    class Canned(CustomLLM):
        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata(model_name="canned")

        @llm_completion_callback()
        def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
            return CompletionResponse(text=reply)

        @llm_completion_callback()
        def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any):  # noqa: ANN201
            yield CompletionResponse(text=reply, delta=reply)

    return Canned()


def _result(qid: str, answer: str, abstained: bool = False) -> QuestionResult:
    return QuestionResult(
        config="llm", id=qid, lang="fr", kind="single", answerable=qid != "fr-unicorn", question="?", answer=answer,
        abstained=abstained, latency_s=0.1,
        retrieved=[{"number": 1, "source": "musique.txt", "score": 1.0, "text": "La musique est de Jean Dupont."}],
    )


def test_judges_fill_columns(questions_file: Path) -> None:
    questions = {q.id: q for q in load_questions(questions_file)}
    results = [
        _result("fr-music", "Jean Dupont [1]."),
        _result("fr-unicorn", "Je ne sais pas.", abstained=True),
        _result("fr-visitors", ""),
    ]
    judge_results(results, questions, _canned_llm("4.0\nYES, supported."), workers=2)
    assert results[0].metrics == {"faithfulness": 1.0, "relevancy": 1.0, "correctness": 0.8}
    for skipped in results[1:]:
        assert skipped.metrics == dict.fromkeys(JUDGE_METRICS)


def test_judges_negative_verdict(questions_file: Path) -> None:
    questions = {q.id: q for q in load_questions(questions_file)}
    (result,) = [_result("fr-music", "Jean Martin [1].")]
    judge_results([result], questions, _canned_llm("1.0\nNO"))
    assert result.metrics == {"faithfulness": 0.0, "relevancy": 0.0, "correctness": 0.2}
