"""A full disk mid-ingest says so (issue 18, case 8): the disk holding the data folder is full, not
"the Chroma store is unreachable or failed (InternalError)". The data folder sits on a 1 MB tmpfs
mounted for the test (the suite runs as root here; mounting is the honest way to fill a disk)."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from tests.index import procs
from tests.reliability.relhelpers import write_generated_corpus

pytestmark = pytest.mark.slow


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True, text=True)
    assert done.returncode == 0, f"mounting a tmpfs needs root: {done.stderr.strip()}"
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_mid_ingest_names_the_data_folder(tmp_path, small_disk):
    folder = write_generated_corpus(tmp_path / "docs", 150, sentences_per_file=20)
    data_dir = small_disk / "data"
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "ingest", str(folder), "--quiet"],
                            env=procs.env(tmp_path, data_dir), cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []

    def read() -> None:
        for line in proc.stderr:
            lines.append(line)
            if line.startswith("error:"):
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(500)
    if proc.poll() is None:  # Chroma's engine may linger after the error: the message is what counts here
        proc.kill()
    proc.wait(30)
    stderr = "".join(lines)
    line = next((line for line in lines if line.startswith("error:")), "")
    assert line.startswith(f"error: The disk holding {data_dir} is full"), stderr
    assert "unreachable" not in stderr and "InternalError" not in stderr and "Traceback" not in stderr
