"""Write docs/cli.md from real runs of every command (`python docs/build_cli_doc.py`).

`--check` compares instead of writing, and exits 1 if the committed page is stale; the test suite
runs that, so the page always shows what the commands print today.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "cli.md"
EXAMPLE = "examples/project.yaml"
AS_OF = "--as-of 2026-11-23"

# (heading, explanation, command, lines to show: 0 = all; (head, tail): the first and last lines)
SECTIONS: list[tuple[str, str, str, int | tuple[int, int]]] = [
    (
        "Commands",
        "Every command prints its own help with `--help`. Exit codes: 0 success, 1 a non-compliant "
        "verdict, a failing case or a lint finding, 2 bad input (never a traceback).",
        "policyengine --help",
        0,
    ),
    (
        "evaluate: one project, one pack",
        "A readable table: the failing articles with their messages, the missing documents and "
        "the consequences. `--all` lists passing rules too.",
        f"policyengine evaluate {EXAMPLE} --pack wuhan --stage application {AS_OF}",
        0,
    ),
    (
        "evaluate in Chinese",
        "`--lang zh` renders the same verdict with the Chinese texts and 第N条 citations.",
        f"policyengine evaluate {EXAMPLE} --pack wuhan --stage application {AS_OF} --lang zh",
        0,
    ),
    (
        "evaluate as JSON",
        "One document (schema/evaluation.schema.json) whose `results` hold the verdicts "
        "(schema/verdict.schema.json) and any rejected record, in input order; the same input "
        "gives the same bytes. Shown: the beginning.",
        f"policyengine evaluate {EXAMPLE} --pack wuhan --stage application {AS_OF} --format json",
        40,
    ),
    (
        "evaluate as Markdown",
        "For a review comment or a ticket. `--format html -o report.html` writes a single "
        "self-contained page (no scripts, no network) with the verdict per jurisdiction, the "
        "findings grouped by stage, the deadlines on a timeline and the quoted law.",
        f"policyengine evaluate {EXAMPLE} --pack wuhan --stage application {AS_OF} "
        "--format markdown",
        24,
    ),
    (
        "evaluate many projects",
        "JSON Lines in (files, or `-` for standard input), JSON Lines out, one line per record in "
        "input order; a bad record becomes an error line and the others are still evaluated. "
        "`--workers N` uses N processes; `--resume` with `-o FILE` continues an interrupted run. "
        "A progress line appears on a terminal's stderr only.",
        'sh -c \'printf "%s\\n" "{\\"id\\": \\"a\\", \\"money\\": {\\"total_investment\\": \\"600000\\"}}" '
        '"{broken" | policyengine evaluate - --pack wuhan --format jsonl --summary '
        "--as-of 2026-11-23 -o /dev/null'",
        0,
    ),
    (
        "compare: one project, every jurisdiction",
        "In scope or not (and which exclusion applied), status, route, failing articles, and the "
        "approvers below.",
        f"policyengine compare {EXAMPLE} --stage application {AS_OF}",
        0,
    ),
    (
        "explain: why a rule gave its answer",
        "Each sub-expression's value on this project, the facts read, and the cited article.",
        f"policyengine explain {EXAMPLE} --pack wuhan --rule wh-12-rely-on-shared-facilities "
        f"{AS_OF}",
        0,
    ),
    (
        "lint: the packs",
        "Schema and static checks; silent packs print `ok`.",
        "policyengine lint policies",
        0,
    ),
    (
        "lint: a broken pack",
        "Every problem as `file:line:column: code: message`, with a hint.",
        "policyengine lint tests/invalid/unknown_key.yaml tests/lint/article_unaccounted.yaml",
        0,
    ),
    (
        "lint for CI",
        "`--format json` writes the same problems as one document (schema/lint.schema.json), "
        "each with its code, level (`error`: the pack does not load; `warning`: a lint finding), "
        "location and hint. `--junit FILE` and `--sarif FILE` also write JUnit XML and SARIF "
        "2.1.0, for test reports and inline annotations (`test` takes them too). Shown: the "
        "beginning.",
        "policyengine lint tests/lint/unused_threshold.yaml --format json",
        24,
    ),
    (
        "test: the packs' YAML cases",
        "Failures show expected and actual; the coverage lines name rules no case made pass or "
        "fail.",
        "policyengine test tests/packs/wuhan",
        0,
    ),
    (
        "mutate: would the cases notice a wrong reading?",
        "Runs the cases against every mutant of the pack (a boundary flipped, a threshold a fen "
        "away, a comparison, `and`/`or` or `not` changed, a list member, exclusion or exception "
        "dropped, a severity lowered, a stage or period moved) and lists the survivors by clause, "
        "then `N mutants, K killed, S survived, I invalid, E equivalent, score`. Here the mini "
        "pack against a handful of cases; `make mutate` runs the five packs and prints a table. "
        'See "Mutation testing" in docs/authoring.md. Shown: the beginning and the end.',
        "policyengine mutate tests/fixtures/mini.yaml --cases tests/fixtures/mutate --jobs 1 "
        "--no-cache",
        (15, 2),
    ),
    (
        "explore: a site to review a pack clause by clause",
        "Writes a self-contained static site (open index.html from disk): each clause of the "
        "source beside what encodes it, the author and blind cases that exercise it and its "
        "surviving mutants, linked both ways, with a search box; `--lang zh` for a Chinese "
        "interface. Mutants come from the cache of an earlier `policyengine mutate` or, with "
        "`--mutate`, from a run now; here `--no-cache`, so that the output below is the same on every machine. "
        "See docs/explore.md.",
        "policyengine explore wuhan -o build/explore-wuhan --no-cache",
        0,
    ),
    (
        "packs: where each pack comes from",
        "Every pack loadable by name: the five bundled ones, then those that installed "
        "distributions declare in the entry-point group `policyengine.packs`, each with its "
        "distribution and file (docs/plugins.md). Exit 2 if a plugin clashes with another pack "
        "or its entry point is broken.",
        "policyengine packs",
        0,
    ),
    (
        "new-pack: a pack of your own, as a plugin",
        "Writes the repository of a pack published as its own distribution: pyproject.toml "
        "declaring the entry point, a minimal pack that loads and lints clean, a placeholder "
        "source text and clause list marked REPLACE, YAML cases that pass, a README and CI "
        "(lint, coverage, cases, mutation testing). `-o DIR` writes elsewhere; an existing "
        "non-empty directory and a bad or bundled name are refused. Here in a temporary "
        "directory; see docs/plugins.md.",
        'sh -c \'d=$(mktemp -d) && cd "$d" && policyengine new-pack hunan; s=$?; '
        'rm -rf "$d"; exit $s\'',
        0,
    ),
    (
        "thresholds",
        "A pack's thresholds with their boundaries, and its decision tables.",
        "policyengine thresholds wuhan",
        0,
    ),
    (
        "diff: two jurisdictions",
        "Thresholds, prohibited items, required documents and acceptance conditions that differ. "
        "Shown: the beginning.",
        "policyengine diff wuhan zhanggong",
        30,
    ),
    (
        "facts",
        "The facts pack expressions may read. Shown: the beginning.",
        "policyengine facts",
        15,
    ),
    (
        "schema",
        "The JSON Schemas of the inputs (`pack`, `project`) and of every JSON output (`verdict`, "
        "`evaluation`, `batch-record`, `lint`, ...), each with an `$id` that names it and its "
        "version. Shown: the beginning.",
        "policyengine schema project",
        12,
    ),
    (
        "validate: JSON outputs against their schemas",
        "Each document is checked against the schema of the `format` it states (or `--schema "
        "NAME`); JSON Lines are checked line by line. Exit 1 if a document is invalid, with the "
        "path of each violation.",
        "sh -c 'policyengine coverage --format json | policyengine validate -'",
        0,
    ),
]


def run(command: str) -> tuple[str, int]:
    """Output (stdout then stderr) and exit code of `command`, run from the repository root."""
    bin_dir = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
        "COLUMNS": "100",
    }
    args = shlex.split(command)
    result = subprocess.run(
        args, cwd=ROOT, capture_output=True, text=True, env=env, timeout=120, check=False
    )
    return result.stdout + result.stderr, result.returncode


def page() -> str:
    parts = [
        "# The command line",
        "",
        "Every example below is a real run, regenerated by `python docs/build_cli_doc.py` and "
        "checked by the test suite. The project is `examples/project.yaml`.",
    ]
    for heading, text, command, lines in SECTIONS:
        output, code = run(command)
        shown = output.rstrip("\n").splitlines()
        head, tail = lines if isinstance(lines, tuple) else (lines, 0)
        if head and len(shown) > head + tail:
            shown = [*shown[:head], "…", *(shown[-tail:] if tail else [])]
        parts += ["", f"## {heading}", "", text, "", "```console", f"$ {command}", *shown]
        parts += [f"[exit {code}]", "```"]
    return "\n".join(parts) + "\n"


def main() -> int:
    text = page()
    if "--check" in sys.argv:
        if PAGE.read_text(encoding="utf-8") != text:
            print("docs/cli.md is stale: run python docs/build_cli_doc.py", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
