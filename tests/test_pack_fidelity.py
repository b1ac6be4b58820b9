"""Fidelity of the bundled packs to their sources.

- every article of the source is encoded, ledgered or recorded as missing from the copy;
- every quoted passage appears in the source text (fragments separated by …… each do);
- every pack lints clean and has YAML cases.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from policyengine import CompiledPack, load_pack
from policyengine.lint import lint_pack, unaccounted_articles
from policyengine.loader import BUNDLED_PACKS
from policyengine.pack import RULE_SECTIONS, Citation

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "sources"
PACKS = [name for name in BUNDLED_PACKS if (ROOT / "policies" / f"{name}.yaml").exists()]
# The Wuhan copy is synonym-spun: its quotes carry the restored wording.
SOURCE_OVERRIDES = {"wuhan": "wuhan.restored.txt"}


@pytest.fixture(scope="module", params=PACKS)
def pack(request: pytest.FixtureRequest) -> CompiledPack:
    return load_pack(request.param)


def test_all_five_packs_are_present() -> None:
    assert list(BUNDLED_PACKS) == PACKS


def test_every_article_is_accounted_for(pack: CompiledPack) -> None:
    assert unaccounted_articles(pack) == []


def test_pack_lints_clean(pack: CompiledPack) -> None:
    assert [str(issue) for issue in lint_pack(pack)] == []


_PUNCTUATION = str.maketrans(
    {
        "，": ",",
        "；": ";",
        "：": ":",
        "（": "(",
        "）": ")",
        "　": "",
        "“": '"',
        "”": '"',
        "‘": "'",
        "’": "'",
        "！": "!",
        "？": "?",
    }
)


def normalise(text: str) -> str:
    """Comparable form: no whitespace, ASCII forms of full-width punctuation."""
    return re.sub(r"\s+", "", text.translate(_PUNCTUATION))


def fragments(quote: str) -> list[str]:
    """The pieces of a quote between ellipses, with restored [characters] removed."""
    quote = re.sub(r"\[[^\]]*\]", "", quote)
    pieces = re.split(r"……|\.\.\.|…", quote)
    return [normalise(p).strip(",;:。、") for p in pieces if normalise(p).strip(",;:。、")]


def all_citations(pack: CompiledPack) -> list[tuple[str, Citation]]:
    spec = pack.spec
    found: list[tuple[str, Citation]] = [("scope", spec.scope.citation)]
    found += [(e.id, e.citation) for e in spec.scope.exclusions]
    found += [(f"threshold {n}", t.citation) for n, t in spec.thresholds.items()]
    for table in spec.decision_tables:
        found.append((table.id, table.citation))
        found += [(f"{table.id}/{b.id}", b.citation) for b in table.bands]
    for section in RULE_SECTIONS:
        for rule in getattr(spec, section):
            found.append((rule.id, rule.citation))
            found += [
                (f"{rule.id} exception", e.citation)
                for e in getattr(rule, "exceptions", [])
                if e.citation
            ]
    return found


def test_every_quote_is_in_the_source(pack: CompiledPack) -> None:
    name = SOURCE_OVERRIDES.get(pack.id, pack.spec.source.seed_file)
    source = normalise((SOURCES / name).read_text(encoding="utf-8"))
    # Zhanggong's copy lost its closing brackets: compare without them on both sides.
    source_no_brackets = source.replace("〕", "")
    missing = []
    for owner, citation in all_citations(pack):
        for piece in fragments(citation.quote):
            if piece not in source and piece.replace("〕", "") not in source_no_brackets:
                missing.append(f"{owner} (art. {citation.article}): {piece}")
    assert missing == []
