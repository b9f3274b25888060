"""Corpus tab handlers: listing, uploading with a per-file report, removing, re-ingesting."""

from __future__ import annotations

from pathlib import Path

from core.errors import StoreUnavailableError
from tests.fakes.fake_assistant import FailingAssistant, FakeAssistant
from ui import corpus, render


def upload_file(tmp_path: Path, name: str, text: str | bytes) -> str:
    """A file as Gradio hands it over: a path in its upload cache, keeping the original name."""
    path = tmp_path / "gradio-cache" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return str(path)


def test_refresh_lists_documents_and_fills_the_remove_choices(fake_bot):
    table, pick, banner = corpus.refresh(fake_bot)
    assert table["headers"] == render.DOCUMENT_HEADERS
    assert [row[0] for row in table["data"]][:2] == ["000_9fbf024f9cdb4384.txt", "001_498d71e2d6c48910.txt"]
    assert len(pick["choices"]) == 5 and pick["value"] is None
    assert banner == ""


def test_refresh_keeps_the_chosen_document_while_it_is_listed(fake_bot):
    _, first, _ = corpus.refresh(fake_bot)
    key = first["choices"][0]
    _, kept, _ = corpus.refresh(fake_bot, "", key)  # e.g. after a removal the user said no to
    assert kept["value"] == key
    _, gone, _ = corpus.refresh(fake_bot, "no-such-document", key)  # filtered out (or removed): not chosen
    assert gone["choices"] == [] and gone["value"] is None


def test_refresh_on_an_empty_index_prompts_to_ingest(settings):
    table, pick, banner = corpus.refresh(FakeAssistant(settings))
    assert table["data"] == [] and "index is empty" in banner


def test_refresh_shows_an_unreachable_store(settings):
    table, pick, banner = corpus.refresh(FailingAssistant(StoreUnavailableError("Chroma is unreachable."), settings))
    assert "banner-error" in banner and "Chroma is unreachable." in banner


def test_upload_saves_under_uploads_ingests_and_reports_per_file(fake_bot, tmp_path):
    files = [
        upload_file(tmp_path, "Fête du Zorglub.md", "Le festival de Zorglub attire 4 200 visiteurs."),
        upload_file(tmp_path, "tool.exe", b"MZ\x00"),
    ]
    calls = []
    table, status = corpus.upload(fake_bot, files, lambda *a, **k: calls.append(k))
    uploads = fake_bot.settings.uploads_dir
    assert sorted(p.name for p in uploads.iterdir()) == ["Fête_du_Zorglub.md"]
    assert fake_bot.ingest_calls[-1] == uploads.resolve()
    assert table["data"][0][:2] == ["Fête_du_Zorglub.md", "added"]
    assert table["data"][1][:2] == ["tool.exe", "rejected"] and "only" in table["data"][1][4]
    assert "1 added" in status and "status-error" in status  # a file was refused
    assert calls and "Ingesting 1 file" in calls[0]["desc"]
    assert calls[-1]["desc"].startswith("[1/1] Fête_du_Zorglub.md, 1 chunks")  # per-file progress
    answer = fake_bot.ask("Combien de visiteurs attire le festival de Zorglub ?")
    assert answer.citations[0].source == "Fête_du_Zorglub.md"


def test_upload_with_nothing_accepted_does_not_ingest(fake_bot, tmp_path):
    before = len(fake_bot.ingest_calls)
    table, status = corpus.upload(fake_bot, [upload_file(tmp_path, "empty.txt", "")])
    assert "No file was accepted" in status and table["data"][0][1] == "rejected"
    assert len(fake_bot.ingest_calls) == before
    assert "Choose one or more files" in corpus.upload(fake_bot, None)[1]


def test_removing_an_uploaded_document_deletes_its_file(fake_bot, tmp_path):
    corpus.upload(fake_bot, [upload_file(tmp_path, "note.txt", "Zorglub zorglub festival.")])
    doc = next(d for d in fake_bot.documents() if d.source == "note.txt")
    status = corpus.remove(fake_bot, render.document_key(doc))
    assert "Removed note.txt: 1 chunks left the index and its uploaded file was deleted." in status
    assert not (fake_bot.settings.uploads_dir / "note.txt").exists()
    assert "note.txt" not in [d.source for d in fake_bot.documents()]


def test_removing_a_corpus_document_leaves_the_corpus_folder_alone(fake_bot):
    doc = fake_bot.documents()[0]
    status = corpus.remove(fake_bot, render.document_key(doc))
    assert f"Removed {doc.source}" in status and "deleted" not in status
    assert (Path(fake_bot.settings.corpus_dir) / doc.source).exists()
    # Still in its folder: the user is told it comes back at the next sync, and how to drop it for good.
    assert "next sync of that folder brings it back" in status and "delete the file from the folder" in status
    assert len(fake_bot.documents()) == 4


def test_remove_without_a_choice_asks_for_one(fake_bot):
    assert "Pick a document" in corpus.remove(fake_bot, None)


def test_reingest_restores_the_bundled_corpus(fake_bot):
    fake_bot.remove(fake_bot.documents()[0].source)
    table, status = corpus.reingest_corpus(fake_bot)
    assert "1 added" in status and "4 unchanged" in status
    assert len(fake_bot.documents()) == 5


def test_reingest_without_a_corpus_folder_says_so(settings, tmp_path):
    bot = FakeAssistant(settings.model_copy(update={"corpus_dir": tmp_path / "missing"}))
    table, status = corpus.reingest_corpus(bot)
    assert "No bundled corpus" in status and "status-error" in status
