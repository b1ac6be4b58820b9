"""The `policyengine` command: a thin front end over the library.

Exit codes: 0 success; 1 a non-compliant verdict, a failing test case or a lint finding;
2 bad input (an unreadable pack or project, a bad option). No traceback reaches the user.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from . import __version__
from ._yaml import iter_json_lines, read_file
from .batch import (
    BatchResult,
    JsonLine,
    Record,
    evaluate_many,
    evaluation_document,
    write_json_lines,
)
from .compact import compact_json, rule_table
from .errors import PolicyEngineError
from .evaluator import evaluate
from .facts import FACTS, fact_place, fact_table
from .loader import CompiledPack, load_pack, load_pack_text, pack_names
from .project import Project
from .render import cite, columns, pad, render_markdown, render_text, status_word, width
from .rows import csv_projects
from .schemas import SCHEMAS, schema_text
from .upgrade import upgrade_text
from .verdict import OverallStatus, Status, Verdict
from .vocabulary import Stage

if TYPE_CHECKING:
    from .lint import LintReport
    from .testing import CaseReport

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2

# The modules of the rarer commands (diff, explain, html, lint, test) are imported by their
# handlers: a cold `policyengine evaluate` should pay only for what it uses.


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"policyengine: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        code: int = args.handler(args)
        return code
    except PolicyEngineError as exc:
        _echo(str(exc))
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader stopped reading (`| head`): nothing is wrong, and nothing more to say.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:
        print(f"policyengine: {exc.strerror or exc}: {exc.filename or ''}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="policyengine",
        description="Evaluate e-government IT projects against policy packs (regulations as "
        "data), and author, lint and test the packs.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"policyengine {__version__}")
    sub = parser.add_subparsers(metavar="COMMAND")

    ev = sub.add_parser("evaluate", help="evaluate projects against packs")
    ev.add_argument(
        "projects",
        nargs="+",
        metavar="PROJECT",
        help="YAML, JSON, JSON Lines (.jsonl) or CSV (.csv, a header row of fact names, one "
        "project a row) files; - reads JSON Lines from standard input",
    )
    ev.add_argument(
        "--pack",
        action="append",
        metavar="P",
        help="pack name or file (repeatable; default: every installed pack)",
    )
    _common(ev)
    ev.add_argument(
        "--format",
        choices=("text", "json", "compact", "jsonl", "markdown", "html"),
        default="text",
        help="jsonl streams one line per project (for batches); compact refers to the pack's "
        "rule table (policyengine rules) instead of repeating it",
    )
    ev.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    ev.add_argument(
        "--workers", type=int, default=1, metavar="N", help="evaluate in N processes (default 1)"
    )
    ev.add_argument(
        "--resume",
        action="store_true",
        help="with --format jsonl --output FILE: skip the records FILE already holds",
    )
    _fail_on_option(ev)
    ev.add_argument("--all", action="store_true", help="text: list passing rules too")
    ev.add_argument(
        "--summary",
        action="store_true",
        help="jsonl: at the end, print to stderr how many records were written and rejected",
    )
    ev.set_defaults(handler=_cmd_evaluate)

    cmp_ = sub.add_parser("compare", help="one project against several packs, side by side")
    cmp_.add_argument("project", metavar="PROJECT", help="a project file (YAML or JSON)")
    cmp_.add_argument(
        "--pack",
        action="append",
        metavar="P",
        help="pack name or file (repeatable; default: every installed pack)",
    )
    _common(cmp_)
    _fail_on_option(cmp_)
    cmp_.set_defaults(handler=_cmd_compare)

    exp = sub.add_parser("explain", help="why a rule gave its answer for a project")
    exp.add_argument("project", metavar="PROJECT", help="a project file (YAML or JSON)")
    exp.add_argument("--pack", required=True, metavar="P", help="pack name or file")
    exp.add_argument(
        "--rule",
        required=True,
        metavar="ID",
        help="the rule's id, as a verdict or `policyengine rules PACK` shows it",
    )
    exp.add_argument(
        "--as-of",
        type=_date,
        metavar="YYYY-MM-DD",
        help="evaluation date for deadlines (default: today)",
    )
    _lang_option(exp)
    exp.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="json: the condition tree with the value of every fact it read",
    )
    exp.set_defaults(handler=_cmd_explain)

    dif = sub.add_parser("diff", help="what differs between two packs")
    dif.add_argument("pack_a", metavar="PACK_A", help="pack name or file")
    dif.add_argument("pack_b", metavar="PACK_B", help="pack name or file")
    dif.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="json: the same differences as one document",
    )
    dif.set_defaults(handler=_cmd_diff)

    thr = sub.add_parser("thresholds", help="list a pack's thresholds and decision tables")
    thr.add_argument("pack", metavar="PACK", help="pack name or file")
    _format_option(thr)
    thr.set_defaults(handler=_cmd_thresholds)

    lint = sub.add_parser(
        "lint",
        help="load packs and check how they read the law",
        description="Load each pack and check it beyond loading: every article cited or "
        "ledgered, citations within the source, unused thresholds, conditions that cannot vary "
        "or hold, duplicates, outcomes not read, severities against the quote's modal words. "
        "With a clause list (source.clause_file) also that every quote is in the clauses it "
        "cites and every normative clause is accounted for; without one, quotes are not "
        "checked, and `ok` says so. Exit 1 on any finding.",
    )
    lint.add_argument(
        "packs",
        nargs="*",
        metavar="PACK",
        help="pack names, files or directories (default: every installed pack)",
    )
    _format_option(lint)
    _ci_options(lint)
    lint.set_defaults(handler=_cmd_lint)

    cov = sub.add_parser(
        "coverage", help="how packs account for the normative clauses of their sources"
    )
    cov.add_argument(
        "packs",
        nargs="*",
        metavar="PACK",
        help="pack names, files or directories (default: every installed pack)",
    )
    cov.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help="json: one object per pack and line: clauses, accounted, unaccounted, ...",
    )
    cov.set_defaults(handler=_cmd_coverage)

    test = sub.add_parser("test", help="run YAML test cases")
    test.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        default=[],
        help="case files or directories (default: tests/packs, as laid out in a pack's repository)",
    )
    test.add_argument(
        "--no-coverage", dest="coverage", action="store_false", help="do not print rule coverage"
    )
    _format_option(test)
    _ci_options(test)
    test.set_defaults(handler=_cmd_test)

    mut = sub.add_parser(
        "mutate",
        help="mutation testing: would the cases notice a wrong reading of the law?",
        description="Run each pack's cases against every mutant of the pack (a boundary "
        "flipped, a threshold moved, a comparison, connective or negation altered, a list "
        "member, exclusion or exception dropped, a severity lowered, a stage or period moved) "
        "and report the mutants no case kills, by clause. Exit 1 when --min-score is not met, "
        "or with --strict when a threshold, boundary or list mutant survives.",
    )
    mut.add_argument("packs", nargs="+", metavar="PACK", help="pack names or files")
    mut.add_argument(
        "--cases",
        action="append",
        metavar="DIR",
        help="case files or directories, repeatable (default: tests/packs/<pack id>/, its "
        "blind/ cases included)",
    )
    mut.add_argument(
        "--jobs", type=_positive, metavar="N", help="worker processes (default: one per core)"
    )
    mut.add_argument(
        "--no-cache",
        dest="cache",
        action="store_false",
        help="neither read nor write .policyengine-cache/mutate/",
    )
    mut.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help="json: the same report as one document",
    )
    mut.add_argument(
        "--summary",
        action="store_true",
        help="text: only the table of counts and scores, not the survivors",
    )
    mut.add_argument(
        "--min-score", type=_fraction, metavar="X", help="exit 1 if a pack scores below X (0-1)"
    )
    mut.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 if a threshold, band or list mutant survives",
    )
    mut.set_defaults(handler=_cmd_mutate)

    xpl = sub.add_parser(
        "explore",
        help="write a static site to review a pack clause by clause",
        description="Write into DIR a self-contained site (no network; open index.html from "
        "disk): every clause of the pack's source beside the rules, thresholds, tables, scope "
        "and ledger entries that encode it, the author and blind cases that exercise it, and "
        "the mutants of its reading that no case kills, with a search box. Mutants come from "
        "the cache of an earlier `policyengine mutate` run (else: not measured) or, with "
        "--mutate, from a run made now.",
    )
    xpl.add_argument("pack", metavar="PACK", help="pack name or file (with a clause list)")
    xpl.add_argument(
        "--output",
        "-o",
        required=True,
        metavar="DIR",
        help="a new or empty directory, or one an earlier explore wrote (its pages are replaced)",
    )
    xpl.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the site")
    xpl.add_argument(
        "--cases",
        action="append",
        metavar="DIR",
        help="case files or directories, repeatable (default: tests/packs/<pack id>/, its "
        "blind/ cases included)",
    )
    xpl.add_argument(
        "--mutate",
        action="store_true",
        help="run mutation testing now (minutes; reuses and updates the cache)",
    )
    xpl.add_argument(
        "--jobs",
        type=_positive,
        metavar="N",
        help="--mutate: worker processes (default: one per core)",
    )
    xpl.add_argument(
        "--no-cache",
        dest="cache",
        action="store_false",
        help="neither read nor write .policyengine-cache/mutate/ (without --mutate: mutants "
        "not measured)",
    )
    xpl.set_defaults(handler=_cmd_explore)

    packs = sub.add_parser(
        "packs",
        help="list the packs loadable by name, and where each comes from",
        description="List every pack loadable by name: the bundled ones, then those that "
        "installed distributions declare in the entry-point group policyengine.packs "
        "(docs/plugins.md), with the distribution and the pack file. Exit 2 if a plugin clashes "
        "with another pack or its entry point is broken.",
    )
    packs.set_defaults(handler=_cmd_packs)

    new = sub.add_parser(
        "new-pack",
        help="write the repository of a new pack, published as a plugin",
        description="Write a repository that publishes a pack as a plugin distribution: "
        "pyproject.toml declaring the entry point, a minimal pack that loads and lints clean, a "
        "placeholder source text and clause list to replace, YAML cases, a README and CI "
        "(docs/plugins.md). An existing non-empty directory is refused.",
    )
    new.add_argument("name", metavar="NAME", help="the pack's id, e.g. hunan")
    new.add_argument(
        "--output",
        "-o",
        metavar="DIR",
        help="the directory to write (default: policyengine-pack-NAME)",
    )
    new.set_defaults(handler=_cmd_new_pack)

    facts = sub.add_parser("facts", help="list the facts expressions may read")
    _format_option(facts)
    facts.add_argument(
        "--pack",
        metavar="P",
        help="only the facts this pack reads (name or file): what a form for it must ask",
    )
    facts.set_defaults(handler=_cmd_facts)

    rules = sub.add_parser(
        "rules",
        help="a pack's rule table (JSON), which compact verdicts refer to",
        description="Print, as JSON, what every finding of each rule and every decision of each "
        "table of a pack shares (title, citation, severity, message, the facts it reads): the "
        "table a compact verdict (evaluate --format compact) refers to by id.",
    )
    rules.add_argument("pack", metavar="PACK", help="pack name or file")
    rules.set_defaults(handler=_cmd_rules)

    upg = sub.add_parser(
        "upgrade",
        help="rewrite a format 1 pack as format 2, keeping its comments",
        description="Rewrite each PACK file from pack format 1 to format 2: `stages: [...]` "
        "becomes `due_from: <the earliest stage listed>`. Prints the new text of one file, or "
        "with --write replaces each file. The upgraded text is then loaded; a pack that still "
        "fails to load exits 1 with the error.",
    )
    upg.add_argument("paths", nargs="+", metavar="PACK", help="pack files (YAML)")
    upg.add_argument("--write", action="store_true", help="replace each file in place")
    upg.set_defaults(handler=_cmd_upgrade)

    srv = sub.add_parser(
        "serve",
        help="a decision service over HTTP (needs the 'serve' extra)",
        description="Serve the library over HTTP (docs/serve.md): POST /v1/evaluate, /v1/decide, "
        "/v1/explain, /v1/compare; GET /v1/packs, /v1/packs/{id}, /v1/facts, /healthz; the "
        "OpenAPI document at /openapi.json. Packs are loaded at start; SIGHUP reloads them "
        "(a pack that fails to load keeps the old ones) and reopens the decision log. Needs "
        "the 'serve' extra: pip install 'egov-policyengine[serve]'.",
    )
    srv.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    srv.add_argument(
        "--port",
        type=_port,
        default=8000,
        help="port to listen on; 0: any free port (default 8000)",
    )
    srv.add_argument(
        "--pack",
        action="append",
        metavar="P",
        help="pack name or file to serve (repeatable; default: every bundled pack)",
    )
    srv.add_argument(
        "--max-body-bytes",
        type=_positive,
        default=1024 * 1024,
        metavar="N",
        help="refuse request bodies larger than N bytes with 413 (default 1048576)",
    )
    srv.add_argument(
        "--timeout",
        type=_seconds,
        default=10.0,
        metavar="SECONDS",
        help="answer 503 to a request still running after SECONDS (default 10)",
    )
    srv.add_argument(
        "--decision-log",
        metavar="FILE",
        help="append one JSON line per decision request to FILE (time, request id, project "
        "hash, packs and versions, status)",
    )
    srv.set_defaults(handler=_cmd_serve)

    comp = sub.add_parser(
        "completion",
        help="print a shell completion script (bash or zsh)",
        description="Print a completion script for the commands and options of this version. "
        'bash: eval "$(policyengine completion bash)" in ~/.bashrc; zsh: eval '
        '"$(policyengine completion zsh)" in ~/.zshrc.',
    )
    comp.add_argument("shell", choices=("bash", "zsh"), help="the shell to complete in")
    comp.set_defaults(handler=_cmd_completion)

    schema = sub.add_parser(
        "schema",
        help="print a JSON Schema (pack, project, verdict, ...)",
        description="Print the JSON Schema of an input (pack, project) or of a JSON output: "
        + ", ".join(SCHEMAS)
        + ". Each has an $id naming it and its version.",
    )
    schema.add_argument(
        "name",
        nargs="?",
        choices=SCHEMAS,
        default="pack",
        metavar="NAME",
        help="the schema to print (default: pack): " + ", ".join(SCHEMAS),
    )
    schema.add_argument("--write", metavar="DIR", help="write every schema into DIR instead")
    schema.set_defaults(handler=_cmd_schema)

    val = sub.add_parser(
        "validate",
        help="check JSON outputs against their schemas",
        description="Check each FILE (JSON, or JSON Lines: one document per line) against the "
        "schema of the format each document states (`format`, `format_version`), or against "
        "--schema NAME. Exit 1 if a document is invalid.",
    )
    val.add_argument("files", nargs="+", metavar="FILE", help="JSON or JSON Lines; - reads stdin")
    val.add_argument(
        "--schema", choices=SCHEMAS, metavar="NAME", help="the schema to check against"
    )
    val.set_defaults(handler=_cmd_validate)
    return parser


_EPILOG = """\
examples:
  policyengine evaluate examples/project.yaml --pack wuhan --stage application
  policyengine compare examples/project.yaml --stage application
  policyengine explain examples/project.yaml --pack wuhan --rule wh-12-no-new-infrastructure
  policyengine evaluate projects.jsonl --format jsonl --stage application -o verdicts.jsonl
  policyengine lint my_pack.yaml && policyengine test tests/packs

