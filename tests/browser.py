"""Headless Chromium for the tests that open a page in a real browser.

Chromium comes from Debian's packages; where it is missing, `find_or_install` installs it (as
root, with apt-get) and otherwise says why not, so that the `chromium` fixture (conftest.py)
can skip with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

NAMES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def find() -> str | None:
    """The path of an installed Chromium, if any."""
    return next((path for name in NAMES if (path := shutil.which(name))), None)


def install() -> str:
    """Install Debian's chromium; return why not, or an empty string on success."""
    if shutil.which("apt-get") is None:
        return "apt-get is not available on this machine"
    if os.geteuid() != 0:
        return "installing Chromium needs root (apt-get install chromium)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
        if done.returncode != 0:
            return f"{' '.join(command)} failed: {done.stderr.strip()[-300:]}"
    return ""


def find_or_install() -> tuple[str | None, str]:
    """Chromium's path (None if it cannot be had) and, when None, why."""
    path = find()
    if path is not None:
        return path, ""
    reason = install()
    return find(), reason


class PageText(HTMLParser):
    """The visible text of a page, and the tags it holds with their attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("style", "script"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data.strip())

    @property
    def text(self) -> str:
        """The visible text, one piece a line."""
        return "\n".join(self.parts)


def browse(
    chromium: str, url: str, tmp_path: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium on `url` (e.g. with `--dump-dom` or `--screenshot=FILE`)."""
    return subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *extra, url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def dom(chromium: str, url: str, tmp_path: Path) -> PageText:
    """The page at `url` as the browser left it after its scripts ran, parsed."""
    result = browse(chromium, url, tmp_path, "--dump-dom")
    assert result.returncode == 0, result.stderr[-500:]
    page = PageText()
    page.feed(result.stdout)
    return page
