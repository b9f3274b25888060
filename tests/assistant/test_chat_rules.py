from assistant.question import carry_topic, depends_on_history


def test_follow_ups_are_detected():
    assert depends_on_history("Et qui l'a réalisé ?")
    assert depends_on_history("et en 2018 ?")
    assert depends_on_history("What about Japan?")
    assert not depends_on_history("Qui a composé la musique du film 2050 ?")
    assert not depends_on_history("Combien de professionnels le syndicat SAG-AFTRA représente-t-il ?")


def test_carry_topic_keeps_both():
    q = carry_topic("Et qui l'a réalisé ?", "Qui a composé la musique du film 2050 ?")
    assert "réalisé" in q and "2050" in q


def test_a_fresh_question_that_names_its_subject_is_not_a_follow_up():
    assert not depends_on_history("Qui est Jacob Lachat ?")
    assert not depends_on_history("Who is Wajdi Mouawad?")
    assert depends_on_history("Qui est-ce ?")
    assert depends_on_history("Et Netflix ?")


def test_carry_topic_stays_within_the_limit():
    q = carry_topic("Et le réalisateur ?", "mot " * 1000, limit=200)
    assert len(q) <= 200 and q.startswith("Et le réalisateur ? (mot")


def test_a_demonstrative_naming_a_thing_leans_on_the_previous_turn():
    assert depends_on_history("Where is that library kept in the pool directory of the Debian archive?")
    assert depends_on_history("Et une fois ce paquet installé, quelle commande construit le paquet source ?")
    assert depends_on_history("Which programs must be installed to build it from this repository?")
    # "that" opening a relative clause names nothing of the previous turn
    assert not depends_on_history("Which documentary that Netflix released in July follows Alessia Zecchini?")
    assert not depends_on_history("Ce qui est installé par le paquet build-essential suffit-il à construire un paquet Debian ?")
