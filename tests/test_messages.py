"""Messages in the words of packs and projects: input -> exact message and hint.

Pydantic's own wording ("Value error, ", a regular expression, every member of a vocabulary)
and another language's syntax (`true`, `null`, `&&`, `50万`) each get a sentence an author or a
form builder can act on.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from policyengine import PackError, Project, ProjectError
from policyengine.loader import load_pack_text

MINI = (Path(__file__).parent / "fixtures" / "mini.yaml").read_text(encoding="utf-8")


def _pack_error(old: str, new: str) -> PackError:
    assert old in MINI
    with pytest.raises(PackError) as info:
        load_pack_text(MINI.replace(old, new, 1), "mini.yaml")
    errors = getattr(info.value, "errors", (info.value,))
    assert len(errors) == 1, str(info.value)
    return errors[0]


@pytest.mark.parametrize(
    ("old", "new", "message", "hint"),
    [
        (
            '"in_annual_plan"',
            '"in_annual_plan == true"',
            "unknown name 'true' (column 19 of the expression)",
            "write True (capital T); a fact that must hold is written alone: `in_annual_plan`",
        ),
        (
            '"in_annual_plan"',
            '"total_investment == null"',
            "unknown name 'null' (column 21 of the expression)",
            "to test whether a fact is known, use known(x); not known(x) for unknown",
        ),
        (
            '"in_annual_plan"',
            '"in_annual_plan = True"',
            "invalid syntax (column 16 of the expression)",
            "compare with == (a single = assigns, which is not allowed)",
        ),
        (
            '"in_annual_plan"',
            '"in_annual_plan && classified"',
            "invalid syntax (column 17 of the expression)",
            "write `and` and `or` instead of && and ||",
        ),
        (
            '"in_annual_plan"',
            '"total_investment >= 50万"',
            "invalid syntax (column 23 of the expression)",
            "write amounts in yuan without units: 50万 is 500000",
        ),
        (
            '"in_annual_plan"',
            '"in_annual_plan and (classified"',
            "invalid syntax: '(' was never closed (column 20 of the expression)",
            "expressions use Python syntax: and, or, not, ==, >=, in, f(x, ...)",
        ),
    ],
)
def test_expression_mistakes_get_a_tailored_hint(
    old: str, new: str, message: str, hint: str
) -> None:
    error = _pack_error(old, new)
    assert error.code == "pack.expression"
    assert error.message == message
    assert error.hint == hint


@pytest.mark.parametrize(
    ("old", "new", "message", "hint"),
    [
        (
            "value: 500000\n",
            "value: 50万\n",
            "thresholds/approval_threshold/value: Input should be a valid decimal",
            "write the number in yuan, without a unit: 50万 is 500000",
        ),
        (
            "value: 500000\n",
            "value: 1.5亿元\n",
            "thresholds/approval_threshold/value: Input should be a valid decimal",
            "write the number in yuan, without a unit: 1.5亿元 is 150000000",
        ),
        (
            "id: mini\n",
            "id: Demo 02\n",
            "id: must be lower-case letters, digits and _, starting with a letter "
            "(e.g. 'hubei_city')",
            None,
        ),
        (
            "id: mi-03-in-plan\n",
            "id: MI 03\n",
            "rules/0/id: must be lower-case letters, digits, _, . and -, starting with a letter "
            "(e.g. 'wh-08-approval'); no spaces or capitals",
            None,
        ),
        (
            "level: municipal\n",
            "level: municpal\n",
            "level: Input should be 'provincial', 'municipal', 'prefecture', 'district', "
            "'county' or 'township'; did you mean 'municipal'?",
            None,
        ),
        (
            "        min: 0\n        min_inclusive: true\n",
            "        min: 0\n",
            "decision_tables/0/bands/0: 'min' is set, so 'min_inclusive' must be stated",
            None,
        ),
    ],
)
def test_pack_value_errors_speak_of_the_pack(
    old: str, new: str, message: str, hint: str | None
) -> None:
    error = _pack_error(old, new)
    assert error.code == "pack.invalid_value"
    assert error.message == message
    assert error.hint == hint


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"owner": {"type": "administrativ_organ"}},
            "Input should be 'party_government_organ', 'administrative_organ', "
            "'authorised_organisation', 'public_institution', 'state_owned_enterprise', "
            "'school', 'medical_institution', 'township_street' or 'other'; "
            "did you mean 'administrative_organ'?",
        ),
        (
            {"stage": "aproval"},
            "Input should be 'planning', 'application', 'evaluation', 'approval', "
            "'procurement', 'construction', 'change', 'acceptance', 'operation', "
            "'self_evaluation' or 'audit'; did you mean 'approval'?",
        ),
        (
            {"content": {"items": ["machine_rom"]}},
            "not one of the 44 allowed values; did you mean 'machine_room'?",
        ),
        (
            {"owner": {"type": "ministry"}},
            "Input should be 'party_government_organ', 'administrative_organ', "
            "'authorised_organisation', 'public_institution', 'state_owned_enterprise', "
            "'school', 'medical_institution', 'township_street' or 'other'",
        ),
    ],
)
def test_project_vocabulary_errors_suggest_the_closest_member(
    data: dict[str, object], message: str
) -> None:
    with pytest.raises(ProjectError) as info:
        Project.from_mapping({"name": "x", **data})
    (issue,) = info.value.issues
    assert issue.msg == message


def test_a_long_vocabulary_without_a_close_member_is_cut_short() -> None:
    from policyengine._messages import MAX_LISTED, plain_message

    members = [f"'member_{n}'" for n in range(MAX_LISTED + 5)]
    expected = ", ".join(members[:-1]) + " or " + members[-1]
    error = {"type": "enum", "msg": "long", "input": "zzz", "ctx": {"expected": expected}}
    message = plain_message(error)
    assert message.startswith(f"not one of the {MAX_LISTED + 5} allowed values: 'member_0', ")
    assert "'member_11', ... (`policyengine schema` lists them all)" in message
    assert "member_12" not in message
