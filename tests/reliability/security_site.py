"""What the security tests (tests/reliability/test_rel_security*.py) share: the secrets they grep for,
the LLM settings holding the key, and the app under attack: the real UI over a real Assistant whose LLM
is the local OpenAI stub (module-scoped fixtures `stub` and `site`)."""

from __future__ import annotations

import os
import uuid

import pytest

from tests.fakes.openai_stub import OpenAIStub
from tests.reliability.relhelpers import make_bot, write_small_corpus
from ui import app as ui_app
from assistant.uploads import save_upload

# Gradio 6.31 computes local per-event statistics with pandas after each event (gradio/queueing.py),
# and pandas 3 warns about two options it uses. Local only, no network.
SECURITY_MARKS = [
    pytest.mark.slow,
    pytest.mark.filterwarnings(
        "ignore:.*(no_silent_downcasting|copy keyword is deprecated).*:pandas.errors.Pandas4Warning"
    ),
]

SECRET = "sk-test-LEAKCHECK-1234567890"
QUESTION = "Combien de professionnels le syndicat SAG-AFTRA représente-t-il ?"
SMALL_QUESTION = "Combien de kilos de miel produisent les ruches de Lille ?"
SECRET_FILE_TEXT = f"TOP-SECRET-{uuid.uuid4().hex}"
PASSWD_MARK = "root:x:0:0"
SQLITE_MARK = b"SQLite format 3\x00"
PYPROJECT_MARK = 'name = "corpus-assistant"'


def llm_values(base_url: str, **extra) -> dict:
    values = dict(llm="openai_like", llm_base_url=base_url, llm_model="stub-model", llm_api_key=SECRET,
                  llm_max_retries=1, llm_timeout=2)
    values.update(extra)
    return values


def no_secret(*texts: object) -> None:
    for text in texts:
        blob = text if isinstance(text, str) else repr(text)
        assert SECRET not in blob, f"the API key leaked: ...{blob[max(0, blob.find(SECRET) - 200):][:400]}"


@pytest.fixture(scope="module")
def stub():
    with OpenAIStub(fault_paths=["/v1/chat/completions"], retry_after="0.1") as s:
        yield s


@pytest.fixture(scope="module")
def site(tmp_path_factory, embed_model, stub):
    """A real Assistant (LLM = the stub, key = SECRET) on its own data dir, served by ui.app.launch."""
    root = tmp_path_factory.mktemp("security")
    corpus_dir = write_small_corpus(root / "corpus")
    data_dir = root / "data"
    gradio_tmp = root / "gradio-tmp"
    outside = root / "outside"  # neither the data dir, nor gradio's folders, nor the corpus
    outside.mkdir()
    secret_file = outside / "secret.md"
    secret_file.write_text(SECRET_FILE_TEXT + "\n", encoding="utf-8")
    victim = outside / "victim.txt"
    victim.write_text("do not delete\n", encoding="utf-8")

    saved_env = os.environ.get("GRADIO_TEMP_DIR")
    os.environ["GRADIO_TEMP_DIR"] = str(gradio_tmp)
    bot = make_bot(data_dir, embed_model, corpus_dir=corpus_dir, **llm_values(stub.base_url))
    bot.ingest(corpus_dir, show_progress=False)
    # An uploaded document, so the uploads folder (inside the data dir) holds a real file too.
    src = outside / "note.md"
    src.write_text("# Note\n\nLe phare de Brest mesure 57 mètres de haut.\n", encoding="utf-8")
    save_upload(src, "note.md", bot.settings.uploads_dir, bot.settings.max_file_mb)
    bot.ingest(bot.settings.uploads_dir, show_progress=False)
    src.unlink()

    demo = ui_app.launch(bot, port=ui_app.free_port(), block=False)
    sqlite = next(data_dir.rglob("chroma.sqlite3"))
    # The local index caches (BM25 segments: chunk text and metadata) stand for "index files as json".
    docstores = sorted((data_dir / "state").rglob("*.json"))
    assert docstores, f"no index cache json under {data_dir}: {sorted(map(str, data_dir.rglob('*')))}"
    try:
        yield dict(
            demo=demo, url=demo.local_url.rstrip("/"), bot=bot, root=root, data_dir=data_dir,
            gradio_tmp=gradio_tmp, outside=outside, secret_file=secret_file, victim=victim,
            sqlite=sqlite, docstores=docstores, uploads=bot.settings.uploads_dir,
        )
    finally:
        demo.close()
        if saved_env is None:
            os.environ.pop("GRADIO_TEMP_DIR", None)
        else:
            os.environ["GRADIO_TEMP_DIR"] = saved_env