exit codes:
  0  success: compliant, out of scope, every case passed, no lint finding
  1  a non-compliant verdict (or per --fail-on), a failing case, a lint finding
  2  bad input: an unreadable or invalid pack or project, a bad option

`policyengine COMMAND --help` describes each command; `policyengine completion bash` prints a
shell completion script."""


def _format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="json: one document, described by its schema (policyengine schema)",
    )


def _ci_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--junit", metavar="FILE", help="also write the results as JUnit XML to FILE"
    )
    parser.add_argument(
        "--sarif",
        metavar="FILE",
        help="also write the problems as SARIF 2.1.0 to FILE, located in the pack or case files",
    )


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stage",
        choices=[stage.value for stage in Stage],
        metavar="STAGE",
        help="evaluate the duties due by this stage (default: the project's stage, else the "
        "latest stage of its steps, else every stage): "
        + ", ".join(stage.value for stage in Stage),
    )
    parser.add_argument(
        "--as-of",
        type=_date,
        metavar="YYYY-MM-DD",
        help="evaluation date for deadlines (default: today)",
    )
    _lang_option(parser)


def _lang_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lang",
        choices=("en", "zh"),
        default="en",
        help="language of the report: en (default) or zh",
    )


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (YYYY-MM-DD)") from None


def _packs(refs: Sequence[str] | None) -> list[CompiledPack]:
    return [load_pack(ref) for ref in (refs or pack_names())]


def _records(paths: Sequence[str]) -> Iterator[Record]:
    """Every input record, lazily: each file is one project; each JSON Lines line and each
    CSV row is one."""
    for name in paths:
        if name == "-":  # JSON Lines on standard input
            yield from _stdin_records()
            continue
        path = Path(name)
        if path.suffix.lower() == ".csv":
            try:
                yield from csv_projects(path)
            except OSError as exc:
                yield str(path), _unreadable(path, exc)
            continue
        if path.suffix.lower() == ".jsonl":
            try:
                handle = path.open("rb")
            except OSError as exc:
                yield str(path), _unreadable(path, exc)
                continue
            with handle:
                for line, record in iter_json_lines(handle, str(path)):
                    yield f"{path}:{line}", _json_line(record, str(path), line)
            continue
        try:
            yield str(path), Project.from_file(path)
        except PolicyEngineError as exc:
            yield str(path), exc
        except OSError as exc:
            yield str(path), _unreadable(path, exc)


def _stdin_records() -> Iterator[Record]:
    """JSON Lines from standard input. A first line that is no JSON document stops the stream
    with one error: a pretty-printed or YAML document would otherwise fail once per line."""
    first = True
    for line, record in iter_json_lines(sys.stdin.buffer, "<stdin>"):
        if first and isinstance(record, str) and not _is_json(record):
            yield f"<stdin>:{line}", _not_json_lines()
            return
        first = False  # later lines are parsed where they are evaluated, one rejected per line
        yield f"<stdin>:{line}", _json_line(record, "<stdin>", line)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _not_json_lines() -> PolicyEngineError:
    return PolicyEngineError(
        "standard input must be JSON Lines, one project per line, and its first line is not "
        "a JSON document",
        code="project.not_json_lines",
        hint="give a YAML or multi-line JSON project as a file name, or put it on one line: "
        "jq -c . project.json | policyengine evaluate -",
    )


def _json_line(record: str | PolicyEngineError, name: str, line: int) -> Any:
    return record if isinstance(record, PolicyEngineError) else JsonLine(name, line, record)


def _unreadable(path: Path, exc: OSError) -> PolicyEngineError:
    # The record's source already names the file; nothing about its fields is known.
    return PolicyEngineError(
        f"cannot read the project file: {exc.strerror or exc}",
        code="project.unreadable",
        hint="check the path and its permissions; '-' reads JSON Lines from standard input",
    )


def _cmd_evaluate(args: argparse.Namespace) -> int:
    packs = _packs(args.pack)
    if args.resume and (args.format != "jsonl" or not args.output):
        raise UsageError("--resume needs --format jsonl and --output FILE")
    if args.output:
        _refuse_input_as_output(args.output, [*args.projects, *(pack.path for pack in packs)])
    skip = _completed(Path(args.output)) if args.resume else frozenset()
    with _Output(args.output, append=bool(args.resume)) as out:
        return _evaluate_into(out, args, packs, skip)


def _evaluate_into(
    out: _Output, args: argparse.Namespace, packs: Sequence[CompiledPack], skip: frozenset[int]
) -> int:
    progress = _Progress(sys.stderr)
    worst = EXIT_OK
    collected: list[Any] = []
    colour = _text_colour(args)
    options: dict[str, Any] = {
        "stage": args.stage,
        "as_of": args.as_of,
        "workers": args.workers,
        "skip": skip,
    }
    if args.format == "jsonl":
        # Lines go straight to the output; what comes back is each record's status or error.
        written = write_json_lines(_records(args.projects), packs, out.handle, **options)
        tally = {"records": 0, "errors": 0, "non_compliant": 0}
        for result in progress.track(written):
            tally["records"] += 1
            if not result.ok:
                tally["errors"] += 1
                _echo(_located(result))
                worst = max(worst, EXIT_USAGE)
            else:
                if OverallStatus.NON_COMPLIANT in result.statuses:
                    tally["non_compliant"] += 1
                if any(_fails(s, result.warned, args.fail_on) for s in result.statuses):
                    worst = max(worst, EXIT_FAIL)
        progress.done()
        if args.summary:
            print(
                f"policyengine: {tally['records']} records written, {tally['errors']} rejected, "
                f"{tally['non_compliant']} non-compliant in some pack",
                file=sys.stderr,
            )
        return worst
    results = evaluate_many(_records(args.projects), packs, **options)
    by_id = {pack.spec.id: pack for pack in packs}
    for result in progress.track(results):
        if not result.ok:
            _echo(_located(result))
            worst = max(worst, EXIT_USAGE)
            if args.format in ("json", "compact"):
                collected.append(result.error_record())
            continue
        for verdict in result.verdicts:
            if _fails(verdict.status, bool(verdict.failed), args.fail_on):
                worst = max(worst, EXIT_FAIL)
            style = verdict.source.citation_style
            if args.format == "json":
                collected.append(json.loads(verdict.to_json()))
            elif args.format == "compact":
                collected.append(json.loads(compact_json(verdict, by_id[verdict.pack_id])))
            elif args.format == "html":
                collected.append(verdict)
            elif args.format == "markdown":
                out.write(render_markdown(verdict, lang=args.lang, style=style))
            else:
                text = render_text(
                    verdict,
                    lang=args.lang,
                    style=style,
                    show_passes=args.all,
                    max_width=None if args.output else _terminal_width(),
                )
                out.write((colour(text, args.lang) if colour else text) + "\n")
    progress.done()
    if args.format == "json":
        out.write(json.dumps(evaluation_document(collected), ensure_ascii=False, indent=2))
    elif args.format == "compact":
        document = evaluation_document(collected, compact=True)
        out.write(json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n")
    elif args.format == "html":
        from .html import render_html

        out.write(render_html(collected, lang=args.lang))
    return worst


def _refuse_input_as_output(output: str, inputs: Sequence[str]) -> None:
    """Refuse an --output that is also an input or a pack: opening it would destroy it."""
    for name in inputs:
        if name == "-":
            continue
        try:
            same = os.path.samefile(output, name)
        except OSError:  # one of them does not exist (yet), or is not a file: not the same
            continue
        if same:
            raise UsageError(
                f"--output {output} is the input {name}; writing the report would destroy it",
                hint="write the report to another file",
            )


# The start of every line `evaluate --format jsonl` writes: verdict lines are compact, error
# lines have a space after the colon. Only this is read back, never the whole line, so a line
# that a JSON reader would refuse (or take long to parse) does not stop a resumed run.
_INDEX = re.compile(rb'\{"index": ?(\d{1,18}),')
_INDEX_START = b'{"index":'


def _completed(path: Path) -> frozenset[int]:
    """Indexes already written to a JSON Lines output; a torn last line is cut off in place.

    The file is read line by line and cut with a truncate, not rewritten: an interrupted resume
    loses at most the torn record, never the earlier results.
    """
    try:
        handle = path.open("r+b")
    except FileNotFoundError:
        return frozenset()
    done: set[int] = set()
    end = 0
    with handle:
        for line in handle:
            match = _INDEX.match(line)
            if not line.endswith(b"\n") and (match or _INDEX_START.startswith(line[:9])):
                # The run was interrupted mid-line: drop the partial record, it will be redone.
                handle.truncate(end)
                break
            if match is None:
                raise UsageError(f"{path} is not an output of `evaluate --format jsonl`")
            done.add(int(match.group(1)))
            end += len(line)
    return frozenset(done)


class UsageError(PolicyEngineError):
    """A command-line usage error."""

    code = "cli.usage"


class _Output:
    """stdout, or the file given with --output; UTF-8, one record or report per write.

    A new output file is written beside its final name and renamed into place when the run
    succeeds, so a failed or interrupted run leaves an earlier output as it was. `--resume`
    appends in place; devices and pipes (`/dev/stdout`, a FIFO) are written directly.
    """

    def __init__(self, path: str | None, *, append: bool = False) -> None:
        sys.stdout.flush()
        self._final: str | None = None
        self._partial: str | None = None
        if not path:
            self.handle: BinaryIO = sys.stdout.buffer
        elif append or (os.path.exists(path) and not os.path.isfile(path)):
            self.handle = open(path, "ab" if append else "wb")  # noqa: SIM115
        else:
            self._final = os.path.realpath(path)  # through a symlink, replace its target
            self.handle, self._partial = _beside(self._final)

    def __enter__(self) -> _Output:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if self.handle is sys.stdout.buffer:
            self.handle.flush()
            return
        self.handle.close()
        if self._partial is None or self._final is None:
            return
        if kind is None:
            os.replace(self._partial, self._final)
        else:
            os.unlink(self._partial)

    def write(self, text: str) -> None:
        # A file name that is not UTF-8 holds surrogates; in a JSON string "\udcff" is their
        # escape, and in a text report it is a readable stand-in for the byte.
        self.write_bytes(text.encode("utf-8", "backslashreplace"))

    def write_bytes(self, data: bytes) -> None:
        self.handle.write(data if data.endswith(b"\n") else data + b"\n")


def _beside(final: str) -> tuple[BinaryIO, str | None]:
    """A new file in `final`'s directory (same file system, so a rename replaces atomically).

    It gets the mode `final` has, or would get if created: the temporary file's own 0600 must not
    outlive the rename. A directory where no new file can be made falls back to `final` itself.
    """
    directory, base = os.path.split(final)
    try:
        descriptor, partial = tempfile.mkstemp(
            dir=directory or ".", prefix=f".{base}.", suffix=".part"
        )
    except OSError:
        return open(final, "wb"), None
    try:
        mode = stat.S_IMODE(os.stat(final).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.fchmod(descriptor, mode)
    return os.fdopen(descriptor, "wb"), partial


def _located(result: BatchResult) -> str:
    """A rejected record's message, led by its source unless the message names it already."""
    message = result.error_message or ""
    return message if message.startswith(result.source) else f"{result.source}: {message}"


