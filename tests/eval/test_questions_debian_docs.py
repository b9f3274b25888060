"""Integrity of eval/questions_debian_docs.yaml against the debian-docs corpus built from the Debian packages.

Quotes are checked against each page's visible text computed here, independently of the assistant's HTML
loader: <head>, scripts and styles dropped, block tags as a space, other tags removed, entities decoded,
then the light normalisation of test_questions_file (NFKC, ’ -> ', non-breaking spaces, whitespace runs).
"""

from __future__ import annotations

import html
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest

from eval.corpora import get, selected_files
from eval.dataset import load_questions
from tests.eval.test_questions_file import fold, looks_french, normalise

CORPUS = get("debian-docs")
QUESTIONS = load_questions(CORPUS.questions)
BLOCK = r"p|div|br|li|ul|ol|dl|dt|dd|td|th|tr|table|h[1-6]|pre|hr|title|blockquote|tbody|thead|caption"

# What each tricky question asks for, searched in every page (French and English wording): none may be there.
ABSENT = {
    "dd-ut01": ["3142", "port par défaut", "default port", "port d'apt-cacher"],
    "dd-ut02": ["mort", "décédé", "died", "death of"],
    "dd-ut03": ["quotidiennement", "daily", "chaque jour", "une fois par jour", "hebdomadaire", "weekly", "toutes les heures", "every hour"],
    "dd-ut04": ["mégaoctet", "megabyte", "taille de l'image", "image size", "size of the image"],
    "dd-ut05": ["Knopper", "créé Knoppix", "created Knoppix"],
    "dd-ut06": ["Knoppix fonctionne sur", "Knoppix supports", "architectures de Knoppix"],
    "dd-ut07": ["1985", "fondée en", "founded in", "créée en"],
    "dd-ut08": ["BreakHoldScore is", "BreakHoldScore =", "BreakHoldScore:"],
    "dd-ut09": ["développeurs d'aptitude", "aptitude developers", "développent aptitude"],
    "dd-ut10": ["2023", "juin 2023", "June 2023"],
    "dd-ut11": ["Perens a quitté", "Perens left", "Perens stepped down", "1997"],
    "dd-ut12": ["employé de", "employed by", "works for", "travaille pour", "son employeur", "his employer"],
    "dd-ut13": ["gigaoctet", "gigabyte", "téraoctet", "terabyte"],
    "dd-ut14": ["dollars", "USD", "euros", "prix de la certification", "price of the certification", "certification costs", "coûte"],
    "dd-ut15": ["SPI was founded", "founded in", "fondée en", "créée en", "1997", "1998"],
    "dd-ut16": ["Jonathan Carter", "Sam Hartman", "Chris Lamb", "Debian Project Leader", "chef du projet", "actuel responsable du projet", "current project leader"],
    "dd-ut17": ["number of mirrors", "nombre de miroirs", "mirrors worldwide", "miroirs dans le monde", "mirrors around the world", "miroirs répartis"],
    "dd-ut18": ["gcc-10", "gcc 10", "gcc10", "compilé avec gcc", "compiled with gcc", "version de gcc", "gcc version"],
    "dd-ut19": ["jfs@", "javier@", "sanguino@", "Peña <", "jfs at"],
    "dd-ut20": ["nombre de bogues ouverts", "number of open bugs", "bogues ouverts actuellement", "bugs are currently open", "open bugs", "bogues sont ouverts"],
    "dd-ut21": ["introduced in", "since version", "added in", "new in version", "introduit dans la version", "depuis la version", "ajouté dans"],
    "dd-ut24": ["forky", "Debian 14", "release 14", "version 14"],
    "dd-ut25": ["ftp.de.debian", "de.debian.org", "ftp2.de", "miroir allemand", "miroir en Allemagne", "German mirror", "mirror in Germany"],
    "dd-ut28": ["graphical.target", "multi-user.target", "graphical target", "cible graphique", "cible multi-utilisateur", "default.target pointe", "default.target points"],
    "dd-ut29": ["history.log", "/var/log/apt/", "term.log", "apt history", "historique d'apt", "journal d'apt"],
    "dd-ut32": ["start-stop-daemon est fourni", "start-stop-daemon is provided", "start-stop-daemon (dans le paquet", "start-stop-daemon, from", "fourni par le paquet dpkg", "provided by the dpkg package", "dans le paquet dpkg", "in the dpkg package"],
    "dd-ut33": ["audio", "/dev/snd", "/dev/dsp", "plugdev", "carte son", "sound card"],
    "dd-ut36": ["chez Pixar en tant que", "at Pixar as", "Perens était", "Perens worked as", "Perens was a", "ingénieur", "engineer", "animateur", "animator", "directeur", "technical director"],
    "dd-ut37": ["apt-xapian-index", "/var/lib/apt-xapian", "/var/cache/apt-xapian", "index is stored", "index est stocké", "Xapian index is", "Xapian index in"],
    "dd-ut40": ["g++ 4", "g++-4", "g++ version", "version of g++", "minimum version", "at least version", "version minimale", "C++11", "C++14", "C++17", "gcc 4.", "g++ (>="],
    "dd-ut41": ["stretch a été publiée", "stretch was released", "stretch released", "publiée en 2017", "released in 2017", "juin 2017", "June 2017", "17 juin", "June 17"],
    "dd-ut44": ["10 jours", "dix jours", "10 days", "ten days", "15 jours", "15 days", "20 jours", "vingt jours", "20 days", "twenty days"],
    "dd-ut45": ["New York", "New-York", "Indianapolis", "Delaware", "California", "Californie", "siège", "headquarter", "SPI is based in", "SPI est basée à"],
    "dd-ut48": ["UTC", "GMT", "midnight", "minuit", "dinstall", "a.m.", "p.m.", "heures du matin", "o'clock"],
    "dd-ut49": ["win32-loader", "win32", "loader", "chargeur", "goodbye-microsoft", "autorun", "loadlin"],
    "dd-ut52": ["stack-protector", "FORTIFY_SOURCE", "relro", "-fPIE", "format-security", "hardening-wrapper", "dpkg-buildflags", "-z now"],
    "dd-ut53": ["recommandés depuis", "recommended packages", "by default since", "depuis lenny", "since lenny", "à partir de lenny", "depuis Debian", "since Debian", "à partir de Debian 5", "apt 0.7", "0.7.17"],
    "dd-ut56": ["monthly", "weekly", "daily", "mensuel", "hebdomadaire", "chaque mois", "every month", "rotate 4", "rotate 7", "rotate 12"],
    "dd-ut57": ["A4", "letter", "lettre US", "papier par défaut", "default paper", "format par défaut"],
    "dd-ut60": ["#aptitude", "#debian", "oftc", "freenode", "libera", "IRC channel", "canal IRC"],
    "dd-ut61": ["non-free seule", "non-free alone", "non-free contient", "non-free section contains", "paquets dans non-free", "packages in non-free", "paquets non-free", "non-free packages"],
    "dd-ut64": ["Lasermoon (", "Lasermoon, ", "Lasermoon est", "Lasermoon était", "Lasermoon is", "Lasermoon was", "Royaume-Uni", "United Kingdom", "Angleterre", "England", "britannique", "British", "Hampshire", "Wickham"],
    "dd-ut65": ["/var/cache", "cache/apt", "apt/archives", "archives/partial"],
    "dd-ut68": ["centaine", "hundred", "cinquantaine", "fifty", "vingtaine", "paquets par semaine", "packages per week", "packages a week", "packages each week", "per week"],
    "dd-ut69": ["kilo", "Kio", "KiB", "kibi", "octets", "bytes", "en Ko", "in kB", "1024", "unit of"],
    "dd-ut72": ["1994", "1995", "ELF en", "ELF in", "passage à ELF", "passage au format ELF", "transition to ELF", "ELF transition", "transition ELF", "switched to ELF", "converted to ELF"],
    "dd-ut73": ["update-dlocatedb", "dlocatedb", "/var/lib/dlocate", "dlocate database", "base de données de dlocate", "base de dlocate", "dlocate -u", "dlocate update", "mise à jour de dlocate"],
    "dd-ut76": ["debian-faq-it", "faq-it", "traduction italienne", "Italian translation", "Italian", "debian-faq-es", "debian-faq-ru", "debian-faq-zh"],
    "dd-ut77": ["Mbit", "Mb/s", "Mbps", "mégabit", "megabit", "Gbit", "gigabit", "bit/s", "bits par seconde", "bits per second", "minimum bandwidth", "bande passante minimale", "débit minimum", "débit minimal"],
    "dd-ut80": ["armel dans", "armel in", "armel depuis", "armel since", "armel à partir", "replaced by armel in", "armel (Debian", "arm depuis", "arm a été abandonnée", "armel a été introduite", "armel was introduced"],
    "dd-ut81": ["kde-desktop", "task-kde", "tâche KDE", "KDE task", "kde-plasma", "xfce-desktop", "task-xfce", "task-gnome"],
    "dd-ut84": ["écrit en C", "written in C", "langage C", "en langage", "dpkg-divert est un", "dpkg-divert is a", "dpkg-divert, un", "script Perl dpkg", "écrit en Perl", "written in Perl"],
    "dd-ut85": ["Bdale", "Garbee", "Allbery", "Don Armstrong", "Keith Packard", "Andreas Barth", "Steve Langasek", "Colin Watson", "chair", "président du comité", "présidait", "comité technique", "casting vote", "voix prépondérante"],
    "dd-ut88": ["deux mois", "two months", "trois mois", "three months", "tous les mois", "every month", "point release", "versions intermédiaires", "bimestriel", "trimestriel"],
    "dd-ut89": ["this is because", "the reason for", "the reason why", "raison pour laquelle", "because the apt pin", "because dpkg priorit", "pin priorities are", "pin priority is not", "instead of the pin", "rather than the pin"],
}


