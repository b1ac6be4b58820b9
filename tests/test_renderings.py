"""Human renderings fit the terminal, never cut ids, and speak the language asked for."""

from __future__ import annotations

import datetime as dt
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from policyengine import Project, evaluate, load_pack
from policyengine.diff import diff_packs, render_diff
from policyengine.html import render_html
from policyengine.render import columns, render_markdown, render_text, width
from policyengine.verdict import Verdict

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "project.yaml"
AS_OF = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def late() -> Verdict:
    """The example project judged at acceptance: many failures, long rule ids and messages."""
    project = Project.from_file(EXAMPLE)
    return evaluate(project, load_pack("wuhan"), stage="acceptance", as_of=AS_OF)


@pytest.mark.parametrize("lang", ["en", "zh"])
# 80 columns hold the longest rule id with its status and article; narrower, only the row that
# names it may exceed the width, since an id is never cut.
@pytest.mark.parametrize("max_width", [80, 100, 140])
def test_text_fits_the_width_and_keeps_every_rule_id_whole(
    late: Verdict, max_width: int, lang: str
) -> None:
    text = render_text(late, lang=lang, max_width=max_width)
    table = text[text.index("\n\n") :].split("\n\n")[1].splitlines()
    assert all(width(line) <= max_width for line in table)
    assert "…" not in text
    for finding in late.findings:
        if finding.status.value in ("fail", "unknown"):
            assert f" {finding.rule_id} " in text
    assert max(len(f.rule_id) for f in late.failed) > 34  # ids used to be cut at 34 columns


def test_without_a_width_each_finding_is_one_line(late: Verdict) -> None:
    text = render_text(late)
    shown = [f for f in late.findings if f.status.value in ("fail", "unknown", "error")]
    rows = [line for line in text.splitlines() if line.startswith("  ") and "art." in line]
    assert len(rows) == len(shown)


def test_columns_wrap_only_free_text_and_move_a_narrow_message_below() -> None:
    rows = [["status", "rule", "message"], ["fail", "a-very-long-rule-identifier", "x " * 30]]
    wide = columns(rows, max_width=200, wrap=frozenset({2}))
    assert len(wide) == 2
    narrow = columns(rows, max_width=40, wrap=frozenset({2}), stack_last=True)
    assert all(width(line) <= 40 for line in narrow)
    assert any("a-very-long-rule-identifier" in line for line in narrow)
    assert narrow[1].split() == ["message"]  # moved below its row


def test_compare_on_a_terminal_fits_its_width() -> None:
    env = {**os.environ, "COLUMNS": "100"}
    args = [sys.executable, "-m", "policyengine", "compare", str(EXAMPLE), "--as-of", "2026-11-23"]
    lines = _on_a_terminal(args, env).replace("\r\n", "\n").splitlines()
    assert lines[0].split()[:2] == ["pack", "jurisdiction"]
    assert max(width(line) for line in lines) <= 100
    assert {line.split()[0] for line in lines if line[:1].isalpha()} >= {"wuhan", "yiyang"}


def test_chinese_text_has_no_english_status_words(late: Verdict) -> None:
    text = render_text(late, lang="zh")
    counts = text.splitlines()[6]
    assert "不符合" in counts
    assert "fail" not in text
    assert "pass" not in text
    assert "not_applicable" not in text


def test_markdown_names_the_project_the_date_and_the_scope_in_words(late: Verdict) -> None:
    text = render_markdown(late)
    assert "- project: 市城市管理委员会智慧城管平台升级改造项目" in text
    assert "- as of: 2026-11-23" in text
    assert "- in scope: yes" in text
    assert "True" not in text
    assert "- Missing documents:" in text
    zh = render_markdown(late, lang="zh")
    assert "| 状态 | 规则 | 条款 | 说明 | 原文 |" in zh
    assert "| fail |" not in zh


def test_html_counts_the_findings_lists_what_is_missing_and_speaks_chinese(late: Verdict) -> None:
    page = render_html([late], lang="zh")
    assert "<th>状态</th><th>规则</th>" in page
    assert "缺少文件" in page
    assert "不符合 " in page  # the count line
    assert "as of" not in page
    assert "<td>fail</td>" not in page
    assert "Missing documents" in render_html([late])


def test_html_lists_each_stage_failures_first_and_names_one_project_once(late: Verdict) -> None:
    import re

    project = Project.from_file(Path(__file__).parents[1] / "examples" / "project.yaml")
    verdicts = [
        evaluate(project, load_pack(name), as_of=dt.date(2026, 1, 5))
        for name in ("wuhan", "zhanggong")
    ]
    page = render_html(verdicts)
    for table in re.findall(r"<table><tr><th>status.*?</table>", page, flags=re.S):
        statuses = re.findall(r'<tr class="s-(\w+)">', table)
        order = ["error", "fail", "unknown", "pass", "not_applicable"]
        assert statuses == sorted(statuses, key=order.index), statuses
    assert re.search(r'<tr class="s-fail">', page)
    name = verdicts[0].project_name
    assert name is not None
    assert page.count(name) == 1, "the project is named once, above the summary table"
    assert '<table id="summary"><tr><th>jurisdiction</th><th>status</th>' in page


def test_diff_aligns_its_columns() -> None:
    text = render_diff(diff_packs(load_pack("wuhan"), load_pack("zhanggong")))
    rows = [line for line in text.splitlines() if line.startswith("  wuhan ")]
    rows += [line for line in text.splitlines() if line.startswith("  zhanggong ")]
    starts = {width(line[: line.rindex(" ") + 1]) for line in rows}
    assert len(starts) == 1, rows


def _on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    main, secondary = pty.openpty()
    with subprocess.Popen(args, stdout=secondary, stderr=subprocess.PIPE, env=env) as process:
        os.close(secondary)
        chunks = []
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the other end closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=60)
    os.close(main)
    return b"".join(chunks).decode("utf-8")


_EVALUATE = [sys.executable, "-m", "policyengine", "evaluate", str(EXAMPLE), "--pack", "wuhan"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_terminal_gets_coloured_statuses(lang: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | {"TERM": "xterm"}
    text = _on_a_terminal([*_EVALUATE, "--lang", lang, "--as-of", "2026-11-23"], env)
    fail, headline = ("不符合", "不合规") if lang == "zh" else ("fail", "NON-COMPLIANT")
    assert f"\x1b[31m{headline}\x1b[0m" in text
    assert f"\r\n  \x1b[31m{fail}\x1b[0m " in text
    assert text.count("\x1b[") == 2 * text.count("\x1b[0m")


def test_no_colour_with_no_color_or_into_a_pipe() -> None:
    env = {**os.environ, "NO_COLOR": "1", "TERM": "xterm"}
    assert "\x1b[" not in _on_a_terminal([*_EVALUATE, "--as-of", "2026-11-23"], env)
    piped = subprocess.run(
        [*_EVALUATE, "--as-of", "2026-11-23"],
        capture_output=True,
        text=True,
        check=False,
        env={k: v for k, v in os.environ.items() if k != "NO_COLOR"},
        timeout=60,
    )
    assert "NON-COMPLIANT" in piped.stdout
    assert "\x1b[" not in piped.stdout
