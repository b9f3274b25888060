"""Stages 6 and 9 of the pipeline: `weigh` (answer or abstain, before anything is written) and
`settle` (after the checks: the model's own refusal or an answer no passage supports abstains too;
otherwise the checked citations are published). The one abstention decision, used by every mode.

The answerer gathers `Signals` (how strongly the corpus holds the question's words, how close the
best passage is in meaning, how much of the question the chosen text covers, whether that text
holds the kind of fact asked for, and — in LLM mode — whether the model itself declined) and
`decide` turns them into a `Decision` whose `reasons` say why, recorded on the answer.

    from assistant.abstain import Signals, decide
    decision = decide(Signals(lexical=..., lexical_floor=..., dense=..., support=..., kind_found=...), policy)
    if decision.abstain: ...

The LLM path adds its own signal with `model_refused=True` (see `assistant/generate.py`).
Weights and thresholds are calibrated on the eval's dev questions only (`Tuning` in core/settings.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from assistant.answer import Answer
from assistant.context import Context
from core.providers import embedding_identity
from core.settings import Settings, Tuning

_TUNED = Tuning()
_MIN_SCORE = Settings.model_fields["abstain_min_score"].default

@dataclass(frozen=True)
class Signals:
    """What the answerer knows when it decides whether to answer."""

    lexical: float  # the question's best BM25 score in the corpus
    lexical_floor: float  # BM25 score meaning "the question's words are there", for this corpus size (> 0)
    dense: float | None = None  # best cosine similarity between the question and a retrieved passage
    dense_across: bool = False  # that passage is in the other language than the question
    support: float = 0.0  # weighted share of the question's content words in the best answer sentence (0..1)
    support_across: bool = False  # that sentence is in the other language than the question (it shares words rarely)
    kind_found: bool | None = None  # the chosen text holds the kind of fact asked (None: no kind asked)
    model_refused: bool | None = None  # LLM mode: the model said the passages do not answer (None: no model)
    overview: bool = False  # the question asks for a summary of an article or of the corpus
    has_passages: bool = True  # retrieval returned something
    focus: float | None = None  # share of the question's focus (the relation asked) an evidence sentence states
    kind_required: bool = False  # the missing kind of fact is asked in so many words ("combien", "en quelle année")
    measure_found: bool | None = None  # the evidence states an amount of the measure asked (money, energy…; None: none asked)
    year_held: bool | None = None  # the evidence states the year the question states (None: none stated)
    names_unknown: tuple[str, ...] = ()  # names the question holds that the corpus never holds ("Windows XP")


@dataclass(frozen=True)
class Decision:
    abstain: bool
    score: float  # combined confidence that the corpus answers (higher: answer)
    reasons: tuple[str, ...]  # why, in short words ("lexical 0.41 < 1.0", "no date in the answer", ...)


@dataclass(frozen=True)
class Policy:
    """Weights and thresholds of the decision; the defaults are `Tuning`'s (see `policy_of`)."""

    lexical_low: float = _TUNED.lexical_low  # lexical / lexical_floor at which the lexical signal is empty ...
    lexical_high: float = _TUNED.lexical_high  # ... and full
    min_similarity: float = _TUNED.e5_related_cosine  # dense cosine (multilingual-e5-small): empty ...
    max_similarity: float = _TUNED.e5_related_cosine + _TUNED.e5_related_width  # ... and full
    support_low: float = _TUNED.support_low  # share of the question's words in the best sentence: empty ...
    support_high: float = _TUNED.support_high  # ... and full
    weights: tuple[float, float, float] = _TUNED.signal_weights  # lexical, dense, support
    min_score: float = _MIN_SCORE  # abstain below this combined score (ASSISTANT_ABSTAIN_MIN_SCORE)
    kind_penalty: float = _TUNED.kind_penalty  # subtracted when the answer lacks the kind of fact asked
    llm_lenient: bool = _TUNED.llm_lenient_floor  # with an LLM: halve the lexical floor
    focus_min: float = _TUNED.focus_min_share  # decline when the evidence states less of the focus than this
    strict_kind: bool = _TUNED.strict_kind  # decline on a missing strict kind or measure (assistant/measures.py)
    across_shift: float = _TUNED.e5_across_shift  # the dense range is lowered by this for a passage in the other language
    no_shared_word: bool = _TUNED.decline_no_shared_word  # decline when the best sentence holds no word of the question


# Without a calibrated dense similarity (another embedding model): the lexical floor alone, as before.
LEXICAL_ONLY = Policy(lexical_low=1.0, lexical_high=1.0, weights=(1.0, 0.0, 0.0), no_shared_word=False)


