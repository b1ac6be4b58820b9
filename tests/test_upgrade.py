"""Upgrading a pack from format 1 (`stages: [...]`) to format 2 (`due_from: <stage>`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from policyengine.cli import main
from policyengine.errors import PackError
from policyengine.loader import load_pack_text
from policyengine.upgrade import upgrade_text

FIXTURES = Path(__file__).parent / "fixtures"
FORMAT_1 = (FIXTURES / "format1" / "mini.yaml").read_text(encoding="utf-8")


def test_the_format_1_fixture_upgrades_to_the_format_2_fixture() -> None:
    upgraded = upgrade_text(FORMAT_1, "mini.yaml")
    assert upgraded.text == (FIXTURES / "mini.yaml").read_text(encoding="utf-8")
    assert upgraded.changes[0] == "line 3: format 1 -> 2"
    load_pack_text(upgraded.text, "mini.yaml")


def test_a_format_1_pack_is_refused_with_the_way_out() -> None:
    with pytest.raises(PackError) as info:
        load_pack_text(FORMAT_1, "old.yaml")
    messages = [str(error) for error in getattr(info.value, "errors", (info.value,))]
    assert any("format" in m and "policyengine upgrade" in m for m in messages), messages
    assert any("'stages'" in m and "due_from" in m for m in messages), messages


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("    stages: [approval, application]\n", "    due_from: application\n"),
        ("    stages: [acceptance]  # why\n", "    due_from: acceptance  # why\n"),
        ("    stages:\n      - construction\n      - approval\n", "    due_from: approval\n"),
        ("  - stages: [audit]\n", "  - due_from: audit\n"),
        ("    stages: []\n", ""),
        ("    primary: true\n", "    primary: true\n"),
    ],
)
def test_stage_lists_become_the_earliest_stage(before: str, after: str) -> None:
    assert upgrade_text(before).text == after


def test_comments_and_other_lines_are_kept_byte_for_byte() -> None:
    text = "# 第三条 reading\nformat: 1\nrules:\n  - id: r  # 注\n    stages: [audit]\r\n"
    assert upgrade_text(text).text == (
        "# 第三条 reading\nformat: 2\nrules:\n  - id: r  # 注\n    due_from: audit\r\n"
    )


def test_an_unknown_stage_is_located() -> None:
    with pytest.raises(PackError) as info:
        upgrade_text("rules:\n  - id: r\n    stages: [approval, aproval]\n", "p.yaml")
    assert info.value.code == "upgrade.unknown_stage"
    assert str(info.value.location) == "p.yaml:3:24"


def test_the_command_rewrites_in_place_and_checks_the_result(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack = tmp_path / "mini.yaml"
    pack.write_text(FORMAT_1, encoding="utf-8")
    assert main(["upgrade", str(pack), "--write"]) == 0
    assert pack.read_text(encoding="utf-8") == (FIXTURES / "mini.yaml").read_text("utf-8")
    assert "due_from: application" in capsys.readouterr().err
    broken = tmp_path / "broken.yaml"
    broken.write_text(FORMAT_1.replace("check:", "chek:", 1), encoding="utf-8")
    assert main(["upgrade", str(broken)]) == 1
    out, err = capsys.readouterr()
    assert "format: 2" in out
    assert "chek" in err
