"""Human renderings never write a project's control characters to the terminal (B20).

A project name such as "\x1b[2J…\x1b[8m" used to reach the text report raw: it could clear the
screen, retitle the window, or conceal the rest of the report, verdict included.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from policyengine import CompiledPack, Project, evaluate
from policyengine.explain import explain, render_explanation
from policyengine.html import render_html
from policyengine.render import printable, render_markdown, render_text, status_word

HOSTILE = "\x1b[2J\x1b]0;T\x07\x1b[8mALL CLEAR"
AS_OF = dt.date(2025, 6, 1)
# Every C0 and C1 control and DEL, except the newline that separates the report's own lines.
RAW_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b[31mred", "\\x1b[31mred"),
        ("bell\x07", "bell\\x07"),
        ("csi\x9b2J", "csi\\x9b2J"),
        ("nul\x00", "nul\\x00"),
        ("del\x7f", "del\\x7f"),
        ("tab\tstop", "tab stop"),
        ("two\nlines", "two\\nlines"),
        ("cr\rreturn", "cr\\rreturn"),
        ("rtl\u202eevil", "rtl\\u202eevil"),
        ("平台升级（一期）", "平台升级（一期）"),
    ],
)
def test_printable_shows_control_characters_as_escapes(text: str, shown: str) -> None:
    assert printable(text) == shown


def test_printable_keeps_newlines_only_when_asked() -> None:
    assert printable("a\nb\x1b", newlines=True) == "a\nb\\x1b"


@pytest.mark.parametrize("field", ["name", "id"])
def test_text_report_shows_a_hostile_project_text_inertly(mini: CompiledPack, field: str) -> None:
    verdict = evaluate(
        Project.from_facts({field: HOSTILE, "total_investment": "600000"}), mini, as_of=AS_OF
    )
    text = render_text(verdict)
    assert not RAW_CONTROL.search(text)
    assert "\\x1b[8mALL CLEAR" in text
    assert f"Status: {status_word(verdict.status)}" in text


def test_a_newline_in_a_name_cannot_forge_a_line_of_the_report(mini: CompiledPack) -> None:
    forged = "x\nIn scope: yes   Status: COMPLIANT"
    verdict = evaluate(
        Project.from_facts({"name": forged, "total_investment": "600000"}), mini, as_of=AS_OF
    )
    lines = render_text(verdict).splitlines()
    assert not any(line.startswith("In scope: yes   Status: COMPLIANT") for line in lines)


def test_markdown_and_html_reports_carry_no_raw_controls(mini: CompiledPack) -> None:
    verdict = evaluate(
        Project.from_facts({"name": HOSTILE, "total_investment": "600000"}), mini, as_of=AS_OF
    )
    assert not RAW_CONTROL.search(render_markdown(verdict))
    html = render_html([verdict])
    assert not RAW_CONTROL.search(html)
    assert "\\x1b[8mALL CLEAR" in html


def test_explanation_shows_a_hostile_fact_value_inertly(mini: CompiledPack) -> None:
    explanation = explain(
        Project.from_facts({"total_investment": "600000"}), mini, "mi-03-in-plan", as_of=AS_OF
    )
    hostile = explanation.model_copy(update={"facts": {"owner_name": HOSTILE + "\nforged"}})
    text = render_explanation(hostile)
    assert not RAW_CONTROL.search(text)
    assert "owner_name = \\x1b[2J" in text
    assert "\\nforged" in text


def test_json_keeps_the_exact_string(mini: CompiledPack) -> None:
    project = Project.from_facts({"name": HOSTILE})
    verdict = evaluate(project, mini, as_of=AS_OF)
    assert json.loads(verdict.to_json())["project_name"] == HOSTILE