def visible_text(source: str) -> str:
    text = re.sub(r"(?is)<head\b.*?</head>|<script\b.*?</script>|<style\b.*?</style>|<!--.*?-->", " ", source)
    text = re.sub(rf"(?i)</?(?:{BLOCK})\b[^>]*>", " ", text)
    return normalise(html.unescape(re.sub(r"<[^>]+>", "", text)))


@lru_cache(maxsize=None)
def pages(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): visible_text(p.read_text(encoding="utf-8")) for p in sorted(folder.rglob("*.html"))}


def test_corpus_is_the_documented_selection(debian_docs_dir: Path) -> None:
    expected = {f"{part.target}/{p.name}" for part in CORPUS.parts for p in selected_files(part)}
    assert set(pages(debian_docs_dir)) == expected
    assert len(expected) == 37
    size = sum(map(len, pages(debian_docs_dir).values()))
    assert 200_000 < size < 400_000, f"{size} characters: the CI budget allows ~250-400k"


def test_counts_kinds_languages_and_split_rule() -> None:
    assert len(QUESTIONS) >= 70
    kinds = Counter(q.kind for q in QUESTIONS)
    assert all(kinds[k] >= 6 for k in ("overview", "followup", "multi_doc")) and kinds["single"] >= 30
    traps = Counter(q.trap for q in QUESTIONS if not q.answerable)
    assert traps["tricky"] >= 12 and traps["plain"] >= 8
    for kind in kinds:
        assert {q.lang for q in QUESTIONS if q.kind == kind} == {"fr", "en"}, kind
    for q in QUESTIONS:
        number = int(re.search(r"(\d+)$", q.id).group(1))
        assert q.split == ("dev" if number % 4 in (0, 1) else "test"), f"{q.id}: NN mod 4 = 0 or 1 is dev, 2 or 3 test"
    for split in ("dev", "test"):
        chosen = [q for q in QUESTIONS if q.split == split]
        assert len(chosen) >= 35 and sum(q.trap == "tricky" for q in chosen) >= 6 and sum(q.trap == "plain" for q in chosen) >= 4
        for kind in ("single", "overview", "followup", "multi_doc", "unanswerable"):
            assert {q.lang for q in chosen if q.kind == kind} == {"fr", "en"}, f"{split}: {kind} needs both languages"


