"""Real documentation sets with page chrome, from Debian packages (tests and benchmarks).

The one place that installs them: ``html_set("debian-faq-fr")`` returns the folder of the package's
HTML pages, installing the package with apt-get first when it is missing and we are root (CI runs
as root). Never the Debian Reference (debian-reference-*): it is kept aside to check the assistant.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

# Package -> folder of its HTML pages (DocBook output: navigation header/footer, tables of contents).
HTML_SETS = {
    "debian-faq-fr": Path("/usr/share/doc/debian/FAQ/fr"),  # 17 pages, chapter per page
    "aptitude-doc-fr": Path("/usr/share/doc/aptitude/html/fr"),  # 91 pages, section per page, tables
}


class MissingPackage(RuntimeError):
    """The package is not installed and cannot be installed here; the message says how to fix it."""


def _apt(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(["apt-get", *args], env=env, capture_output=True, text=True, timeout=900)


def install(package: str) -> None:
    if os.geteuid() != 0:
        raise MissingPackage(f"{package} is not installed; run `sudo apt-get install -y {package}` (tests install it as root)")
    done = _apt("install", "-y", "-q", package)
    if done.returncode != 0:  # a fresh machine may have no package lists yet
        _apt("update", "-q")
        done = _apt("install", "-y", "-q", package)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise MissingPackage(f"apt-get install {package} failed: {tail[0]}")


def html_set(package: str) -> Path:
    """The folder of ``package``'s HTML pages, installed on demand."""
    folder = HTML_SETS[package]
    if not any(folder.glob("*.html")):
        install(package)
    if not any(folder.glob("*.html")):
        raise MissingPackage(
            f"{package} is installed but {folder} has no HTML page (a dpkg path-exclude for /usr/share/doc?)"
        )
    return folder