MAX_ECHO_CHARS = 4_000
"""Longest error message printed to stderr; the rest is counted, not shown."""


def _echo(text: str) -> None:
    """Print an error to stderr, shortened: a message can quote untrusted input at length."""
    if len(text) > MAX_ECHO_CHARS:
        text = f"{text[:MAX_ECHO_CHARS]}... ({len(text) - MAX_ECHO_CHARS:,} more characters)"
    print(text, file=sys.stderr)


class _Progress:
    """A one-line counter on a terminal's stderr; silent when stderr is not a terminal."""

    def __init__(self, stream: Any, every: int = 25) -> None:
        self.stream = stream
        self.enabled = bool(getattr(stream, "isatty", lambda: False)())
        self.every = every
        self.count = 0
        self.started = time.perf_counter()

    def track(self, items: Iterator[Any]) -> Iterator[Any]:
        for item in items:
            yield item
            self.count += 1
            if self.enabled and self.count % self.every == 0:
                rate = self.count / max(time.perf_counter() - self.started, 1e-9)
                self.stream.write(f"\r{self.count:,} projects evaluated ({rate:,.0f}/s)")
                self.stream.flush()

    def done(self) -> None:
        if self.enabled and self.count >= self.every:
            self.stream.write("\n")
            self.stream.flush()


