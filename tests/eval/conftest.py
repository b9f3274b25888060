"""A tiny corpus, a question file and a small deterministic fake assistant for the eval tests."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from assistant.answer import Answer, Passage
from eval.normalize import content_words
from ingest.report import SyncReport

CORPUS = {
    "musique.txt": (
        "Le film 2050 est sorti en 2018. La musique du film 2050 a été composée par Jean Dupont.\n\n"
        "Le festival de Lausanne a accueilli 160 000 visiteurs en 2019."
    ),
    "climate.txt": (
        "The climate report was published in 2021. It estimates that sea levels rose by 20 centimetres.\n\n"
        "The authors of the climate report work in Lausanne."
    ),
}

QUESTIONS_YAML = """\
- id: fr-music
  split: dev
  question: Qui a composé la musique du film 2050 ?
  lang: fr
  kind: single
  answerable: true
  reference: Jean Dupont
  key_facts: [["Jean Dupont", "Dupont"]]
  evidence: [{source: musique.txt, quote: "La musique du film 2050 a été composée par Jean Dupont."}]
- id: fr-visitors
  split: dev
  question: Combien de visiteurs le festival de Lausanne a-t-il accueillis ?
  lang: fr
  kind: single
  answerable: true
  reference: 160 000 visiteurs en 2019
  key_facts: [["160000", "160 000"], ["2019"]]
  evidence: [{source: musique.txt, quote: "Le festival de Lausanne a accueilli 160 000 visiteurs en 2019."}]
- id: en-sea
  split: test
  question: By how much did sea levels rise according to the climate report?
  lang: en
  kind: single
  answerable: true
  reference: 20 centimetres
  key_facts: [["20 centimetres", "20 cm"]]
  evidence: [{source: climate.txt, quote: "It estimates that sea levels rose by 20 centimetres."}]
- id: en-followup
  split: test
  question: And where do its authors work?
  lang: en
  kind: followup
  answerable: true
  reference: Lausanne
  key_facts: [["Lausanne"]]
  evidence: [{source: climate.txt, quote: "The authors of the climate report work in Lausanne."}]
  history: ["When was the climate report published?"]
- id: fr-unicorn
  split: test
  question: Quelle est la couleur préférée des licornes ?
  lang: fr
  kind: unanswerable
  answerable: false
  trap: plain
  reference: ""
  key_facts: []
  evidence: []
"""


class FakeChat:
    def __init__(self, bot: "FakeBot") -> None:
        self.bot, self.history = bot, []

    def ask(self, question: str) -> Answer:
        standalone = " ".join([self.history[-1][0], question]) if self.history else question
        answer = replace(self.bot.ask(standalone), question=question, standalone_question=standalone)
        self.history.append((question, answer))
        return answer


class FakeBot:
    """Retrieves paragraphs by content-word overlap and quotes the best sentence with [1]."""

    def __init__(self, corpus_dir: Path, mode: str = "extractive", **overrides: Any) -> None:
        self.settings = SimpleNamespace(corpus_dir=corpus_dir, top_k=3, embedding_model=None, **overrides)
        self.mode = mode
        self.ingested: list[Path] = []
        self.asked: list[str] = []
        from llama_index.core.embeddings import MockEmbedding

        self.embed_model = MockEmbedding(embed_dim=8)

    def ingest(self, path: str | Path, *, show_progress: bool = True) -> SyncReport:
        self.ingested.append(Path(path))
        return SyncReport(root=str(path))

    def variant(self, **overrides: Any) -> "FakeBot":
        child = FakeBot(self.settings.corpus_dir, self.mode, **overrides)
        child.asked = self.asked
        return child

    def retrieve(self, question: str) -> list[Passage]:
        wanted = set(content_words(question))
        scored = []
        for source in sorted(CORPUS):
            for paragraph in CORPUS[source].split("\n\n"):
                overlap = len(wanted & set(content_words(paragraph)))
                scored.append((overlap, source, paragraph))
        scored.sort(key=lambda t: -t[0])
        return [Passage(number=i, source=s, title=s, text=p, score=float(o)) for i, (o, s, p) in enumerate(scored[:3], 1)]

    def ask(self, question: str) -> Answer:
        self.asked.append(question)
        passages = self.retrieve(question)
        if "licorne" in question or passages[0].score == 0:
            return Answer(question=question, text="Je ne trouve pas la réponse dans les documents.", retrieved=passages, abstained=True)
        sentences = re.split(r"(?<=\.)\s+", passages[0].text)
        best = max(sentences, key=lambda s: len(set(content_words(s)) & set(content_words(question))))
        return Answer(question=question, text=f"{best} [1]", citations=[passages[0]], retrieved=passages)

    def chat(self) -> FakeChat:
        return FakeChat(self)


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in CORPUS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def questions_file(tmp_path: Path) -> Path:
    path = tmp_path / "questions.yaml"
    path.write_text(QUESTIONS_YAML, encoding="utf-8")
    return path


@pytest.fixture
def fake_bot(corpus_dir: Path) -> FakeBot:
    return FakeBot(corpus_dir)


@pytest.fixture(scope="session")
def debian_docs_dir() -> Path:
    """The debian-docs evaluation corpus, built from the installed Debian packages (eval/corpora.py;
    scripts/test builds it before pytest; apt-get install here when missing and root, else a clear error)."""
    from eval.corpora import build, get

    return build(get("debian-docs"))


@pytest.fixture(scope="session")
def debian_docs_assistant(shared_components, debian_docs_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """A real Assistant (offline, extractive) over the debian-docs corpus, ingested once into a temporary
    data dir with the bundled corpus's loaded embedding model."""
    from assistant.api import Assistant
    from assistant.components import Components
    from tests.conftest import make_settings

    settings = make_settings(tmp_path_factory.mktemp("debian-docs-index"), corpus_dir=debian_docs_dir)
    components = Components(settings, embed_model=shared_components.embed_model)
    components.sync(debian_docs_dir, show_progress=False, rebuild=False)
    return Assistant(settings, components=components)
