"""core.facts: which facts a sentence states, and whether a passage holds them after normalisation."""

from __future__ import annotations

import pytest

from core.facts import extract_facts, fact_held, missing_facts, word_value


def kinds(sentence: str) -> list[tuple[str, str]]:
    return [(f.kind, f.key) for f in extract_facts(sentence)]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Le festival a accueilli 160 000 visiteurs en 2019 [1].", [("number", "160000"), ("number", "2019")]),
        ("It counts 160,000 visitors.", [("number", "160000")]),
        ("Un taux de 3,5 ou 3.5.", [("number", "3.5"), ("number", "3.5")]),
        ("Environ 1,5 million d'utilisateurs.", [("number", "1500000")]),
        ("Il y a vingt-deux développeurs et douze paquets.", [("number", "22"), ("number", "12")]),
        ("Twelve developers.", [("number", "12")]),
        ("Soit 20 cm et 3 Go, ou 45 %.", [("quantity", "20 cm"), ("quantity", "3 gb"), ("quantity", "45 %")]),
        ("He died on February 7, 2020.", [("date", "2020-02-07")]),
        ("Il est mort le 7 février 2020.", [("date", "2020-02-07")]),
        ("Publié le 2020-02-07.", [("date", "2020-02-07")]),
        ("En mars 2021, rien.", [("date", "2021-03-*")]),
    ],
)
def test_numbers_dates_quantities(sentence: str, expected: list[tuple[str, str]]) -> None:
    assert kinds(sentence) == expected


def test_commands_paths_urls_identifiers() -> None:
    found = kinds("Run `apt-get install aptitude`, edit /etc/apt/sources.list, see https://www.debian.org/doc/ "
                  "and dpkg --purge linux-image-5.10 on x86_64, version 0.8.13-5.")
    assert ("command", "apt-get install aptitude") in found
    assert ("path", "/etc/apt/sources.list") in found
    assert ("url", "https://www.debian.org/doc") in found
    assert {("identifier", "--purge"), ("identifier", "linux-image-5.10"), ("identifier", "x86_64"), ("identifier", "0.8.13-5")} <= set(found)
    assert not [k for k in found if k[0] == "number"], "numbers inside identifiers are not separate facts"


def test_names_and_what_is_not_a_name() -> None:
    found = kinds("Selon l'article, Jacob Lachat enseigne à l'Université de Lausanne, comme le dit l'OMNSH.")
    assert ("name", "jacob lachat") in found
    assert ("name", "universite lausanne") in found
    assert ("name", "omnsh") in found
    assert not [k for k in found if k[1] in ("selon", "article")]
    assert kinds("Debian est libre.") == [], "a lone capital at the start of a sentence is not taken as a name"
    assert kinds("Avez-vous peut-être lu ceci ?") == [], "hyphenated French words are not identifiers"


def test_number_words() -> None:
    assert [word_value(w) for w in ("dix", "vingt-deux", "soixante-et-onze", "quatre-vingt-dix", "twenty-two", "Douze")] == [10, 22, 71, 90, 22, 12]
    assert word_value("maison") is None


@pytest.mark.parametrize(
    ("sentence", "passage"),
    [
        ("Le festival a accueilli 160,000 visiteurs [1].", "Le festival a accueilli 160 000 visiteurs."),
        ("He died on 7 February 2020.", "le docteur Li (décédé du virus le 7 février 2020)"),
        ("Sea levels rose by 20 centimetres.", "sea levels rose by 20 cm"),
        ("Il y a 10 développeurs.", "Il y a dix développeurs"),
        ("There are ten developers.", "Il y a 10 développeurs"),
        ("The ratio is 3.5.", "un ratio de 3,5"),
        ("Jacob Lachat works at the Université de Lausanne.", "Jacob Lachat, chercheur à l’Université de Lausanne"),
        ("Edit /etc/apt/sources.list.", "le fichier /etc/apt/sources.list contient"),
        ("Use `dpkg --purge`.", "utilisez la commande dpkg  --purge pour"),
        ("ÉTÉ à Genève.", "été à geneve"),
        ("It had been through red-team testing.", "une batterie de tests « Red Team »"),  # hyphenated = spaced
        ("Send an e-mail.", "envoyez un email"),
        # an abbreviated scale, and a currency written as a symbol
        ("The consortium paid $3.4 billion.", "TENCENT-LED CONSORTIUM COMPLETES $3.4BN ACQUISITION OF 10%"),
        ("Le consortium a payé 3,4 milliards de dollars.", "COMPLETES $3.4BN ACQUISITION"),
        ("Revenues hit 7.16 billion euros.", "revenues in 2019 hit €7.16bn ($8.04bn)"),
    ],
)
def test_held_after_normalisation(sentence: str, passage: str) -> None:
    assert missing_facts(sentence, passage) == []


@pytest.mark.parametrize(
    ("sentence", "passage", "missing"),
    [
        ("The default port is 8080.", "The server listens on a port.", "8080"),
        ("Le PDG de Tencent est Ma Huateng.", "Tencent est une entreprise chinoise.", "ma huateng"),
        ("He died on 8 February 2020.", "décédé le 7 février 2020", "2020-02-08"),
        ("It weighs 20 kg.", "It costs 20 euros.", "20 kg"),
        ("Edit /etc/apt/preferences.", "le fichier /etc/apt/sources.list", "/etc/apt/preferences"),
        ("Il y a douze développeurs.", "Il y a 10 développeurs", "12"),
        ("Install dpkg-dev.", "installez le paquet dpkg", "dpkg-dev"),
        ("The consortium paid $3.5 billion.", "COMPLETES $3.4BN ACQUISITION", "3500000000"),
        ("Revenues hit 7.16 billion dollars.", "revenues hit €7.16bn", "7160000000 usd"),
    ],
)
def test_missing_facts_are_reported(sentence: str, passage: str, missing: str) -> None:
    assert missing in [f.key for f in missing_facts(sentence, passage)]


def test_fact_held_one_fact() -> None:
    (fact,) = extract_facts("Il y a 5000 publications.")
    assert fact_held(fact, "5 000 publications sous le hashtag")
    assert not fact_held(fact, "500 publications")


def test_answer_frames_and_punctuation_do_not_make_names() -> None:
    assert kinds("According to the corpus (quoted in French): “One could simply visit a Debian archive site.” [4]") == [("name", "debian")]
    assert kinds("Summary of “La FAQ Debian GNU/Linux”: “Copyright © 1996-2021 Software in the Public Interest” [1]")[-1] == ("name", "public interest")
    found = kinds("See https://www.debian.org/doc/user-manuals#faq.” [1]")
    assert ("url", "https://www.debian.org/doc/user-manuals#faq") in found


def test_code_fences_and_urls_inside_commands() -> None:
    found = kinds("soit à : ``` deb http://ftp.us.debian.org/debian/ bookworm main ```")
    assert ("url", "http://ftp.us.debian.org/debian") in found
    assert missing_facts("soit à : ``` deb http://ftp.us.debian.org/debian/ bookworm main ```",
                         "soit à : deb http://ftp.us.debian.org/debian/ bookworm main Si le") == []


def test_digits_glued_to_letters_are_identifiers_not_names() -> None:
    found = kinds("La vidéo à base de caméras 5K, soit 60Mo/s, via la 5G, le 1er mai.")
    assert {("identifier", "5k"), ("identifier", "60mo"), ("identifier", "5g")} <= set(found)
    assert not [k for k in found if k[0] == "name"]
