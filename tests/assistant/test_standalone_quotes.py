"""Quotes that stand alone: a sentence pointing back is quoted with the sentence it depends on, a how-to
sentence with the command it runs on into; and a follow-up's own kind of fact comes first."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.api import Assistant
from assistant.components import Components
from assistant.context import Evidence
from assistant.evidence import asked_kind, extract, leans_back, said_key, sentence_spans, with_antecedents
from tests.conftest import make_settings

APT = (
    "Avec apt, vous pouvez conserver un paquet en faisant\n\n```\napt-mark hold nom_paquet\n```\n\n"
    "et enlever le drapeau « hold » avec\n\n```\napt-mark unhold nom_paquet\n```\n\n"
    "Fin de la section.\n\n```\nls -l\n```\n\nUn autre paragraphe."
)


def _sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


def test_a_sentence_without_a_full_stop_runs_on_into_its_command():
    sentences = _sentences(APT)
    assert sentences[0] == "Avec apt, vous pouvez conserver un paquet en faisant\n\n```\napt-mark hold nom_paquet\n```"
    assert sentences[1] == "et enlever le drapeau « hold » avec\n\n```\napt-mark unhold nom_paquet\n```"
    # A finished sentence keeps its own end; a line of a code block never swallows the next paragraph.
    assert sentences[2:] == ["Fin de la section.", "```", "ls -l", "```", "Un autre paragraphe."]
    assert _sentences("## Installation\n\n```\nmake\n```") == ["## Installation", "```", "make", "```"]  # a heading is no sentence


@pytest.mark.parametrize("sentence", [
    "Il a été créé en 1993.", "L’installateur ajoute cette entrée au fichier /etc/hosts.", "Ce paquet fournit dpkg.",
    "The installer adds this entry to the file.", "This file lists the mirrors.", "Ce dernier est mort en 2015.",
])
def test_sentences_pointing_back(sentence: str):
    assert leans_back(sentence)


@pytest.mark.parametrize("sentence", [
    "Le projet Debian a été créé par Ian Murdock en 1993.", "Ce qui compte, c’est la suite.",
    "Ce que dit la FAQ est clair.", "Debian runs on nine architectures.",
])
def test_sentences_standing_alone(sentence: str):
    assert not leans_back(sentence)


def test_a_quote_pointing_back_comes_after_the_sentence_before_it():
    text = "## Réseau\n\nLa machine répond à l’adresse 127.0.1.1. L’installateur ajoute cette entrée au fichier /etc/hosts. Il le fait une fois."
    spans = sentence_spans(text)
    quote = Evidence(1, *spans[2], 0.9, text[slice(*spans[2])])
    with_before = with_antecedents([quote], [text])
    assert [e.text for e in with_before] == ["La machine répond à l’adresse 127.0.1.1.", quote.text]
    assert with_before[0].number == 1 and (with_before[0].start, with_before[0].end) == spans[1]
    # The sentence before already quoted: not twice. The passage's first sentence or a heading: nothing before.
    both = with_antecedents([Evidence(1, *spans[1], 0.9, text[slice(*spans[1])]), quote], [text])
    assert [e.text for e in both] == [text[slice(*spans[1])], quote.text]
    after_heading = Evidence(1, *spans[1], 0.9, "La machine répond à l’adresse 127.0.1.1.")
    assert with_antecedents([after_heading], [text]) == [after_heading]
    last = Evidence(1, *spans[3], 0.9, "Il le fait une fois.")
    assert [e.text for e in with_antecedents([last], [text])] == [quote.text, "Il le fait une fois."]


def test_a_follow_up_asks_for_its_own_kind_of_fact():
    standalone = "Et qui en est la présidente ? (Combien de professionnels le SAG-AFTRA représente-t-il ?)"
    assert asked_kind(standalone, "Et qui en est la présidente ?") == "name"
    assert asked_kind(standalone) == "number"  # the topic's "Combien" would win without the follow-up
    assert asked_kind("How long did the migration take?") == "number"


@pytest.mark.slow
def test_the_answer_quotes_the_sentence_its_quote_depends_on(tmp_path: Path, embed_model):
    """The address sits in the sentence before the one that answers ("… ajoute cette entrée …")."""
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "hosts.txt").write_text(
        "Le nom de la machine\n\nPendant l’installation, le système choisit un nom pour la machine. "
        "La machine répond à l’adresse 127.0.1.1 sous ce nom. L’installateur ajoute cette entrée au fichier /etc/hosts "
        "pendant l’installation du système.\n", encoding="utf-8")
    (folder / "paquets.txt").write_text(
        "Les paquets\n\nUn paquet Debian contient les fichiers d’un programme et la liste de ses dépendances.\n", encoding="utf-8")
    components = Components(make_settings(tmp_path / "data", corpus_dir=folder), embed_model=embed_model)
    components.sync(folder, show_progress=False, rebuild=False)
    bot = Assistant(components.settings, components=components)
    question = "Quelle entrée l’installateur ajoute-t-il au fichier /etc/hosts ?"
    answer = bot.ask(question)
    assert not answer.abstained, answer.text
    assert "127.0.1.1" in answer.text and "cette entrée" in answer.text
    assert answer.text.index("127.0.1.1") < answer.text.index("cette entrée")
    assert [c.source for c in answer.citations] == ["hosts.txt"] and len(answer.citations[0].highlights) == 2
    alone = bot.variant(tuning={"quote_antecedent": False}).ask(question)
    assert "cette entrée" in alone.text and "127.0.1.1" not in alone.text


def test_a_follow_up_weighs_down_what_the_previous_answer_answered_with():
    """"And how do I remove the hold?" after "How do I put a package on hold?": both sentences name the hold;
    the one the previous answer quoted holds no word the follow-up adds, so the other one answers."""
    text = APT.split("Fin de la section.")[0]
    question = "And how do I remove the hold afterwards? (How do I put a package on hold with apt?)"
    followup = "And how do I remove the hold afterwards?"
    hold, unhold = (text[a:b] for a, b in sentence_spans(text)[:2])
    plain = extract(question, [text], followup=followup)
    assert plain.quotes[0].text == hold  # first in the passage, same words matched: the previous answer again
    again = extract(question, [text], followup=followup, said=frozenset([said_key(hold)]), said_factor=0.5)
    assert again.quotes[0].text == unhold
    # A sentence the previous answer quoted that holds what the follow-up adds is not weighed down.
    smartphones = "Le pays compte 61 millions de smartphones en service et 64 millions d’ordinateurs."
    found = extract("Et combien d’ordinateurs ? (Combien de smartphones sont en service ?)", [smartphones + " Fin du rapport."],
                    followup="Et combien d’ordinateurs ?", said=frozenset([said_key(smartphones)]), said_factor=0.0)
    assert found.quotes[0].text == smartphones


def test_the_words_a_follow_up_adds_weigh_more_than_the_topic_it_carries():
    """"And in which file are hints stored?" after a question on the resolver's *safety cost*: the topic's rare
    words ("safety cost") must not outweigh what the follow-up asks (a file, hints, stored)."""
    text = ("Conflict, discard: instead of changing the safety cost of the resolver, discard solutions as if the "
            "discard hint had been applied. Hints are stored in the apt configuration file, /etc/apt/apt.conf.")
    followup = "And in which file are hints for that resolver stored?"
    question = f"{followup} (What is the safety cost in aptitude's interactive dependency resolver?)"
    rare = {"safet": 6.6, "cost": 3.3}  # IDF-like weights: the topic's words are the corpus's rarest

    def weights(terms: list[str]) -> dict[str, float]:
        return {t: rare.get(t, 2.0) for t in terms}

    assert "safety cost" in extract(question, [text], weights=weights, followup=followup).quotes[0].text
    found = extract(question, [text], weights=weights, followup=followup, new_weight=3.0)
    assert "/etc/apt/apt.conf" in found.quotes[0].text


@pytest.mark.slow
def test_a_follow_up_gets_what_it_adds_not_the_previous_answer(tmp_path: Path, embed_model):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "hold.md").write_text("# Bloquer un paquet\n\n" + APT.split("Fin de la section.")[0], encoding="utf-8")
    (folder / "cache.txt").write_text(
        "Le cache\n\nLes paquets téléchargés sont gardés dans le dossier /var/cache/apt/archives.\n", encoding="utf-8")
    components = Components(make_settings(tmp_path / "data", corpus_dir=folder), embed_model=embed_model)
    components.sync(folder, show_progress=False, rebuild=False)
    bot = Assistant(components.settings, components=components)

    def follow_up(assistant: Assistant) -> str:
        chat = assistant.chat()
        first = chat.ask("Comment mettre un paquet en hold avec apt ?")
        assert "apt-mark hold" in first.text.split("[")[0], first.text
        answer = chat.ask("Et comment l’annuler ensuite ?")
        assert answer.standalone_question == "Et comment l’annuler ensuite ? (Comment mettre un paquet en hold avec apt ?)"
        return answer.text.split("[")[0]  # the first quote: what the answer opens with

    assert "apt-mark unhold" in follow_up(bot)
    assert "apt-mark hold" in follow_up(bot.variant(tuning={"followup_said_factor": 1.0}))  # the previous answer again


def test_a_table_row_is_quoted_after_its_header():
    text = ("## Salles\n\nLa médiathèque prête trois salles.\n\n| Salle | Places | Équipement |\n| --- | ---: | --- |\n"
            "| Odet | 40 | vidéoprojecteur |\n| Steir | 12 | écran |\n\nFin.")
    spans = {text[a:b]: (a, b) for a, b in sentence_spans(text)}
    row = Evidence(1, *spans["| Steir | 12 | écran |"], 0.8, "| Steir | 12 | écran |")
    quoted = with_antecedents([row], [text])
    assert [e.text for e in quoted] == ["| Salle | Places | Équipement |", "| Steir | 12 | écran |"]
    assert quoted[0].number == 1 and (quoted[0].start, quoted[0].end) == spans["| Salle | Places | Équipement |"]
    # Two rows of one table: the header once. The header itself, or a row of a table without a header
    # rule (a passage starting mid-table), gets nothing before it.
    other = Evidence(1, *spans["| Odet | 40 | vidéoprojecteur |"], 0.7, "| Odet | 40 | vidéoprojecteur |")
    assert [e.text for e in with_antecedents([row, other], [text])].count("| Salle | Places | Équipement |") == 1
    header = Evidence(1, *spans["| Salle | Places | Équipement |"], 0.7, "| Salle | Places | Équipement |")
    assert with_antecedents([header], [text]) == [header]
    cut = "| Odet | 40 |\n| Steir | 12 |"
    assert with_antecedents([Evidence(1, 14, len(cut), 0.5, "| Steir | 12 |")], [cut])[0].text == "| Steir | 12 |"


def test_a_heading_is_never_quoted_as_the_antecedent():
    # "## 16.1. Auteurs" splits after "16.1.": the sentence before the quote is the heading's tail, not prose.
    page = "## 16.1. Auteurs\n\nLa première édition de cette FAQ a été écrite par J.H.M. Dassen. Elle est maintenant maintenue par Javier."
    start = page.index("La première")
    end = page.index(" Elle")
    quoted = with_antecedents([Evidence(1, start, end, 1.0, page[start:end])], [page])
    assert [q.text for q in quoted] == ["La première édition de cette FAQ a été écrite par J.H.M. Dassen."]
    start = page.index("Elle")
    quoted = with_antecedents([Evidence(1, start, len(page), 1.0, page[start:])], [page])
    assert [q.text for q in quoted][0].startswith("La première édition")  # "elle" points back to the FAQ


def test_a_title_line_or_a_question_is_not_the_answer():
    title = "DONE DEAL: TENCENT-LED CONSORTIUM COMPLETES $3.4BN ACQUISITION OF 10% OF UNIVERSAL MUSIC GROUP"
    article = (f"{title}\n\nChina-based Tencent Holdings – as the leader of a consortium of backers – is now the proud owner "
               "of 10% of Universal Music Group. The deal values UMG at €30bn.")
    question = "What stake in Universal Music Group did the Tencent-led consortium acquire?"
    assert extract(question, [article]).quotes[0].text == title  # shared words alone: the title says it all
    first = extract(question, [article], asking_factor=0.3, titles=[title]).quotes[0]
    assert first.text.startswith("China-based Tencent Holdings")
    faq = "## 11.3. Comment charger une police pour la console au démarrage ?\n\nÉditez le fichier /etc/default/console-setup pour charger une police."
    assert extract("Comment charger une police pour la console au démarrage ?", [faq], asking_factor=0.3).quotes[0].text.startswith("Éditez")


def test_a_plain_text_sub_heading_is_never_quoted_as_the_antecedent():
    # A plain-text article's sub-heading: a line of its own, no full stop, before its paragraph. It names a topic.
    page = ("Raconter son intériorité & participer à une expérience psychique collective\n\n"
            "Jacob Lachat, chercheur à l’Université de Lausanne, affirme que ces journaux ont la même fonction que les journaux intimes.")
    start = page.index("Jacob")
    quoted = with_antecedents([Evidence(1, start, len(page), 1.0, page[start:])], [page])
    assert [q.text for q in quoted] == [page[start:]]  # "ces journaux" points back, but not to a heading
    prose = "Les journaux de confinement se multiplient en ligne.\n\n" + page[page.index("Jacob"):]
    start = prose.index("Jacob")
    quoted = with_antecedents([Evidence(1, start, len(prose), 1.0, prose[start:])], [prose])
    assert quoted[0].text == "Les journaux de confinement se multiplient en ligne."


def test_the_other_language_note_follows_the_quotes_not_their_passage():
    from assistant.compose import extractive_pieces

    english = "You can retrieve packages from the unstable archive on any Debian mirror site at any time."
    french = "Vous pouvez récupérer les paquets de l'archive unstable sur n'importe quel miroir Debian."
    page = f"{french} {english}"  # a French FAQ page holding an English paragraph
    intro = extractive_pieces([Evidence(1, len(french) + 1, len(page), 1.0, english)], "en", ["fr"])[0]
    assert intro == "According to the corpus:"
    intro = extractive_pieces([Evidence(1, 0, len(french), 1.0, french)], "en", ["fr"])[0]
    assert intro == "According to the corpus (quoted in French):"
    short = extractive_pieces([Evidence(1, 0, 11, 1.0, "Hellen Page")], "fr", ["fr"])[0]
    assert short == "D’après le corpus :"  # a name alone takes its passage's language