def _cmd_compare(args: argparse.Namespace) -> int:
    project = Project.from_file(args.project)
    packs = _packs(args.pack)
    verdicts = [evaluate(project, p, stage=args.stage, as_of=args.as_of) for p in packs]
    print(_comparison(verdicts, packs, args.lang, _terminal_width()))
    failing = any(_fails(v.status, bool(v.failed), args.fail_on) for v in verdicts)
    return EXIT_FAIL if failing else EXIT_OK


FAIL_ON = ("non_compliant", "incomplete", "warning")
"""Exit policies, each stricter than the one before: exit 1 on a non-compliant verdict; also on
an incomplete one; also on a compliant one with a failed warning (a departure from a rule laid
down "in principle" that no justification excuses)."""


def _fail_on_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default="non_compliant",
        help="exit 1 when a verdict is non-compliant (default); incomplete: also when one is "
        "incomplete; warning: also when a compliant one has a failed warning",
    )


def _fails(status: OverallStatus, failed_some: bool, policy: str) -> bool:
    """Whether a verdict with `status` (and some failed finding or not) fails `policy`."""
    if status is OverallStatus.NON_COMPLIANT:
        return True
    if policy == "non_compliant":
        return False
    if status is OverallStatus.INCOMPLETE:
        return True
    return policy == "warning" and status is OverallStatus.COMPLIANT and failed_some


