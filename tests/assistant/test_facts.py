"""The stated-fact check: numbers, names and identifiers an answer states must stand in its cited passage."""

from __future__ import annotations

from assistant.facts import missing_facts, numbers, stated_facts

PASSAGE = "Le syndicat SAG-AFTRA représente 160 000 professionnels. Sa directrice est Fran Drescher depuis 2021."


def test_numbers_are_compared_normalised():
    assert numbers("160 000 professionnels, 2,5 % et deux films") >= {"160000", "2.5", "2"}
    assert missing_facts("SAG-AFTRA represents 160,000 professionals [1].", PASSAGE) == []
    assert missing_facts("SAG-AFTRA represents 170,000 professionals [1].", PASSAGE) == ["170000"]


def test_names_and_identifiers_must_stand_in_the_passage():
    assert missing_facts("Its president is Fran Drescher.", PASSAGE) == []
    assert missing_facts("Its president is Duncan Crabtree-Ireland.", PASSAGE) == ["duncan crabtree-ireland"]
    assert ("code", "--port") in stated_facts("Run it with `--port` 8080.")
    assert missing_facts("The default port is 8080.", "The server listens on a port of your choice.") == ["8080"]


def test_what_the_question_states_is_not_a_claim():
    assert missing_facts("The film 2050 came out in 2018.", "Le film est sorti en 2018.", "When did 2050 come out?") == []
