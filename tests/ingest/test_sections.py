"""find_sections(): headings of markdown and of the plain-text corpus."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.clean import normalize
from ingest.sections import Section, default_title, find_sections, shorten

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def _n(title: str) -> str:
    return title.replace("’", "'")


def sections_of(text: str, fmt: str = "txt", fallback: str = "fallback") -> list[Section]:
    clean, _ = normalize(text)
    found = find_sections(clean, fmt, fallback)
    assert found[0].start == 0 and found[-1].end == len(clean)
    assert all(a.end == b.start and a.start < a.end for a, b in zip(found, found[1:]))
    return found


def titles_of(text: str, fmt: str = "txt", fallback: str = "fallback") -> list[str]:
    return [_n(s.title) for s in sections_of(text, fmt, fallback)]


def corpus_titles(prefix: str) -> list[str]:
    (path,) = CORPUS.glob(f"{prefix}_*.txt")
    text = path.read_text(encoding="utf-8")
    return titles_of(text, "txt", normalize(text)[0].split("\n", 1)[0])


# --- the bundled corpus -------------------------------------------------------------------
EXPECTED = {
    "000": [
        "Dear Internet, les journaux de confinement en ligne se multiplient",
        "Raconter son intériorité & participer à une expérience psychique collective",
        "L'audio",
        "DONE DEAL: TENCENT-LED CONSORTIUM COMPLETES $3.4BN ACQUISITION OF 10% OF UNIVERSAL MUSIC GROUP",
        "L'inquiétante trajectoire de la consommation énergétique du numérique",
        "L'efficacité énergétique, pas éternelle",
        "MASAE GIMBAYASHI – Album « Je te veux »",
        "STREAMING IS GETTING BIGGER IN JAPAN, WITH THE LIKES OF SPOTIFY GENERATING OVER $380M IN MARKET LAST YEAR",
        "2050 (Original Motion Picture Soundtrack)",
        "La révolte des travailleurs de l'invisible, le nouveau prolétariat précaire de la révolution numérique",
        "Retour aux débuts de la révolution industrielle ?",
        "Qui sont ces travailleurs de l'ombre ?",
    ],
    "001": ["Rages contre les machines : Luddites, unissez-vous !"],
    "002": [
        "A Privacy-Focused Vision for Social Networking",
        "Vienne, l'utopie réalisée du logement pour tous",
        "Donner à voir les gilets jaunes",
        "#Amazon #YouTube #Netflix, dans quel monde entrons-nous ?",
        "La puissance insoupçonnée des travailleuses, par Pierre Rimbert (Le Monde diplomatique, janvier 2019)",
        "#Netflix finishes its massive migration to the Amazon cloud",
    ],
    "003": [
        "Grève à Hollywood : pourquoi l'IA est le méchant du film",
        "UN PAVÉ DANS LA JUNGLE",
        "UN FORMAT À LA LOUPE",
        "LE CONTENU QU'ON AURAIT ADORÉ FAIRE",
        "UNE DERNIÈRE LIANE POUR LA ROUTE",
    ],
    "004": ["Les Ombres du Clic : Découvrez les travailleurs du clic des IA Moscovites"],
}


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_corpus_titles(prefix: str) -> None:
    titles = corpus_titles(prefix)
    missing = [t for t in EXPECTED[prefix] if t not in titles]
    assert not missing, titles


def test_corpus_section_counts() -> None:
    counts = {p: len(corpus_titles(p)) for p in EXPECTED}
    assert counts["002"] == 21  # one per link-blog item, sub-headings stay inside their item
    assert counts["003"] == 5
    assert counts["004"] == 2
    assert 15 <= counts["000"] <= 25


def test_corpus_never_titles_tracklists_urls_hashtags_or_signatures() -> None:
    for prefix in EXPECTED:
        for title in corpus_titles(prefix):
            assert not re.match(r"[•\-–*]|\d\d – |https?://|via |cc @", title), title
            assert not re.fullmatch(r"(?:#\S+\s*)+", title), title
            assert title not in ("Hellen Page", "Ce message a été supprimé suite à la suppression du compte de son auteur")
            assert len(title) <= 150


def test_run_of_heading_lines_takes_the_first_and_credit_lines_stay_body() -> None:
    titles = corpus_titles("000")
    assert "Classic variations" not in titles and "Label Plaza Mayor Company Ltd" not in titles
    assert "Score Composed and Performed by Konstantinos Lyrakis" not in titles
    # "Nous pensons que ... pour trois principales raisons" lacks its period: not a heading.
    assert not any(t.startswith("Nous pensons") for t in titles)


# --- markdown -----------------------------------------------------------------------------
def test_atx_and_setext_headings() -> None:
    md = "Intro text.\n\n# Premier ##\n\nTexte un.\n\nDeuxième\n========\n\nTexte deux.\n\n### Trois\nTexte trois."
    found = sections_of(md, "md", "doc.md")
    assert [s.title for s in found] == ["doc.md", "Premier", "Deuxième", "Trois"]
    clean = normalize(md)[0]
    assert clean[found[1].start :].startswith("# Premier")


def test_markdown_hashtags_are_not_headings() -> None:
    md = "# Titre\n\nTexte.\n\n#Billets\n\n#cinéma #scénario\n\nSuite du texte."
    assert titles_of(md, "md") == ["Titre"]


def test_markdown_without_markup_uses_text_rules() -> None:
    md = "Un titre simple\n\n" + "Un paragraphe assez long. " * 10
    assert titles_of(md, "md") == ["Un titre simple"]


# --- plain text rules ---------------------------------------------------------------------
BODY = "Une phrase de corps qui est assez longue pour compter comme un vrai paragraphe. " * 3


@pytest.mark.parametrize(
    ("line", "is_heading"),
    [
        ("Une croissance des données exponentielle", True),
        ("61 millions de smartphones en France", True),
        ("UN TITRE EN CAPITALES QUI EST NETTEMENT PLUS LONG QUE LA LIMITE HABITUELLE DES CENT VINGT CARACTERES, " "VOILA", True),
        ("Qui sont ces travailleurs de l'ombre ?", True),
        ("Une question bien trop longue pour être un titre de section, vraiment beaucoup trop ?", False),
        ("Une phrase qui finit par un point.", False),
        ("Une phrase qui finit par deux points :", False),
        ("minuscule au début", False),
        ("https://example.org/un-lien", False),
        ("#Billets", False),
        ("Via tbn", False),
        ("Album « Je te veux »", True),
        ("Il a dit « bonjour. »", False),
    ],
)
def test_heading_line_rules(line: str, is_heading: bool) -> None:
    text = f"Premier paragraphe terminé.\n\n{BODY}\n\n{line}\n\n{BODY}"
    assert (line in titles_of(text)) is is_heading


def test_question_needs_a_long_next_paragraph() -> None:
    text = f"{BODY}\n\nEt alors ?\n\nCourt.\n\n{BODY}"
    assert "Et alors ?" not in titles_of(text)


def test_first_line_and_fallback() -> None:
    assert titles_of(f"Un titre de fichier\n{BODY}")[0] == "Un titre de fichier"
    assert titles_of(f"Une première phrase.\n{BODY}", fallback="doc.txt") == ["doc.txt"]


def test_heading_inside_a_paragraph() -> None:
    text = f"{BODY.strip()}\nLe titre au milieu\n{BODY.strip()}"
    assert titles_of(text) == ["fallback", "Le titre au milieu"]


def test_list_items_are_not_headings() -> None:
    items = "\n".join(f"• 0{i} – Morceau numéro {i}" for i in range(1, 6))
    text = f"Titre\n\n{BODY}\n\n{items}\n\nhttps://example.org/x\n\n{BODY}"
    assert titles_of(text) == ["Titre"]


def test_link_blog_items() -> None:
    long_title = "Un très long titre d'élément " + "qui continue encore " * 10
    text = (
        f"  • Premier élément | Auteur, 6 mars 2019\n    https://example.org/a\n\n    {BODY}\n\n"
        f"    Un intertitre\n\n    {BODY}\n\n"
        f"  • {long_title}\n\n    https://example.org/b\n\n    {BODY}\n"
    )
    titles = titles_of(text)
    assert titles[0] == "Premier élément"
    assert titles[1] == shorten(long_title) and titles[1].endswith("…") and len(titles[1]) <= 150
    assert len(titles) == 2  # link-blog mode: the intertitle stays in its item


def test_default_title() -> None:
    assert default_title("Premier titre\nsuite", "a.txt") == "Premier titre"
    assert default_title("https://example.org/page\nsuite", "a.txt") == "a.txt"
    assert default_title("#tag #autre", "a.txt") == "a.txt"
    assert default_title("", "a.txt") == "a.txt"
    assert titles_of(f"https://example.org/page\n\n{BODY}", fallback="a.txt") == ["a.txt"]


def test_shorten() -> None:
    assert shorten("court") == "court"
    cut = shorten("mot " * 100)
    assert len(cut) <= 150 and cut.endswith("mot…")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab AB\n\n#•-|.?:1é»«()")), max_size=400), st.sampled_from(["txt", "md", "html", "pdf"]))
def test_sections_always_cover_the_text(text: str, fmt: str) -> None:
    clean, _ = normalize(text)
    found = find_sections(clean, fmt, "f")
    assert found[0].start == 0 and found[-1].end == len(clean)
    assert all(a.end == b.start for a, b in zip(found, found[1:]))
    assert all(s.title for s in found)