def test_english_questions_about_french_text() -> None:
    about_french = [q.id for q in QUESTIONS if q.lang == "en" and any(looks_french(e.quote) for e in q.evidence)]
    assert len(about_french) >= 12, about_french


@pytest.mark.parametrize("question", [pytest.param(q, id=q.id) for q in QUESTIONS if q.answerable])
def test_quotes_are_visible_text_and_hold_the_key_facts(question, debian_docs_dir: Path) -> None:
    texts = pages(debian_docs_dir)
    for evidence in question.evidence:
        assert evidence.source in texts, f"{evidence.source} is not in the corpus"
        assert normalise(evidence.quote) in texts[evidence.source], f"quote not in {evidence.source}: {evidence.quote}"
    quotes = " ".join(fold(e.quote) for e in question.evidence)
    for variants in question.key_facts:
        assert any(fold(v) in quotes for v in variants), f"key fact {variants} is in no evidence quote"


@pytest.mark.parametrize("question", [pytest.param(q, id=q.id) for q in QUESTIONS if q.trap == "tricky"])
def test_tricky_questions_ask_what_the_corpus_does_not_say(question, debian_docs_dir: Path) -> None:
    everything = fold(" ".join(pages(debian_docs_dir).values()))
    assert question.id in ABSENT, "each tricky question lists the wording searched for"
    found = [term for term in ABSENT[question.id] if fold(term) in everything]
    assert not found, f"{question.id}: the corpus says {found}"
