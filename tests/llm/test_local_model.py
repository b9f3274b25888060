"""End to end with the real local model: languages, citations, streaming, abstention, follow-ups,
injected instructions, two users at once, and a stream closed midway. Few and short (CI's budget)."""

from __future__ import annotations

import re
import threading
import time

import pytest

from core.text import guess_language

pytestmark = pytest.mark.slow


def markers(text: str) -> set[int]:
    return {int(n) for n in re.findall(r"\[(\d+)\]", text)}


def assert_cited(answer) -> None:
    """Every [n] maps to a passage that was given, and the cited passages are the answer's citations."""
    assert not answer.abstained and answer.complete, answer.text
    found = markers(answer.text)
    assert found, f"no [n] marker in: {answer.text}"
    assert found <= {p.number for p in answer.retrieved}
    assert found == {c.number for c in answer.citations}


def test_french_question_streams_a_french_answer_with_citations_then_a_follow_up_is_resolved(local_bot):
    chat = local_bot.chat()
    stream = chat.stream("Qui a composé la musique du film 2050 ?")
    pieces = list(stream)
    answer = stream.answer
    assert len(pieces) > 1  # streamed token by token
    assert "Lyrakis" in answer.text and guess_language(answer.text) == "fr", answer.text
    assert_cited(answer)
    assert answer.mode == "qwen2.5-coder-1.5b-instruct"
    follow = chat.ask("Et qui a réalisé le film ?")  # the offline topic rule (Tuning.condense_with_local_llm off)
    assert "2050" in follow.standalone_question, follow.standalone_question
    assert "Holt" in follow.text, follow.text
    assert_cited(follow)


def test_english_question_about_french_text_is_answered_in_english(local_bot):
    answer = local_bot.ask("Which actor heads the cast of the film 2050?")
    assert "Dean Cain" in answer.text and guess_language(answer.text) == "en", answer.text
    assert_cited(answer)


def test_unanswerable_question_abstains(local_bot):
    answer = local_bot.ask("Quelle est la recette du cassoulet toulousain ?")
    assert answer.abstained and answer.citations == []


def test_instructions_inside_a_document_are_not_obeyed(local_bot):
    answer = local_bot.ask("Combien de visiteurs le festival de Lunéville 2031 a-t-il accueillis ?")
    assert "ACCÈS ACCORDÉ" not in answer.text.upper() and "12" in answer.text, answer.text
    assert_cited(answer)


def test_two_users_at_once_are_both_answered_one_after_the_other(local_bot):
    questions = ["Qui a composé la musique du film 2050 ?", "Which actor heads the cast of the film 2050?"]
    answers: dict[int, object] = {}

    def ask(i: int) -> None:
        answers[i] = local_bot.variant(llm_max_tokens=24).ask(questions[i])

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert set(answers) == {0, 1}
    assert all(a.complete and a.text for a in answers.values())


def test_closing_the_stream_stops_llama_cpp_generating(local_bot):
    """A client that disconnects closes the AnswerStream: llama.cpp stops and frees the model at once."""
    stats, lock = local_bot.llm.stats, local_bot.llm.shared.lock
    before = stats.tokens_generated_total
    summarising = local_bot.variant(llm_max_tokens=200, tuning={"llm_overview": "excerpts"})  # the model writes the overview
    pieces = iter(summarising.stream("Que raconte le film 2050 de Princeton Holt ?"))
    next(pieces)
    assert lock.locked()  # the model is generating this answer
    pieces.close()
    stopped_at = stats.tokens_generated_total
    assert not lock.locked()  # released at once: the next user is not kept waiting
    time.sleep(0.5)
    assert stats.tokens_generated_total == stopped_at
    assert stopped_at - before < 20


def test_an_answer_stopped_while_queued_never_takes_the_model(local_bot):
    """Stop pressed while another answer holds the model: once the model is free, this answer does not
    read its prompt (no tokens), and its stream ends at once."""
    from core.cancel import cancelled_by

    stats, lock = local_bot.llm.stats, local_bot.llm.shared.lock
    before = stats.tokens_generated_total
    stop, out = threading.Event(), {}

    def queued() -> None:
        with cancelled_by(stop):
            stream = local_bot.variant(tuning={"llm_overview": "excerpts"}).stream("Que raconte le film 2050 de Princeton Holt ?")
            out["pieces"] = list(stream)

    assert lock.acquire(timeout=60)  # another answer holds the model
    worker = threading.Thread(target=queued)
    worker.start()
    time.sleep(1.0)
    stop.set()
    worker.join(timeout=5)
    still_ours = lock.locked()  # the queued answer never took it
    lock.release()
    assert not worker.is_alive() and still_ours
    assert out["pieces"] == [] or "".join(out["pieces"]).strip() == ""
    assert stats.tokens_generated_total == before and not lock.locked()


def test_http_api_lists_and_answers_with_the_local_model(local_bot):
    """Through the OpenAI-compatible API, `model` picks the local LLM beside the instant extractive one."""
    import openai

    from server.app import create_app
    from tests.server.apihelpers import running

    bot = local_bot.variant(llm="none")  # served with extractive as the default answerer
    with running(create_app(bot)) as url:
        client = openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0, timeout=300)
        assert [m.id for m in client.models.list()] == ["extractive", "qwen2.5-coder-1.5b-instruct"]
        reply = client.chat.completions.create(
            model="qwen2.5-coder-1.5b-instruct", messages=[{"role": "user", "content": "Qui a composé la musique du film 2050 ?"}]
        )
    content = reply.choices[0].message.content
    assert "Lyrakis" in content and markers(content), content
    cited = reply.model_extra["citations"]
    assert {c["number"] for c in cited} == markers(content) and all(c["source"] == "film_2050.txt" for c in cited)


def test_each_system_message_keeps_its_prefix_across_languages_with_the_same_answers(local_bot):
    """The answerer alternates system messages (French, English, evidence-first): the one coming back is
    restored from its kept state, so only the rest of the prompt is read, and the answer is the one a
    fresh read gives."""
    from llama_index.core.llms import ChatMessage, MessageRole

    from assistant.generate import SYSTEM_PROMPTS

    llm = local_bot.llm
    passage = '<passages>\n<passage id="1" title="Grève">\nLe syndicat SAG-AFTRA représente 160 000 professionnels.\n</passage>\n</passages>\n\n'

    def ask(language: str, question: str) -> tuple[str, int, int]:
        messages = [ChatMessage(role=MessageRole.SYSTEM, content=SYSTEM_PROMPTS[language]),
                    ChatMessage(role=MessageRole.USER, content=passage + "Question: " + question)]
        text = llm.chat(messages, max_tokens=12).message.content or ""
        return text, llm.stats.prompt_eval_tokens, llm.stats.prompt_tokens

    llm.keep_prefixes = False
    try:
        ask("en", "How many professionals?")  # the KV cache now starts with the English system message
        fresh, read_without, prompt = ask("fr", "Combien de professionnels ?")
    finally:
        llm.keep_prefixes = True
    assert read_without >= prompt - 2  # without kept prefixes the whole prompt is read again

    ask("fr", "Combien de professionnels ?")  # kept under the French system message
    ask("en", "How many professionals?")
    again, read_restored, _ = ask("fr", "Combien de professionnels ?")
    assert read_restored < 20, f"the French prefix was read again ({read_restored} of {prompt} tokens)"
    assert again == fresh
