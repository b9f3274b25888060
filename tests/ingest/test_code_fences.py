"""Code is not structure (issue 12): no heading inside a Markdown fence or an HTML <pre>/<code>,
and a how-to question about a fenced command gets the command in its answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.clean import normalize
from ingest.loaders import html_to_text
from ingest.sections import find_sections

ORION_MD = """# Service Orion

Orion synchronise les capteurs de la serre avec le tableau de bord central.

## Démarrer le service

Pour démarrer le service Orion, lancez cette commande depuis le dossier d'installation :

```bash
# démarre Orion en arrière-plan
orion-ctl start --daemon --port 7431
```

Le tableau de bord devient accessible au bout de quelques secondes.

~~~
# Title inside a tilde fence
~~~

## Arrêter le service

Pour arrêter Orion, utilisez `orion-ctl stop`.
"""


def titles(text: str, fmt: str) -> list[str]:
    clean, _ = normalize(text)
    return [s.title for s in find_sections(clean, fmt, "doc")]


def test_no_heading_inside_markdown_fences():
    assert titles(ORION_MD, "md") == ["Service Orion", "Démarrer le service", "Arrêter le service"]


def test_an_unclosed_fence_hides_the_rest_from_heading_detection():
    assert titles("# Top\n\ntext\n\n```\n# a\n\n# b\n", "md") == ["Top"]


def test_no_heading_inside_html_pre_or_code():
    html = (
        "<h1>Orion</h1><p>Pour démarrer :</p><pre><code># démarre le service\norion-ctl start</code></pre>"
        "<p><code># config.ini</code> holds the port.</p><h2>Arrêt</h2><p>orion-ctl stop</p>"
    )
    text = html_to_text(html)
    assert "```\n# démarre le service\norion-ctl start\n```" in text
    assert titles(text, "html") == ["Orion", "Arrêt"]


def test_commented_code_does_not_multiply_chunks():
    """A page of commented code: one section, not one per `# comment`."""
    code = "\n".join(f"# step {i}: explain\nrun_step {i}" for i in range(400))
    assert titles(f"# Script\n\nThe whole script:\n\n```sh\n{code}\n```\n", "md") == ["Script"]


@pytest.fixture
def bot(tmp_path: Path, embed_model):
    from assistant.api import Assistant
    from assistant.components import Components
    from tests.conftest import make_settings

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "orion.md").write_text(ORION_MD, encoding="utf-8")
    # A three-chunk index sits below the abstention floor (calibrated on a real corpus): the point here is
    # what the answer holds, not whether to abstain.
    settings = make_settings(tmp_path / "data", abstain_threshold=0)
    bot = Assistant(settings, components=Components(settings, embed_model=embed_model))
    bot.ingest(folder, show_progress=False)
    return bot


def test_how_to_answer_includes_the_fenced_command(bot):
    answer = bot.ask("Comment démarrer le service Orion ?")
    assert "orion-ctl start --daemon --port 7431" in answer.text, answer.text
    assert answer.citations and answer.citations[0].title == "Démarrer le service"