def _text_colour(args: argparse.Namespace) -> Callable[[str, str], str] | None:
    """What colours a text report: only one written to a terminal (never --output, a pipe or
    a file), and not when NO_COLOR is set."""
    if args.format != "text" or args.output:
        return None
    from ._colour import colour_report, colour_wanted

    return colour_report if colour_wanted(sys.stdout) else None


def _terminal_width() -> int | None:
    """The width text tables fit: the terminal's ($COLUMNS overrides it); None when the output
    is not a terminal, so that files and pipes get whole lines."""
    if not sys.stdout.isatty():
        return None
    return shutil.get_terminal_size().columns


def _comparison(
    verdicts: Sequence[Verdict],
    packs: Sequence[CompiledPack],
    lang: str,
    max_width: int | None = None,
) -> str:
    en = lang == "en"
    head = (
        ["pack", "jurisdiction", "in scope", "status", "route", "failing articles"]
        if en
        else ["规则包", "辖区", "适用", "结论", "审批方式", "未满足条款"]
    )
    rows: list[list[str]] = []
    approvers: list[str] = []
    for verdict, pack in zip(verdicts, packs, strict=True):
        route = verdict.route
        if route is not None and route.label is not None:
            text = route.label.get(lang)
            if route.approver is not None:
                approvers.append(f"  {pack.id}: {route.approver.get(lang)}")
        elif route is not None and route.status is Status.UNKNOWN:
            text = "undecided" if en else "未定"
        else:
            text = "—"
        style = pack.spec.source.citation_style
        failing = sorted(
            {(f.citation.article, cite(f.citation, style=style, lang=lang)) for f in verdict.failed}
        )
        scope = {
            True: "yes" if en else "是",
            False: "no" if en else "否",
            None: "undecided" if en else "未定",
        }[verdict.in_scope]
        if verdict.exclusion is not None:
            scope += f" ({verdict.exclusion.id})"
        rows.append(
            [
                pack.id,
                verdict.jurisdiction.zh if not en else verdict.jurisdiction.en.split(" (")[0],
                scope,
                status_word(verdict.status, lang),
                text,
                ", ".join(label for _, label in failing) or "—",
            ]
        )
    # Pack ids and statuses stay whole; the names, the route and the articles wrap.
    lines = columns([head, *rows], max_width=max_width, wrap=frozenset({1, 4, 5}))
    if approvers:
        lines += ["", "approvers:" if en else "审批机关:", *approvers]
    return "\n".join(lines)