def policy_of(settings: Settings) -> Policy:
    """The abstention policy of `settings`: its dense range was calibrated for multilingual-e5 similarities."""
    tuning = settings.tuning
    low = settings.abstain_min_similarity
    common = dict(min_score=settings.abstain_min_score, llm_lenient=tuning.llm_lenient_floor, focus_min=tuning.focus_min_share,
                  strict_kind=tuning.strict_kind)
    if low is None and "e5" not in embedding_identity(settings).lower():
        return replace(LEXICAL_ONLY, kind_penalty=tuning.kind_penalty, **common)
    low = tuning.e5_related_cosine if low is None else low
    return Policy(
        lexical_low=tuning.lexical_low, lexical_high=tuning.lexical_high, min_similarity=low,
        max_similarity=low + tuning.e5_related_width, support_low=tuning.support_low,
        support_high=tuning.support_high, weights=tuning.signal_weights, kind_penalty=tuning.kind_penalty,
        across_shift=tuning.e5_across_shift, no_shared_word=tuning.decline_no_shared_word, **common,
    )


def weigh(ctx: Context) -> None:
    """Stage: gather the signals (retrieval's, the evidence's, the kind of fact asked) and decide; withheld,
    the answer is the "not in the corpus" message with the nearest sources."""
    ctx.signals = Signals(
        lexical=ctx.lexical, lexical_floor=ctx.lexical_floor, dense=ctx.dense, support=ctx.support, dense_across=ctx.dense_across,
        overview=ctx.plan.kind == "overview", has_passages=bool(ctx.hits), kind_found=ctx.kind_found,
        support_across=ctx.support_across, model_refused=None if ctx.llm is None else False,
        focus=None if ctx.plan.kind == "overview" else ctx.focus,
        kind_required=ctx.kind_required, measure_found=ctx.measure_found, year_held=ctx.year_held,
        names_unknown=ctx.names_unknown,
    )
    ctx.decision = decide(ctx.signals, policy_of(ctx.settings))
    _record(ctx.answer, ctx.signals, ctx.decision)
    # abstain_threshold 0: never abstain while passages were found (the decision is still recorded).
    if ctx.decision.abstain and (ctx.settings.abstain_threshold > 0 or not ctx.hits):
        abstain(ctx.answer)


def _record(answer: Answer, signals: Signals, decision: Decision) -> None:
    """The signals and the verdict, on the answer (the eval and the UI read them)."""
    answer.timings["support"] = round(signals.support, 4)
    answer.timings["lexical"] = round(signals.lexical, 4)
    answer.timings["lexical_floor"] = round(signals.lexical_floor, 4)
    if signals.dense is not None:
        answer.timings["dense"] = round(signals.dense, 4)
    if signals.kind_found is not None:
        answer.timings["kind_found"] = float(signals.kind_found)
    if signals.focus is not None:
        answer.timings["focus"] = round(signals.focus, 4)
    if signals.measure_found is not None:
        answer.timings["measure_found"] = float(signals.measure_found)
    if signals.year_held is not None:
        answer.timings["year_held"] = float(signals.year_held)
    if signals.names_unknown:
        answer.timings["names_unknown"] = float(len(signals.names_unknown))
    answer.timings["confidence"] = decision.score
    answer.abstain_reasons = list(decision.reasons)


def settle(ctx: Context) -> None:
    """Stage: the final word. A model that declined, or an answer whose every claim failed the citation
    check, abstains (the one decision, with the model's refusal as its signal); otherwise the cited
    passages, with their highlights, become `answer.citations` and the checks' notes its warnings."""
    answer = ctx.answer
    if answer.abstained or not answer.complete:
        return
    if ctx.written_by_model:
        refused = is_refusal(answer.model_text)
        if refused or ctx.unsupported:
            decision = decide(replace(ctx.signals, model_refused=refused), policy_of(ctx.settings))
            answer.abstain_reasons = list(decision.reasons) if refused else [*decision.reasons, "no passage supports the answer"]
            abstain(answer)
            return
    answer.warnings += ctx.notes
    by_number = {p.number: p for p in answer.retrieved}
    cited = [replace(by_number[n], highlights=tuple(sorted(set(ctx.highlights.get(n, []))))) for n in ctx.cited]
    answer.retrieved = [next((c for c in cited if c.number == p.number), p) for p in answer.retrieved]
    answer.citations = cited
    if not cited:
        # An answer that cites nothing is not grounded: say so rather than pass it off as one.
        answer.warnings.append("The answer cites no passage.")


ABSTAIN = {
    "fr": "Le corpus ne contient pas la réponse à cette question.",
    "en": "The corpus does not contain the answer to this question.",
}
NEAREST = {"fr": "Sources les plus proches :", "en": "Nearest sources:"}


