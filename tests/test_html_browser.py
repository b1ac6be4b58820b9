"""The HTML report opened in a real headless browser (Chromium), and checked for its content.

Chromium comes from Debian's packages; where it is missing the fixture installs it (as root,
with apt-get) and skips, saying why, only where that cannot be done.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
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


def _find() -> str | None:
    return next((path for name in NAMES if (path := shutil.which(name))), None)


def _install() -> str:
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


@pytest.fixture(scope="session")
def chromium() -> str:
    path = _find()
    if path is None:
        reason = _install()
        path = _find()
        if path is None:
            pytest.skip(f"Chromium is not installed and could not be installed: {reason}")
    return path


class _Text(HTMLParser):
    """The visible text of a page, and the tags it holds."""

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


def _browse(
    chromium: str, page: Path, tmp_path: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *extra, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    project = out.parent / "project.yaml"
    # The example project, later in its life: built, accepted late, so deadlines are drawn.
    text = (ROOT / "examples" / "project.yaml").read_text(encoding="utf-8")
    project.write_text(
        text.replace(
            "  steps:\n",
            "  steps:\n    completion: {date: 2026-01-31}\n    final_acceptance: {date: 2026-08-20}\n",
        ),
        encoding="utf-8",
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "policyengine",
            "evaluate",
            str(project),
            "--format",
            "html",
            "-o",
            str(out),
            "--as-of",
            "2026-11-23",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    return out


def test_the_browser_renders_every_jurisdiction_with_the_quoted_law(
    chromium: str, report: Path, tmp_path: Path
) -> None:
    dom = _browse(chromium, report, tmp_path, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-500:]
    page = _Text()
    page.feed(dom.stdout)
    text = "\n".join(page.parts)
    # One verdict per jurisdiction in the summary, each with its status.
    for jurisdiction in ("Wuhan", "Mengyin", "Zhanggong", "Xiangxi", "Yiyang"):
        assert jurisdiction in text
    assert "NON-COMPLIANT" in text
    # Findings grouped by stage, the failing article and its quoted law.
    assert any(tag == "h3" for tag, _ in page.tags)
    assert "wh-12-no-new-infrastructure" in text
    assert "除涉密系统外,市级党政机关、市直属事业单位不得新建机房、专网等基础设施" in text
    # Deadlines on a timeline.
    assert ("svg", {"class": "timeline"}) in [(t, {"class": a.get("class")}) for t, a in page.tags]
    # Self-contained: nothing for the browser to fetch.
    sources = [a.get("src") or a.get("href") for _, a in page.tags]
    assert not [s for s in sources if s and s.startswith(("http:", "https:", "//"))]


def test_the_browser_draws_the_page(chromium: str, report: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    result = _browse(chromium, report, tmp_path, f"--screenshot={shot}", "--window-size=1200,1600")
    assert result.returncode == 0, result.stderr[-500:]
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG")
    assert len(data) > 20_000  # a drawn page of tables, not a blank canvas
