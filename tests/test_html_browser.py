"""The HTML report opened in a real headless browser (Chromium), and checked for its content.

The `chromium` fixture (conftest.py, helpers in tests/browser.py) installs Chromium where it
is missing, and skips, saying why, only where that cannot be done.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tests.browser import PageText, browse

ROOT = Path(__file__).resolve().parents[1]


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
    dom = browse(chromium, report.as_uri(), tmp_path, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-500:]
    page = PageText()
    page.feed(dom.stdout)
    text = page.text
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
    result = browse(
        chromium, report.as_uri(), tmp_path, f"--screenshot={shot}", "--window-size=1200,1600"
    )
    assert result.returncode == 0, result.stderr[-500:]
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG")
    assert len(data) > 20_000  # a drawn page of tables, not a blank canvas