def abstention(language: str, nearest: list[tuple[str, str]]) -> str:
    """The plain "not in the corpus" message, in the question's language, with the nearest sources."""
    text = ABSTAIN.get(language, ABSTAIN["en"])
    if nearest:
        listing = "; ".join(f"{title} ({source})" for title, source in nearest)
        text += f" {NEAREST.get(language, NEAREST['en'])} {listing}."
    return text


_REFUSAL_RE = re.compile(
    r"(do(es)? not (contain|mention|provide|say|state|include|specify|give)|not (mentioned|provided|specified|stated|"
    r"given|available|found)|no (information|mention|details?)\b|cannot (find|answer|determine)|can't (find|answer)|"
    r"unable to (find|answer|determine)|i don't know|"
    r"ne (contien|mentionn|précis|dit|donn|fourni|parl|indiqu)\w* pas|ne (contien|mentionn|précis|dit|donn|fourni|parl|indiqu)\w* "
    r"(aucun|rien)|n'est pas (mentionné|précisé|indiqué|donné|fourni)|n’est pas (mentionné|précisé|indiqué|donné|fourni)|"
    r"aucune (information|mention|précision)|pas d['’]information|je ne (sais|peux))",
    re.IGNORECASE,
)


def is_refusal(text: str) -> bool:
    """The model said, in its own words, that the passages do not hold the answer."""
    flat = " ".join(text.split())
    return bool(_REFUSAL_RE.search(flat)) or is_abstention(flat, "en")


def is_abstention(text: str, language: str = "en") -> bool:
    """True when the model answered with the "not in the corpus" sentence (in either language)."""
    flat = " ".join(text.lower().split())
    return any(a.lower().rstrip(".") in flat for a in ABSTAIN.values()) or flat.startswith(
        ("not in the corpus", "pas dans le corpus")
    )


def abstain(answer: Answer) -> str:
    """Turn `answer` into the abstention message (citations dropped); returns its text."""
    nearest = list(dict.fromkeys((p.title, p.source) for p in answer.retrieved))[:3]
    answer.text = abstention(answer.language, nearest)
    answer.abstained = True
    answer.citations = []
    return answer.text


def _scale(value: float, low: float, high: float) -> float:
    if high <= low:
        return 1.0 if value >= high else 0.0
    return min(1.0, max(0.0, (value - low) / (high - low)))


def decide(signals: Signals, policy: Policy = Policy()) -> Decision:
    """Answer or abstain, with the reasons."""
    if not signals.has_passages:
        return Decision(True, 0.0, ("no passage retrieved",))
    if signals.model_refused:
        return Decision(True, 0.0, ("the model found no answer in the passages",))
    floor = signals.lexical_floor * (0.5 if signals.model_refused is not None and policy.llm_lenient else 1.0)
    ratio = signals.lexical / floor if floor > 0 else policy.lexical_high
    w_lexical, w_dense, w_support = policy.weights
    parts = {
        "lexical": (_scale(ratio, policy.lexical_low, policy.lexical_high), w_lexical),
        "support": (_scale(signals.support, policy.support_low, policy.support_high), w_support),
    }
    if signals.dense is not None:
        shift = policy.across_shift if signals.dense_across else 0.0
        parts["dense"] = (_scale(signals.dense, policy.min_similarity - shift, policy.max_similarity - shift), w_dense)
    total = sum(w for _, w in parts.values())
    score = sum(v * w for v, w in parts.values()) / total if total else 1.0
    reasons = [f"{name} {value:.2f}" for name, (value, weight) in parts.items() if weight > 0]
    if signals.kind_found is False:
        score -= policy.kind_penalty
        reasons.append("the answer lacks the kind of fact asked")
    if signals.overview:
        return Decision(False, score, (*reasons, "overview question"))
    if policy.strict_kind and signals.kind_required:
        return Decision(True, round(score, 4), (*reasons, "the question asks for it in so many words"))
    if policy.strict_kind and signals.measure_found is False:
        return Decision(True, round(score, 4), (*reasons, "the evidence states no amount of what is asked (money, energy, data, distance, a day, a version, a size, a number of the thing counted)"))
    if policy.strict_kind and signals.year_held is False:
        return Decision(True, round(score, 4), (*reasons, "the evidence does not state the year or the number the question names"))
    if signals.focus is not None and signals.focus < policy.focus_min:
        return Decision(True, round(score, 4), (*reasons, f"the evidence does not state what is asked (focus {signals.focus:.2f})"))
    if policy.no_shared_word and signals.support <= 0.0 and not signals.support_across and signals.model_refused is None:
        return Decision(True, round(score, 4), (*reasons, "the evidence holds no word of the question"))
    if signals.names_unknown:  # checked only with `Tuning.unknown_names` (retrieve.py)
        return Decision(True, round(score, 4), (*reasons, f"the corpus never names {', '.join(signals.names_unknown)}"))
    return Decision(score < policy.min_score, round(score, 4), tuple(reasons))
