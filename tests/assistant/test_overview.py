"""Overview questions on the bundled corpus (real e5 model, real Chroma), and document note numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.api import Assistant
from assistant.plan import OverviewQuestion, detect, pick_article
from tests.assistant.small_corpus import bot_over

pytestmark = pytest.mark.slow


def test_overview_questions_are_recognised():
    assert detect("Résume l'article sur Netflix") == OverviewQuestion("article", "Netflix")
    assert detect("De quoi parle le corpus ?") == OverviewQuestion("corpus", "")
    assert detect("What topics does the corpus cover?") == OverviewQuestion("corpus", "")
    assert detect("What is the article about Moscow's click workers about?").kind == "article"
    assert detect("Qui a composé la musique du film 2050 ?") is None
    # what a source is said to be about names the subject, not the source
    assert detect("Give an overview of what the FAQ says about Debian release codenames.").subject == "Debian release codenames"
    assert detect("Résume le chapitre de la FAQ consacré à Debian et au noyau.").subject == "Debian et au noyau"
    assert detect("How does the article describe Moscow's AI-powered surveillance cameras?") is None
    # "presented" in a question about a fact ("who hosts …") is no summary; "que présente …" is one
    assert detect("Who hosts the France Culture programme that presented Antonio Casilli's investigation?") is None
    assert detect("Quel film présente Netflix ?") is None
    assert detect("Que présente l'article sur Netflix ?") == OverviewQuestion("article", "Netflix")
    assert detect("Quels sujets présente le corpus ?") == OverviewQuestion("corpus", "")
    # a quoted title is the subject; a section "explaining" something, and the verb closing "what does … cover?"
    assert detect("Résume l'article « Grève à Hollywood : pourquoi l'IA est le méchant du film ».").subject == (
        "Grève à Hollywood : pourquoi l'IA est le méchant du film")
    assert detect("Summarise the aptitude manual's section explaining what the apt system is.").subject == "what the apt system is"
    assert detect("What does the FAQ chapter on getting help with Debian cover?").subject == "getting help with Debian"
    assert detect("What does the aptitude manual section on costs in the resolver explain?").subject == "costs in the resolver"
    assert detect("Résume le chapitre de la FAQ sur la façon de participer au projet Debian.") == OverviewQuestion(
        "article", "la façon de participer au projet Debian", framed=True)


def test_an_article_summary_cites_the_article_it_names(ingested_assistant: Assistant):
    answer = ingested_assistant.ask("Résume l'article sur Netflix")
    assert not answer.abstained, answer.text
    assert answer.text.startswith("Résumé de « ") and "Netflix" in answer.text.split("»")[0]
    assert answer.citations and all("Netflix" in c.title for c in answer.citations)
    assert answer.text.count("[") >= 2  # several quoted sentences, each with its marker
    assert "overview question" in answer.abstain_reasons


def test_the_corpus_overview_lists_its_main_articles(ingested_assistant: Assistant):
    answer = ingested_assistant.ask("De quoi parle le corpus ?")
    assert not answer.abstained, answer.text
    assert answer.text.startswith("Le corpus compte ")
    assert len({c.title for c in answer.citations}) >= 3
    assert len({c.source for c in answer.citations}) >= 2


def test_an_english_overview_is_framed_in_english(ingested_assistant: Assistant):
    answer = ingested_assistant.ask("What is the article about the Hollywood strike about?")
    assert not answer.abstained and answer.text.startswith("Summary of “")
    assert any("Hollywood" in c.title for c in answer.citations)


def test_document_note_numbers_are_not_kept_in_quotes_nor_reported(tmp_path: Path, embed_model):
    bot = bot_over(tmp_path, embed_model, {"wiki.txt": "Zorblatt\n\nLe service de streaming Zorblatt a été lancé en 2021 [2] [3]. "
                    "Il comptait 12 millions d’abonnés fin 2022.[12] Son siège est à Lyon.[4]\n"})
    answer = bot.ask("En quelle année le service Zorblatt a-t-il été lancé ?")
    assert not answer.abstained, answer.text
    assert "2021" in answer.text
    assert "[2]" not in answer.text and "[3]" not in answer.text and "[12]" not in answer.text
    assert [c.number for c in answer.citations] == [1]
    assert not any("Removed citation markers" in w for w in answer.warnings)


def test_a_chapter_overview_summarises_every_section_of_its_page(tmp_path: Path, embed_model):
    index = ("<html><body><h1>La FAQ Zorblatt</h1><p>Copyright © 1996-2021. Il est permis de produire et distribuer des "
             "copies conformes de la FAQ Zorblatt à condition que la présente notice soit préservée.</p></body></html>")
    sections = [
        ("3.1. Puis-je compiler un noyau ?", "Oui. Après avoir configuré le noyau, lancez simplement la commande make deb-pkg "
         "qui construit un paquet du noyau personnalisé pour votre système Zorblatt."),
        ("3.2. Où sont listés les modules ?", "Un fichier de configuration contenant les modules qui doivent être chargés "
         "manuellement au démarrage du système Zorblatt est conservé dans /etc/modules."),
        ("3.3. Comment supprimer un vieux noyau ?", "Vous pouvez supprimer les paquets de noyau non souhaités du système "
         "Zorblatt en utilisant la commande dpkg --purge linux-image-NNN après le redémarrage."),
    ]
    body = "".join(f"<h2>{title}</h2><p>{text}</p>" for title, text in sections)
    bot = bot_over(tmp_path, embed_model, {
        "index.html": index, "kernel.html": f"<html><body><h1>Chapitre 3. Zorblatt et le noyau</h1>{body}</body></html>"})
    answer = bot.ask("Résume le chapitre de la FAQ consacré à Zorblatt et au noyau.")
    assert answer.text.startswith("Résumé de « Chapitre 3. Zorblatt et le noyau »"), answer.text
    assert {c.source for c in answer.citations} == {"kernel.html"}
    assert sum(fact in answer.text for fact in ("make deb-pkg", "/etc/modules", "dpkg --purge")) >= 2, answer.text
    assert "?" not in answer.text.split("»", 1)[1]  # the FAQ's question headings are not summary sentences


def test_a_chapter_opening_with_its_own_paragraph_is_summarised_section_by_section(tmp_path: Path, embed_model):
    """A chapter whose heading has a paragraph of its own is an article of its own: the summary still covers the
    page, with the first sentence of its opening and of each section, in order."""
    sections = [
        ("15.1. Renforcement du système", "Le projet veut compiler les programmes Zorblatt avec les paramètres de "
         "compilation renforcée pour activer diverses protections contre des problèmes de sécurité connus."),
        ("15.2. Gestion des utilisateurs non anglophones", "Les traducteurs de Zorblatt travaillent à la traduction "
         "des descriptions de paquets et des messages de configuration dans de nombreuses langues."),
        ("15.3. Plus d'architectures", "Le système Zorblatt complet sera bientôt disponible sur d'autres architectures "
         "matérielles que les processeurs Intel, comme les machines ARM à virgule flottante."),
    ]
    body = "".join(f"<h2>{title}</h2><p>{text}</p>" for title, text in sections)
    page = ("<html><body><h1>Chapitre 15. Changements prévus dans la prochaine version de Zorblatt</h1><p>À chaque "
            "nouvelle publication, le projet Zorblatt essaie de se concentrer sur un ensemble de sujets bien choisis. "
            f"Ces objectifs de publication sont suivis sur le wiki du projet.</p>{body}</body></html>")
    other = ("<html><body><h1>Chapitre 2. Obtenir Zorblatt</h1><p>La dernière version de Zorblatt se télécharge "
             "depuis les miroirs du projet, sur un CD ou une clé USB préparée avec soin.</p></body></html>")
    bot = bot_over(tmp_path, embed_model, {"nextrelease.html": page, "getting.html": other})
    answer = bot.ask("Résume le chapitre sur les changements prévus dans la prochaine version de Zorblatt.")
    assert answer.text.startswith("Résumé de « Chapitre 15."), answer.text
    assert {c.source for c in answer.citations} == {"nextrelease.html"}
    said = answer.text.split("»", 1)[1]
    places = [said.find(fact) for fact in ("ensemble de sujets", "compilation renforcée", "traduction", "ARM")]
    assert -1 not in places and places == sorted(places), answer.text  # every section, in the page's order


def test_what_a_source_says_about_a_subject_is_found_by_the_subject(tmp_path: Path, embed_model):
    """"What the FAQ says about X": the source's name and the framing words find its cover page, so the article is
    sought with the subject alone; sentences in two overlapping chunks are quoted once."""
    index = ("<html><body><h1>La FAQ Debian</h1><p>Version 11.0. Copyright © 1996-2021. Il est permis de produire et "
             "distribuer des copies conformes de cette FAQ à condition que la présente notice soit préservée.</p></body></html>")
    codenames = ("<html><body><h2>6.2. À quoi correspondent les noms comme etch ou lenny ?</h2><p>Ce sont juste des noms "
                 "de code. Quand une distribution Debian est en cours de développement, elle n'a aucun numéro de version "
                 "mais un nom de code.</p><h3>6.2.2. D'où proviennent les noms de code ?</h3><p>Jusqu'ici les noms de code "
                 "des versions proviennent des personnages des films « Toy Story » par Pixar.</p><p>La décision d'utiliser "
                 "ces noms a été prise par Bruce Perens, alors responsable du projet Debian.</p></body></html>")
    bot = bot_over(tmp_path, embed_model, {"index.html": index, "codenames.html": codenames})
    answer = bot.ask("Give an overview of what the FAQ says about Debian release codenames.")
    assert {c.source for c in answer.citations} == {"codenames.html"}, answer.text
    assert "nom de code" in answer.text
    quotes = [q for q in answer.text.split("“")[1:]]
    assert len(quotes) == len(set(quotes)), answer.text  # no sentence quoted twice


def test_a_line_opening_with_the_title_is_not_quoted_as_a_sentence_of_the_summary():
    from llama_index.core.schema import TextNode

    from assistant.plan import summary_sentences

    title = "#Amazon #YouTube #Netflix, dans quel monde entrons-nous ?"
    text = (f"• {title} | Cahiers du Cinéma (Décembre 2018 – n°750)\n\nCe dossier part du constat qu’il devient impossible "
            "de penser le cinéma en dehors des avancées technologiques. Netflix a plus à voir avec Facebook qu’avec le cinéma "
            "selon les auteurs du dossier.")
    picks = summary_sentences([TextNode(text=text)], title, lambda terms: {t: 1.0 for t in terms}, 3)
    quoted = [text[p.start:p.end] for p in picks]
    assert quoted and not any("Cahiers du Cinéma (Décembre" in q for q in quoted)
    assert quoted[0].startswith("Ce dossier part du constat")


def test_an_english_subject_names_a_french_chapter_by_its_words_in_french():
    """"getting help with Debian" against French chapter titles: its French words (index/crossterms.py) name the
    chapter, but only among the articles in French (`also_in`)."""
    hits = [("contributing.fr.html", "Chapitre 13. Participer au projet Debian", 0.9),
            ("support.fr.html", "Chapitre 12. Obtenir de l'aide sur Debian GNU/Linux", 0.6)]
    french = {("contributing.fr.html", "Chapitre 13. Participer au projet Debian"),
              ("support.fr.html", "Chapitre 12. Obtenir de l'aide sur Debian GNU/Linux")}
    assert pick_article("getting help with Debian", hits) == hits[0][:2]  # the English words name neither
    assert pick_article("getting help with Debian", hits, also=["obtenir", "aider"], also_in=french) == hits[1][:2]
    assert pick_article("getting help with Debian", hits, also=["obtenir", "aider"], also_in=set()) == hits[0][:2]
