"""The command line explains itself: help on every argument, examples and exit codes at the top,
and a completion script generated from the parser."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from policyengine.cli import _build_parser
from policyengine.completion import completion_script

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> dict[str, argparse.ArgumentParser]:
    (sub,) = [a for a in _build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


@pytest.mark.parametrize("command", sorted(_commands()))
def test_every_argument_has_help(command: str) -> None:
    bare = [
        action.option_strings[0] if action.option_strings else action.dest
        for action in _commands()[command]._actions
        if not action.help
    ]
    assert bare == [], f"policyengine {command}: arguments without help: {bare}"


def test_top_level_help_shows_examples_that_run_and_the_exit_codes() -> None:
    text = _build_parser().format_help()
    assert "exit codes:\n  0  success" in text
    assert "  2  bad input" in text
    examples = text.split("examples:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert len(examples) >= 4
    for example in examples:
        words = example.split()
        if words[1] not in ("evaluate", "explain") or not Path(ROOT / words[2]).exists():
            continue
        result = subprocess.run(
            [sys.executable, "-m", "policyengine", *words[1:]],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert result.returncode in (0, 1), example + "\n" + result.stderr


def _complete(shell: str, *words: str) -> list[str]:
    script = completion_script(_build_parser(), "bash") if shell == "bash" else ""
    line = " ".join(words)
    program = (
        f"{script}\nCOMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; "
        '_policyengine_complete; printf "%s\\n" "${COMPREPLY[@]}"'
    )
    result = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", program],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
        cwd=ROOT,
    )
    return result.stdout.split()


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_bash_completion_completes_commands_options_and_their_values() -> None:
    assert _complete("bash", "policyengine", "ev") == ["evaluate"]
    assert "--stage" in _complete("bash", "policyengine", "evaluate", "--st")
    assert _complete("bash", "policyengine", "evaluate", "--stage", "appl") == ["application"]
    assert _complete("bash", "policyengine", "explain", "--lang", "") == ["en", "zh"]
    assert _complete("bash", "policyengine", "schema", "verd") == ["verdict", "verdict-compact"]


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_completion_command_prints_a_script_the_shell_parses(shell: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "policyengine", "completion", shell],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith(
        "complete -o filenames -F _policyengine_complete policyengine"
    )
    if shell == "zsh":
        assert "bashcompinit" in result.stdout
    if shutil.which("bash"):
        subprocess.run(["bash", "-n"], input=result.stdout, text=True, check=True, timeout=30)