def _cmd_explain(args: argparse.Namespace) -> int:
    from .explain import explain, render_explanation

    project = Project.from_file(args.project)
    pack = load_pack(args.pack)
    try:
        explanation = explain(project, pack, args.rule, as_of=args.as_of)
    except KeyError as exc:
        _echo(f"policyengine: {exc.args[0]}")
        return EXIT_USAGE
    if args.format == "json":
        print(explanation.model_dump_json(indent=2))
    else:
        print(render_explanation(explanation, lang=args.lang))
    return EXIT_OK


def _cmd_diff(args: argparse.Namespace) -> int:
    from .diff import diff_packs, render_diff

    difference = diff_packs(load_pack(args.pack_a), load_pack(args.pack_b))
    if args.format == "json":
        print(difference.model_dump_json(indent=2))
    else:
        print(render_diff(difference))
    return EXIT_OK


def _cmd_thresholds(args: argparse.Namespace) -> int:
    pack = load_pack(args.pack)
    if args.format == "json":
        from .thresholds import threshold_table

        print(threshold_table(pack).model_dump_json(indent=2))
        return EXIT_OK
    style = pack.spec.source.citation_style
    print("thresholds")
    for name, t in pack.spec.thresholds.items():
        print(
            f"  {pad(name, 36)} {t.direction} {t.value} {t.unit} ({t.boundary})  "
            f"{cite(t.citation, style=style)}  {t.description.en}"
        )
        if t.reading:
            print(f"  {'':36} reading: {t.reading}")
    for table in pack.tables:
        print(
            f"\ndecision table {table.spec.id}: {table.spec.title.en} "
            f"(input: {table.spec.input}){' [primary]' if table.spec.primary else ''}"
        )
        for band, (low, low_inc, high, high_inc) in zip(
            table.spec.bands, table.bounds, strict=True
        ):
            left = "(-inf" if low is None else ("[" if low_inc else "(") + str(low)
            right = "+inf)" if high is None else str(high) + ("]" if high_inc else ")")
            approver = f" — {band.approver.en}" if band.approver else ""
            print(
                f"  {pad(left + ', ' + right, 28)} {band.id}: {band.label.en}{approver}  "
                f"{cite(band.citation, style=style)}"
            )
    return EXIT_OK


def _pack_refs(names: Sequence[str]) -> list[str]:
    """Pack names and files, with each directory replaced by the packs in it."""
    refs: list[str] = []
    for ref in names or pack_names():
        path = Path(ref)
        refs.extend(str(p) for p in sorted(path.glob("*.yaml"))) if path.is_dir() else refs.append(
            ref
        )
    return refs


