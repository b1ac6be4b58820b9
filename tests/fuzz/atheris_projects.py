"""Coverage-guided fuzzing of projects and JSON Lines batches with atheris (libFuzzer).

Run directly: `python tests/fuzz/atheris_projects.py CORPUS_DIR -max_total_time=60`. The input
bytes are read twice: as a JSON Lines stream evaluated by `evaluate_many` against every bundled
pack, which must yield exactly one result per non-blank line whatever the lines hold; and as a
YAML project file, which must become a `Project` or a library error. Any other exception is a
crash, and libFuzzer's `-timeout` and `-rss_limit_mb` make a slow or greedy input one too. Seed
the corpus with the packs' cases (tests/test_fuzz.py does).
"""

from __future__ import annotations

import io
import sys

import atheris

with atheris.instrument_imports():
    from policyengine import PolicyEngineError, Project, evaluate, load_packs
    from policyengine._yaml import iter_json_lines, load_yaml, read_text
    from policyengine.batch import evaluate_many

PACKS = load_packs()


def _batch(data: bytes) -> None:
    lines = sum(1 for line in data.split(b"\n") if line.strip())
    records = ((f"fuzz.jsonl:{n}", r) for n, r in iter_json_lines(io.BytesIO(data), "fuzz.jsonl"))
    results = list(evaluate_many(records, PACKS))
    if len(results) != lines or [r.index for r in results] != list(range(lines)):
        raise AssertionError(f"{len(results)} results for {lines} lines")
    for result in results:
        result.to_json_bytes()


def _project_file(data: bytes) -> None:
    try:
        mapping, _ = load_yaml(read_text(data, "fuzz.yaml"), "fuzz.yaml")
        project = Project.from_mapping(mapping if isinstance(mapping, dict) else {"id": mapping})
    except PolicyEngineError:
        return
    for pack in PACKS:
        evaluate(project, pack).to_json()


def test_one_input(data: bytes) -> None:
    _batch(data)
    _project_file(data)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
