"""Optional LLM-judged columns: LlamaIndex faithfulness, relevancy and correctness, run in batches.

Only used when an LLM is configured; llama_index.core.evaluation is imported lazily.
Columns added to each QuestionResult.metrics (None when not judged):
  faithfulness  1.0 / 0.0  the answer is supported by the retrieved contexts
  relevancy     1.0 / 0.0  the answer and contexts address the question
  correctness   score / 5  agreement with the reference (answerable questions only)
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, Sequence

from eval.dataset import Question
from eval.runner import QuestionResult

JUDGE_METRICS = ("faithfulness", "relevancy", "correctness")


def make_judge(llm: Any, *, workers: int = 4, show_progress: bool = False) -> Callable[[list[QuestionResult], dict[str, Question]], None]:
    """A runner.Judge bound to `llm` (a LlamaIndex LLM)."""

    def judge(results: list[QuestionResult], questions: dict[str, Question]) -> None:
        judge_results(results, questions, llm, workers=workers, show_progress=show_progress)

    return judge


def judge_results(
    results: Sequence[QuestionResult],
    questions: dict[str, Question],
    llm: Any,
    *,
    workers: int = 4,
    show_progress: bool = False,
) -> None:
    """Fill the judge columns of `results` in place; abstained, empty or failed answers are skipped."""
    from llama_index.core.evaluation import (
        BatchEvalRunner,
        CorrectnessEvaluator,
        FaithfulnessEvaluator,
        RelevancyEvaluator,
    )

    todo = [r for r in results if r.answer.strip() and not r.abstained and r.error is None]
    for result in results:
        result.metrics |= dict.fromkeys(JUDGE_METRICS)
    if not todo:
        return
    evaluators = {
        "faithfulness": FaithfulnessEvaluator(llm=llm),
        "relevancy": RelevancyEvaluator(llm=llm),
        "correctness": CorrectnessEvaluator(llm=llm),
    }
    with warnings.catch_warnings():
        # llama-index-core 0.14.25: BatchEvalRunner.__init__ calls its own deprecated asyncio_module().
        warnings.filterwarnings("ignore", message=r"asyncio_module\(\) is deprecated", category=DeprecationWarning)
        runner = BatchEvalRunner(evaluators, workers=workers, show_progress=show_progress)
    found = runner.evaluate_response_strs(
        queries=[r.question for r in todo],
        response_strs=[r.answer for r in todo],
        contexts_list=[[p.get("text", "") for p in r.retrieved] for r in todo],
        correctness={"reference": [questions[r.id].reference for r in todo]},
    )
    for i, result in enumerate(todo):
        result.metrics["faithfulness"] = _passing(found["faithfulness"][i])
        result.metrics["relevancy"] = _passing(found["relevancy"][i])
        if questions[result.id].answerable:
            score = found["correctness"][i].score
            result.metrics["correctness"] = None if score is None else float(score) / 5.0


def _passing(evaluation: Any) -> float | None:
    if evaluation.invalid_result or evaluation.passing is None:
        return None
    return 1.0 if evaluation.passing else 0.0