def _cmd_coverage(args: argparse.Namespace) -> int:
    from .clauses import clause_list_for, coverage

    worst = EXIT_OK
    for ref in _pack_refs(args.packs):
        try:
            pack = load_pack(ref)
            clauses = clause_list_for(pack)
        except PolicyEngineError as exc:
            _echo(str(exc))
            worst = EXIT_USAGE
            continue
        if clauses is None:
            _echo(f"{pack.path}: the pack names no clause list (source.clause_file)")
            worst = EXIT_USAGE
            continue
        result = coverage(pack, clauses)
        if not result.complete:
            worst = max(worst, EXIT_FAIL)
        if args.format == "json":
            print(json.dumps(result.to_dict(), ensure_ascii=False))
            continue
        summary = result.to_dict()
        print(
            f"{pack.path}: {summary['accounted']} of {summary['clauses']} normative clauses "
            f"accounted for ({summary['encoded']} encoded, {summary['ledgered']} ledgered as "
            "not computable)"
        )
        if result.unaccounted:
            print(f"  unaccounted ({len(result.unaccounted)}): " + ", ".join(result.unaccounted))
        if result.still_open:
            print("  of which ledgered as not yet encoded: " + ", ".join(result.still_open))
        partly = [c for c in result.to_encode if c not in result.still_open]
        if partly:
            print("  encoded in part, the rest ledgered as not yet encoded: " + ", ".join(partly))
    return worst


def _cmd_lint(args: argparse.Namespace) -> int:
    from .lint import lint_packs, lint_report

    results = lint_packs(_pack_refs(args.packs))
    report = lint_report(results)
    if args.format == "json":
        print(report.model_dump_json(indent=2))
    else:
        for result in results:
            if result.pack is None:
                _echo(str(result.error))
                continue
            for issue in result.issues:
                print(str(issue))
            if not result.issues:
                print(
                    f"{result.pack.path}: ok ({len(result.pack.rules)} rules{_unchecked(result.pack)})"
                )
    _ci_reports(args, report)
    return EXIT_FAIL if report.issue_count else EXIT_OK


def _unchecked(pack: CompiledPack) -> str:
    """What an `ok` does not cover: without a clause list, quotes are not checked against the
    source, and saying so keeps `ok` from reading as fidelity to the law."""
    if pack.spec.source.clause_file:
        return ""
    return "; quotes not checked: the pack names no clause list, source.clause_file"


def bundled_cases_hint() -> str:
    """Where the bundled packs' cases are: in the source distribution (1.7 MB of cases would
    grow the wheel ninefold for a check most installations never run)."""
    sdist = f"egov_policyengine-{__version__}"
    return (
        "The bundled packs' cases ship in the source distribution, not in the wheel: "
        f"pip download --no-deps --no-binary :all: egov-policyengine=={__version__}, "
        f"tar xzf {sdist}.tar.gz, then policyengine test {sdist}/tests/packs"
    )


def _cmd_test(args: argparse.Namespace) -> int:
    from .testing import case_report, run_case_files

    if not args.paths and not Path("tests/packs").is_dir():
        _echo(
            "policyengine test: no case files named, and there is no tests/packs here\n"
            "  hint: name the case files or directories (policyengine test cases/). "
            + bundled_cases_hint()
        )
        return EXIT_USAGE
    run = run_case_files(args.paths)
    report = case_report(run)
    if args.format == "json":
        print(report.model_dump_json(indent=2))
    else:
        for result in run.failed:
            print(f"FAIL {result.case.location}: {result.case.name}")
            for problem in result.problems:
                print(f"  {problem}")
        if args.coverage:
            for entry in report.coverage:
                print(
                    f"coverage {entry.pack}: {entry.rules} rules; never pass: "
                    f"{len(entry.never_pass)}, never fail: {len(entry.never_fail)}"
                )
                for kind, rules in (
                    ("never pass", entry.never_pass),
                    ("never fail", entry.never_fail),
                ):
                    if rules:
                        print(f"  {kind}: {', '.join(rules)}")
        print(f"{report.passed} passed, {report.failed} failed")
    _ci_reports(args, report)
    return EXIT_FAIL if report.failed else EXIT_OK


def _ci_reports(args: argparse.Namespace, report: LintReport | CaseReport) -> None:
    """Write the JUnit XML and SARIF files asked for with --junit and --sarif."""
    from .junit import junit_xml
    from .sarif import sarif_json

    for path, render in ((args.junit, junit_xml), (args.sarif, sarif_json)):
        if path:
            with _Output(path) as out:
                out.write(render(report))


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return value


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, not {text!r}")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, not {text!r}")
    return value


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, not {text!r}")
    return value


def _cmd_mutate(args: argparse.Namespace) -> int:
    from .mutate import (
        CACHE_DIR,
        MutationReport,
        default_case_dirs,
        load_pack_cases,
        run_mutation,
        summary_table,
    )

    reports: list[MutationReport] = []
    code = EXIT_OK
    for ref in args.packs:
        pack = load_pack(ref)
        cases = load_pack_cases(pack, args.cases or default_case_dirs(pack))
        report = run_mutation(
            pack, cases, jobs=args.jobs, cache_dir=CACHE_DIR if args.cache else None
        )
        reports.append(report)
        if args.format == "json":
            print(json.dumps(report.to_dict(), ensure_ascii=False))
        elif not args.summary:
            print(report.to_text())
        score = report.score  # None: no mutant counts, so there is no score to fall short
        below = args.min_score is not None and score is not None and score < args.min_score
        if below or (args.strict and report.strict_survivors):
            code = EXIT_FAIL
    if args.format == "text" and (args.summary or len(reports) > 1):
        if not args.summary:
            print()
        print(summary_table(reports))
    return code


def _cmd_explore(args: argparse.Namespace) -> int:
    from .explore import explore
    from .mutate import CACHE_DIR

    pack = load_pack(args.pack)
    directory = Path(args.output)
    summary = explore(
        pack,
        directory,
        lang=args.lang,
        case_dirs=args.cases,
        mutation="run" if args.mutate else "cache",
        jobs=args.jobs,
        cache_dir=CACHE_DIR if args.cache else None,
    )
    print(summary.to_text(pack.id, directory))
    return EXIT_OK


def _cmd_packs(args: argparse.Namespace) -> int:
    del args
    from .plugins import discover

    found, errors = discover()
    rows = [["pack", "origin", "file"]]
    rows += [[pack.name, pack.origin, _shown_path(pack.path)] for pack in found]
    widths = [max(width(row[i]) for row in rows) for i in range(2)]
    for row in rows:
        print(f"{pad(row[0], widths[0])}  {pad(row[1], widths[1])}  {row[2]}")
    for error in errors:
        _echo(str(error))
    return EXIT_USAGE if errors else EXIT_OK


