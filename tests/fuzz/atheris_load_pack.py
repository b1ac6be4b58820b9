"""Coverage-guided fuzzing of pack loading and project evaluation with atheris (libFuzzer).

Run directly: `python tests/fuzz/atheris_load_pack.py CORPUS_DIR -max_total_time=60`. The input
bytes are a pack file: any exception from `load_pack_text` other than the library's own
`PolicyEngineError` is a crash, and so is a pack that loads but then fails to evaluate a project.
Seed the corpus with the real packs (tests/test_fuzz.py does).
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    import yaml  # noqa: F401  (instrumented too: its errors are the loader's input)

    from policyengine import PolicyEngineError, evaluate
    from policyengine._yaml import read_text
    from policyengine.loader import load_pack_text

PROJECT = {
    "owner": {"type": "party_government_organ", "level": "municipal"},
    "money": {"total_investment": "500000.00"},
    "content": {"items": ["machine_room"]},
    "documents": [],
    "profile": {"classified": False},
}


def test_one_input(data: bytes) -> None:
    try:
        pack = load_pack_text(read_text(data, "fuzz.yaml"), "fuzz.yaml")
    except PolicyEngineError:
        return
    evaluate(PROJECT, pack)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
