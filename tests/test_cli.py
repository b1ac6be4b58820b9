"""The command line, end to end in a subprocess: output, exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
MINI = str(FIXTURES / "mini.yaml")


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "policyengine", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        timeout=60,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "project.yaml"
    path.write_text(
        "name: 平台升级\nowner: {type: public_institution}\n"
        "profile: {classified: false, involves_work_secrets: false}\n"
        "money: {total_investment: '600000'}\nprocedure: {in_annual_plan: true}\n"
        "content: {items: [machine_room]}\ndocuments: [feasibility_study_report]\n",
        encoding="utf-8",
    )
    return path


def test_evaluate_text_reports_failing_articles(project: Path) -> None:
    result = cli("evaluate", str(project), "--pack", MINI, "--as-of", "2025-06-01")
    assert result.returncode == 1, result.stderr
    assert "NON-COMPLIANT" in result.stdout
    assert "mi-05-no-machine-room" in result.stdout
    assert "art. 5" in result.stdout
    assert "Traceback" not in result.stderr


def test_evaluate_chinese(project: Path) -> None:
    result = cli("evaluate", str(project), "--pack", MINI, "--lang", "zh", "--as-of", "2025-06-01")
    assert "不合规" in result.stdout
    assert "第五条" in result.stdout


def test_evaluate_json_is_parseable_and_deterministic(project: Path) -> None:
    args = ("evaluate", str(project), "--pack", MINI, "--format", "json", "--as-of", "2025-06-01")
    first, second = cli(*args), cli(*args)
    assert first.stdout == second.stdout
    (verdict,) = json.loads(first.stdout)["results"]
    assert verdict["pack_id"] == "mini"
    assert verdict["route"]["band_id"] == "approval"


def test_jsonl_batch_keeps_every_record(tmp_path: Path) -> None:
    batch = tmp_path / "batch.jsonl"
    batch.write_text(
        '{"money": {"total_investment": "1"}}\n{"money": {"total_investment": 1.5}}\n'
        'not json\n\n{"money": {"total_investment": "600000"}}\n',
        encoding="utf-8",
    )
    result = cli("evaluate", str(batch), "--pack", MINI, "--format", "json")
    records = json.loads(result.stdout)["results"]
    assert len(records) == 4
    assert [("error" in r) for r in records] == [False, False, True, False]
    assert result.returncode == 2
    assert f"{batch}:3" in result.stderr


def test_bad_pack_is_located_without_traceback(project: Path) -> None:
    bad = FIXTURES.parent / "invalid" / "unknown_name.yaml"
    result = cli("evaluate", str(project), "--pack", str(bad))
    assert result.returncode == 2
    assert f"{bad}:27:12: pack.expression: unknown name 'total_invesment'" in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_project_is_reported_with_field_path(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("money: {total_investment: -5}\n", encoding="utf-8")
    result = cli("evaluate", str(bad), "--pack", MINI)
    assert result.returncode == 2
    assert "money.total_investment: an amount must not be negative" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_file_and_bad_options_exit_2(tmp_path: Path) -> None:
    assert cli("evaluate", str(tmp_path / "none.yaml"), "--pack", MINI).returncode == 2
    assert cli("evaluate", "x.yaml", "--as-of", "yesterday").returncode == 2
    assert cli("nonsense").returncode == 2


def test_lint_accepts_a_complete_pack_and_reports_unaccounted_articles(tmp_path: Path) -> None:
    ok = cli("lint", MINI)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.strip().endswith(
        "ok (8 rules; quotes not checked: the pack names no clause list, source.clause_file)"
    )
    longer = tmp_path / "longer.yaml"
    text = Path(MINI).read_text(encoding="utf-8").replace("  articles: 6\n", "  articles: 8\n")
    longer.write_text(text, encoding="utf-8")
    result = cli("lint", str(longer))
    assert result.returncode == 1
    assert (
        "lint.article_unaccounted: articles neither encoded nor ledgered: [7, 8]" in result.stdout
    )


def test_test_command_runs_cases() -> None:
    result = cli("test", str(Path(__file__).parent / "packs" / "mini"))
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().endswith("0 failed")


def test_schema_and_facts_commands() -> None:
    schema = json.loads(cli("schema", "project").stdout)
    assert "total_investment" in schema["$defs"]["Money"]["properties"]
    facts = cli("facts").stdout
    assert "total_investment" in facts
    assert "approval_date" in facts


LINT_FIXTURES = sorted((Path(__file__).parent / "lint").glob("*.yaml"))


@pytest.mark.parametrize("path", LINT_FIXTURES, ids=lambda p: p.stem)
def test_each_lint_check_on_a_broken_pack(path: Path) -> None:
    header = path.read_text(encoding="utf-8").splitlines()[0]
    code, fragment = header.removeprefix("# lint: ").split(": ", 1)
    result = cli("lint", str(path))
    assert result.returncode == 1
    lines = [line for line in result.stdout.splitlines() if f": {code}: " in line]
    assert lines, result.stdout
    location, _, message = lines[0].partition(f": {code}: ")
    file, line, column = location.rsplit(":", 2)
    assert file == str(path)
    assert int(line) > 1
    assert int(column) >= 1
    assert fragment in message


def test_facts_of_one_pack_are_those_it_reads() -> None:
    from policyengine import load_pack

    listed = {line.split()[0] for line in cli("facts", "--pack", MINI).stdout.splitlines()}
    assert listed == set(load_pack(MINI).facts)
    assert "total_investment" in listed
    assert "approval_date" not in listed
    assert len(listed) < len(cli("facts").stdout.splitlines())


def test_explain_shows_sub_expressions_facts_and_the_quote(project: Path) -> None:
    result = cli(
        "explain",
        str(project),
        "--pack",
        MINI,
        "--rule",
        "mi-05-no-machine-room",
        "--as-of",
        "2025-06-01",
    )
    assert result.returncode == 0, result.stderr
    assert "status: fail" in result.stdout
    assert "prohibited items: machine_room" in result.stdout
    assert "第五条: 不得新建机房和专网" in result.stdout
    unknown_rule = cli("explain", str(project), "--pack", MINI, "--rule", "mi-05-no-machine")
    assert unknown_rule.returncode == 2
    assert "did you mean 'mi-05-no-machine-room'?" in unknown_rule.stderr


def test_explain_traces_every_sub_expression(project: Path) -> None:
    result = cli(
        "explain",
        str(project),
        "--pack",
        MINI,
        "--rule",
        "mi-03-in-plan",
        "--as-of",
        "2025-06-01",
        "--format",
        "json",
    )
    data = json.loads(result.stdout)
    (when, check) = data["expressions"]
    assert when["role"] == "when"
    assert [s["text"] for s in when["steps"]] == ["needs_approval"]
    assert check["steps"] == [{"depth": 0, "text": "in_annual_plan", "value": True}]


def test_thresholds_and_diff(tmp_path: Path) -> None:
    listing = cli("thresholds", MINI).stdout
    assert "approval_threshold" in listing
    assert "[500000, +inf)" in listing
    other = tmp_path / "other.yaml"
    other.write_text(
        Path(MINI)
        .read_text(encoding="utf-8")
        .replace("items: [machine_room, private_network]", "items: [machine_room, lan]"),
        encoding="utf-8",
    )
    diff = cli("diff", MINI, str(other)).stdout
    assert "only mini: private_network" in diff
    assert "only mini: lan" in diff


def test_html_report_is_self_contained(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = cli(
        "evaluate",
        str(project),
        "--pack",
        MINI,
        "--format",
        "html",
        "-o",
        str(out),
        "--as-of",
        "2025-06-01",
    )
    assert result.returncode == 1
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "不得新建机房和专网" in page
    assert "<script" not in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page


def test_compare_puts_every_jurisdiction_in_one_table() -> None:
    example = str(Path(__file__).resolve().parents[1] / "examples" / "project.yaml")
    result = cli("compare", example, "--stage", "application", "--as-of", "2026-11-23")
    assert result.returncode == 1, result.stderr  # the example fails Wuhan's articles 12 and 13
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["pack", "jurisdiction", "in"]
    rows = {line.split()[0]: line for line in lines[1:6]}
    assert list(rows) == ["wuhan", "mengyin", "zhanggong", "xiangxi", "yiyang"]
    assert "NON-COMPLIANT" in rows["wuhan"]
    assert rows["wuhan"].rstrip().endswith("art. 12, art. 13")
    assert "approval by the project approval authority" in rows["wuhan"]
    assert "OUT OF SCOPE" in rows["mengyin"]  # a municipal bureau is outside a county notice
    assert "approvers:" in lines
    chinese = cli("compare", example, "--stage", "application", "--lang", "zh").stdout
    assert "第十二条, 第十三条" in chinese


def test_text_report_writes_no_terminal_escapes_from_the_project(tmp_path: Path) -> None:
    # B20: a project name reached the terminal raw; `\x1b[8m` would conceal the status below it.
    name = "\x1b[2J\x1b]0;T\x07\x1b[8mALL CLEAR"
    path = tmp_path / "esc.json"
    path.write_text(
        json.dumps({"name": name, "money": {"total_investment": "1"}}), encoding="utf-8"
    )
    result = subprocess.run(
        [sys.executable, "-m", "policyengine", "evaluate", str(path), "--pack", MINI],
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert b"\x1b" not in result.stdout
    assert b"\x07" not in result.stdout
    assert b"Status: " in result.stdout
    assert b"\\x1b[8mALL CLEAR" in result.stdout


# --- File handling and bounded output (security review B7, B8, B16, B17, B18, B22) ---


@pytest.mark.parametrize("fmt", ["text", "jsonl"])
def test_unknown_stage_exits_2_listing_the_stages(project: Path, fmt: str) -> None:
    result = cli("evaluate", str(project), "--pack", MINI, "--stage", "bogus", "--format", fmt)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "bogus" in result.stderr
    assert "planning" in result.stderr
    assert "self_evaluation" in result.stderr


def test_json_lines_file_whose_name_is_not_utf8(tmp_path: Path) -> None:
    name = tmp_path / os.fsdecode(b"\xff.jsonl")
    name.write_text(
        '{"id": "a", "money": {"total_investment": "600000"}}\n{not json\n', encoding="utf-8"
    )
    result = cli("evaluate", str(name), "--pack", MINI, "--format", "jsonl")
    assert result.returncode == 2  # the second line is bad input
    assert "Traceback" not in result.stderr
    lines = [json.loads(line) for line in result.stdout.encode("utf-8").splitlines()]
    assert [line["source"] for line in lines] == [f"{name}:1", f"{name}:2"]
    assert "verdicts" in lines[0]
    assert lines[1]["error"]["code"] == "json.syntax"
    for fmt in ("json", "text"):
        other = cli("evaluate", str(name), "--pack", MINI, "--format", fmt)
        assert other.returncode == 2
        assert "Traceback" not in other.stderr
    report = json.loads(cli("evaluate", str(name), "--pack", MINI, "--format", "json").stdout)
    assert report["results"][1]["source"] == f"{name}:2"


@pytest.mark.parametrize("suffix", [".jsonl", ".yaml"])
def test_output_naming_an_input_is_refused_before_anything_is_written(
    project: Path, tmp_path: Path, suffix: str
) -> None:
    source = project if suffix == ".yaml" else tmp_path / "in.jsonl"
    if suffix == ".jsonl":
        source.write_text('{"id": "a"}\n', encoding="utf-8")
    before = source.read_bytes()
    link = tmp_path / f"link{suffix}"
    link.symlink_to(source)
    for output in (str(source), str(link)):
        result = cli("evaluate", str(source), "--pack", MINI, "--format", "jsonl", "-o", output)
        assert result.returncode == 2
        assert "cli.usage" in result.stderr
        assert source.read_bytes() == before


def test_output_naming_the_pack_is_refused(project: Path, tmp_path: Path) -> None:
    pack = tmp_path / "pack.yaml"
    pack.write_text(Path(MINI).read_text(encoding="utf-8"), encoding="utf-8")
    before = pack.read_bytes()
    result = cli("evaluate", str(project), "--pack", str(pack), "-o", str(pack))
    assert result.returncode == 2
    assert "cli.usage" in result.stderr
    assert pack.read_bytes() == before


def test_a_failed_run_leaves_an_earlier_output_as_it_was(tmp_path: Path) -> None:
    from policyengine.cli import _Output

    out = tmp_path / "report.txt"
    out.write_text("earlier report\n", encoding="utf-8")
    out.chmod(0o640)

    def interrupted() -> None:
        with _Output(str(out)) as output:
            output.write("half a new report")
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    assert out.read_text(encoding="utf-8") == "earlier report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.txt"]
    with _Output(str(out)) as output:
        output.write("new report")
    assert out.read_text(encoding="utf-8") == "new report\n"
    assert out.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.txt"]


def test_an_error_with_many_issues_is_echoed_shortly(tmp_path: Path) -> None:
    batch = tmp_path / "many.jsonl"
    batch.write_text(json.dumps({f"fact_{i}": 1 for i in range(5000)}) + "\n", encoding="utf-8")
    result = cli("evaluate", str(batch), "--pack", MINI, "--format", "jsonl")
    assert result.returncode == 2
    assert len(result.stderr) < 10_000
    assert "... and 4,980 more" in result.stderr
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["error"]["issue_count"] == 5000
    assert len(record["error"]["issues"]) == 20


def test_echoed_messages_are_truncated(capsys: pytest.CaptureFixture[str]) -> None:
    from policyengine.cli import MAX_ECHO_CHARS, _echo

    _echo("x" * 1_000_000)
    err = capsys.readouterr().err
    assert len(err) < MAX_ECHO_CHARS + 100
    assert err.rstrip().endswith("(996,000 more characters)")


@pytest.mark.parametrize(
    ("name", "text", "code"),
    [
        ("big.json", '{"procedure": {"plan_year": ' + "9" * 5000 + "}}", "json.bad_number"),
        ("deep.json", '{"name": ' + "[" * 985 + "]" * 985 + "}", "json.too_deep"),
        ("deeper.json", '{"name": ' + "[" * 100_000 + "]" * 100_000 + "}", "json.too_deep"),
        ("hex.yaml", "name: x\nprocedure: {plan_year: 0x" + "f" * 4000 + "}\n", None),
    ],
)
def test_hostile_project_files_exit_2_without_traceback(
    tmp_path: Path, name: str, text: str, code: str | None
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = cli("evaluate", str(path), "--pack", MINI, "--as-of", "2025-06-01")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    if code is not None:
        assert f"{path}:1:" in result.stderr
        assert code in result.stderr


def test_test_command_reads_at_most_the_size_limit() -> None:
    result = cli("test", "/dev/zero")
    assert result.returncode == 2
    assert "yaml.too_large" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("facts", "policy", "code"),
    [
        # Incomplete (the plan inclusion and more are unknown): a failure only when asked.
        ("", "non_compliant", 0),
        ("", "incomplete", 1),
        ("", "warning", 1),
        # Non-compliant (a new machine room): a failure under every policy.
        ("content: {items: [machine_room]}\n", "non_compliant", 1),
    ],
)
def test_fail_on_sets_which_verdicts_exit_1(
    tmp_path: Path, facts: str, policy: str, code: int
) -> None:
    project = tmp_path / "p.yaml"
    project.write_text(
        "owner: {type: public_institution}\n"
        "profile: {classified: false, involves_work_secrets: false}\n"
        "money: {total_investment: '600000'}\n" + facts,
        encoding="utf-8",
    )
    for command in ("evaluate", "compare"):
        args = [command, str(project), "--pack", MINI, "--as-of", "2025-06-01"]
        result = cli(*args, "--fail-on", policy)
        assert result.returncode == code, (command, result.stdout, result.stderr)


def test_fail_on_warning_fails_a_compliant_verdict_with_a_failed_warning() -> None:
    from policyengine.cli import _fails
    from policyengine.verdict import OverallStatus

    assert not _fails(OverallStatus.COMPLIANT, True, "incomplete")
    assert _fails(OverallStatus.COMPLIANT, True, "warning")
    assert not _fails(OverallStatus.COMPLIANT, False, "warning")
    assert not _fails(OverallStatus.OUT_OF_SCOPE, True, "warning")


def test_a_closed_pipe_ends_the_command_quietly() -> None:
    listing = subprocess.run(
        f"{sys.executable} -m policyengine facts | head -1",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
    )
    assert listing.stdout.startswith("documents")
    assert "Broken pipe" not in listing.stderr


def test_a_missing_project_file_is_named_once_with_a_fitting_hint(tmp_path: Path) -> None:
    result = cli("evaluate", str(tmp_path / "nope.yaml"), "--pack", MINI)
    assert result.returncode == 2
    first = result.stderr.splitlines()[0]
    assert first.count("nope.yaml") == 1
    assert "project.unreadable" in first
    assert "(got None)" not in result.stderr
    assert "fix the fields" not in result.stderr
    assert "check the path" in result.stderr


def test_test_without_paths_outside_a_pack_repository_says_what_to_give(tmp_path: Path) -> None:
    result = cli("test", cwd=tmp_path)
    assert result.returncode == 2
    assert "no tests/packs here" in result.stderr
    assert "hint: name the case files" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "document",
    ['{\n  "name": "x"\n}\n', "name: x\nstage: application\nowner: {type: school}\n"],
    ids=["pretty-printed JSON", "YAML"],
)
def test_a_document_on_stdin_that_is_not_json_lines_gives_one_error(document: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "policyengine", "evaluate", "-", "--pack", MINI],
        input=document,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == (
        "<stdin>:1: project.not_json_lines: standard input must be JSON Lines, one project per "
        "line, and its first line is not a JSON document"
    )
    assert lines[1].startswith("  hint: give a YAML or multi-line JSON project as a file name")
    assert len(lines) == 2, result.stderr


def test_a_bad_later_line_on_stdin_rejects_only_that_record() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "policyengine",
            "evaluate",
            "-",
            "--pack",
            MINI,
            "--format",
            "jsonl",
        ],
        input='{"name": "a"}\n{bad\n{"name": "c"}\n',
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [("error" in record) for record in records] == [False, True, False]
    assert records[1]["error"]["code"] == "json.syntax"


def test_lint_of_a_pack_with_a_clause_list_says_plainly_ok() -> None:
    result = cli("lint", "wuhan")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("wuhan.yaml: ok (55 rules)")