def _shown_path(path: Path) -> str:
    """`path` relative to the working directory when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _cmd_new_pack(args: argparse.Namespace) -> int:
    from .skeleton import default_directory, write_skeleton

    root = Path(args.output) if args.output else default_directory(args.name)
    for path in write_skeleton(args.name, root):
        print(path)
    print(
        f"\nnext: cd {root} && pip install -e '.[test]' && policyengine lint {args.name} && "
        "policyengine test tests/packs",
        file=sys.stderr,
    )
    return EXIT_OK


def _cmd_facts(args: argparse.Namespace) -> int:
    read = _packs([args.pack])[0].facts if args.pack else None
    if args.format == "json":
        print(fact_table(read).model_dump_json(indent=2))
        return EXIT_OK
    # The group a project states each fact in, or what it is derived from.
    for name, spec in FACTS.items():
        if read is not None and name not in read:
            continue
        kind = spec.kind.value + (f"[{spec.vocabulary.__name__}]" if spec.vocabulary else "")
        judged = " (attestation: someone's judgement)" if spec.attestation else ""
        print(
            f"{pad(name, 44)} {pad(kind, 24)} {pad(fact_place(name), 26)} {spec.description}{judged}"
        )
    return EXIT_OK


def _cmd_rules(args: argparse.Namespace) -> int:
    (pack,) = _packs([args.pack])
    print(rule_table(pack).model_dump_json(indent=2, exclude_defaults=True))
    return EXIT_OK


def _cmd_upgrade(args: argparse.Namespace) -> int:
    if len(args.paths) > 1 and not args.write:
        _echo("upgrade: give --write to upgrade several packs")
        return EXIT_USAGE
    code = EXIT_OK
    for name in args.paths:
        text = read_file(Path(name), "pack", "pack.unreadable")
        upgraded = upgrade_text(text, name)
        for change in upgraded.changes:
            print(f"{name}: {change}", file=sys.stderr)
        try:
            load_pack_text(upgraded.text, name)
        except PolicyEngineError as exc:
            _echo(str(exc))
            code = EXIT_FAIL
        if not args.write:
            sys.stdout.write(upgraded.text)
        elif upgraded.changes:
            handle, partial = _beside(name)
            with handle:
                handle.write(upgraded.text.encode("utf-8"))
            if partial is not None:
                os.replace(partial, name)
    return code


SERVE_EXTRA = ("fastapi", "uvicorn", "starlette")
"""The modules `policyengine serve` needs, which only the 'serve' extra installs."""


def _cmd_serve(args: argparse.Namespace) -> int:
    try:
        from .serve import serve
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] not in SERVE_EXTRA:
            raise
        _echo(
            f"policyengine: serve needs {exc.name}, from the 'serve' extra: "
            "pip install 'egov-policyengine[serve]'"
        )
        return EXIT_USAGE
    serve(
        args.pack or pack_names(),
        host=args.host,
        port=args.port,
        max_body_bytes=args.max_body_bytes,
        timeout=args.timeout,
        decision_log=args.decision_log,
    )
    return EXIT_OK


def _cmd_completion(args: argparse.Namespace) -> int:
    from .completion import completion_script

    print(completion_script(_build_parser(), args.shell))
    return EXIT_OK


def _cmd_schema(args: argparse.Namespace) -> int:
    if args.write:
        directory = Path(args.write)
        directory.mkdir(parents=True, exist_ok=True)
        for name in sorted(SCHEMAS):
            (directory / f"{name}.schema.json").write_text(schema_text(name), encoding="utf-8")
            print(directory / f"{name}.schema.json")
    else:
        sys.stdout.write(schema_text(args.name))
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    from .schemas import validate

    worst = EXIT_OK
    for name in args.files:
        documents, code = 0, EXIT_OK
        for where, document in _json_documents(name):
            documents += 1
            try:
                if isinstance(document, PolicyEngineError):
                    raise document
                violations = validate(document, args.schema)
            except PolicyEngineError as exc:
                _echo(str(exc) if str(exc).startswith(where) else f"{where}: {exc}")
                code = EXIT_USAGE
                continue
            for violation in violations:
                print(f"{where}: {violation}")
            if violations:
                code = max(code, EXIT_FAIL)
        if code == EXIT_OK:
            print(f"{name}: {documents} {'document' if documents == 1 else 'documents'} valid")
        worst = max(worst, code)
    return worst


def _json_documents(name: str) -> Iterator[tuple[str, Any]]:
    """(where, document or the error reading it) for the document of a JSON file, or for each
    line of JSON Lines (a `.jsonl` file, read as a stream, or any input holding several)."""
    from ._json import loads

    if name.endswith(".jsonl"):
        with open(name, "rb") as handle:
            for number, line in iter_json_lines(handle, name):
                if isinstance(line, PolicyEngineError):
                    yield f"{name}:{number}", line
                    continue
                yield from _parsed_line(name, number, line)
        return
    if name == "-":
        data = sys.stdin.buffer.read()
    else:
        with open(name, "rb") as handle:
            data = handle.read()
    text = data.decode("utf-8", "replace")
    try:
        yield name, loads(text, name)
        return
    except PolicyEngineError as exc:
        lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
        if exc.code != "json.syntax" or len(lines) < 2:
            yield name, exc
            return
    for number, line in lines:
        yield from _parsed_line(name, number, line)


def _parsed_line(name: str, number: int, line: str) -> Iterator[tuple[str, Any]]:
    from ._json import loads

    try:
        yield f"{name}:{number}", loads(line, name, number)
    except PolicyEngineError as exc:
        yield f"{name}:{number}", exc


def run() -> None:
    """Console-script entry point."""
    raise SystemExit(main())


if __name__ == "__main__":
    run()
