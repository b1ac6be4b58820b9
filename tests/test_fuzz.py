"""Fuzzing: whatever the input, only the library's own errors escape, in bounded time.

Hypothesis mutates the real packs (lines dropped, duplicated, swapped, characters inserted) and
generates random YAML, expressions and projects. `HYPOTHESIS_PROFILE=ci` runs more examples.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.test_expressions import NAMES

from policyengine import PackError, Project, ProjectError, evaluate
from policyengine.expressions import ExpressionError, compile_expression
from policyengine.loader import load_pack_text
from policyengine.project import group_facts
from policyengine.testing import load_cases

# libFuzzer's names for what it saves: a foreign exception, a slow input, a greedy input, a leak.
_ARTIFACTS = ("crash-", "timeout-", "oom-", "leak-", "slow-unit-")

ROOT = Path(__file__).resolve().parents[1]
PACK_TEXTS = [
    ROOT / "tests" / "fixtures" / "mini.yaml",
    *sorted((ROOT / "policies").glob("*.yaml")),
]
TOKENS = [
    ":",
    "- ",
    "  ",
    "\t",
    "{",
    "}",
    "[",
    "]",
    "&a",
    "*a",
    "!!python/object:os.system",
    "'",
    '"',
    "#",
    "\n",
    "null",
    "1e400",
    ".nan",
    "id",
    "check",
    "and",
    "**",
    "__class__",
    "9**9**9",
    "boundary",
    "exclusive",
    "min",
    "max",
    "<<",
    "%",
    "\ufeff",
    "\x00",
    "é",
]


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str]:
    path = draw(st.sampled_from(PACK_TEXTS))
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["drop", "duplicate", "swap", "insert", "truncate"]))
        if action == "drop":
            del lines[i]
        elif action == "duplicate":
            lines.insert(i, lines[i])
        elif action == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif action == "insert":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(st.sampled_from(TOKENS)) + lines[i][at:]
        else:
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
    return path.name, "".join(lines)


@given(mutated())
@settings(max_examples=150)
def test_mutated_packs_raise_only_pack_errors(case: tuple[str, str]) -> None:
    name, text = case
    started = time.perf_counter()
    with contextlib.suppress(PackError):
        load_pack_text(text, name)
    assert time.perf_counter() - started < 10


@given(st.text(max_size=300))
def test_random_text_raises_only_pack_errors(text: str) -> None:
    with contextlib.suppress(PackError):
        load_pack_text(text, "random.yaml")


_EXPR_ALPHABET = st.sampled_from(
    [
        "total_investment",
        "items",
        "classified",
        "floor",
        "limit",
        "'server'",
        "0.15",
        "1",
        ">=",
        "<",
        "==",
        " and ",
        " or ",
        "not ",
        "(",
        ")",
        ",",
        "has_any(",
        "known(",
        "**",
        ".",
        "__class__",
        "[",
        "]",
        "lambda",
        ":",
        "+",
        "*",
        "'x'",
        "in",
        " ",
    ]
)


@given(st.lists(_EXPR_ALPHABET, max_size=25).map("".join))
def test_random_expressions_raise_only_expression_errors(source: str) -> None:
    try:
        expr = compile_expression(source, NAMES)
    except ExpressionError:
        return
    namespace: dict[str, Any] = dict.fromkeys(NAMES)
    expr.evaluate(namespace)  # all facts unknown: must not raise


_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
_FIELDS = st.sampled_from(sorted(Project.model_fields))


@given(st.dictionaries(_FIELDS, _JSONISH, max_size=6))
def test_random_projects_raise_only_project_errors(data: dict[str, Any]) -> None:
    try:
        project = Project.from_mapping(data)
    except ProjectError:
        return
    for path in PACK_TEXTS[:1]:
        evaluate(project, load_pack_text(path.read_text(encoding="utf-8"), str(path)))


@pytest.mark.parametrize("path", PACK_TEXTS, ids=lambda p: p.stem)
def test_atheris_style_byte_flips(path: Path) -> None:
    # A cheap, deterministic complement to the coverage-guided fuzzer: flip each 97th byte.
    data = bytearray(path.read_bytes())
    for i in range(0, len(data), 97):
        flipped = bytes(data[:i]) + bytes([data[i] ^ 0x20]) + bytes(data[i + 1 :])
        try:
            text = flipped.decode("utf-8")
        except UnicodeDecodeError:
            continue
        with contextlib.suppress(PackError):
            load_pack_text(text, path.name)


FUZZ_DIR = Path(__file__).parent / "fuzz"


def _pack_seeds(corpus: Path) -> None:
    for path in PACK_TEXTS:
        shutil.copy(path, corpus / path.name)


def _project_seeds(corpus: Path) -> None:
    # Every author case of every pack, as a JSON line and as a YAML project file, and all the
    # cases of a file as one JSON Lines stream.
    for case_file in sorted((ROOT / "tests" / "packs").rglob("*.yaml")):
        lines = []
        for number, case in enumerate(load_cases(case_file)):
            text = json.dumps(group_facts(case.project), ensure_ascii=False, default=str)
            lines.append(text)
            stem = f"{case_file.parent.name}-{case_file.stem}-{number}"
            (corpus / f"{stem}.json").write_text(text + "\n", encoding="utf-8")
            (corpus / f"{stem}.yaml").write_text(yaml.safe_dump(json.loads(text)), encoding="utf-8")
        (corpus / f"{case_file.parent.name}-{case_file.stem}.jsonl").write_text(
            "\n".join(lines) + "\n", encoding="utf-8"
        )


@pytest.mark.parametrize(
    ("target", "seed"),
    [("atheris_load_pack.py", _pack_seeds), ("atheris_projects.py", _project_seeds)],
    ids=["packs", "projects-and-batches"],
)
def test_coverage_guided_fuzzer_finds_no_foreign_exception(
    tmp_path: Path, target: str, seed: Callable[[Path], None]
) -> None:
    """atheris (libFuzzer) mutates real inputs for a bounded time; any foreign exception fails.

    A slow input (over the per-input timeout) or a greedy one (over the memory limit) fails too.
    """
    pytest.importorskip("atheris", reason="atheris does not install on this platform")
    seconds = int(os.environ.get("ATHERIS_SECONDS", "60" if os.environ.get("CI") else "10"))
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    seed(corpus)
    result = subprocess.run(
        [
            sys.executable,
            str(FUZZ_DIR / target),
            str(corpus),
            f"-max_total_time={seconds}",
            "-rss_limit_mb=2048",
            "-timeout=10",
            "-max_len=1048576",
            f"-artifact_prefix={tmp_path}/",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 300,
        check=False,
    )
    crashes = sorted(p.name for p in tmp_path.glob("*-*") if p.name.startswith(_ARTIFACTS))
    assert not crashes, result.stderr[-3000:]
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Done" in result.stderr
