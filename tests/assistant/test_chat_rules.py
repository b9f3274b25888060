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
