"""Clause lists: a source text split into clauses with stable ids, and a pack's account of them.

A clause list (`sources/<pack>.clauses.yaml`) names every sentence of a regulation by article,
paragraph (款), item (项), sub-item and sentence, e.g. `a6-p1-s2`, and says whether it is
normative. A pack names the clauses each citation and ledger entry stands for (`clauses:`), and
the accounting below checks the pack against the list:

- every clause a pack names exists, and every quote lies inside the clauses it names;
- every normative clause is referenced by a citation (a rule, table, band, threshold, scope or
  exclusion that encodes it) or by a ledger entry (not computable, with the reason, or not yet
  encoded, which coverage reports as open).

Clause lists are read with the same safe loader and limits as packs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from ._yaml import load_yaml, read_file
from .errors import PackError
from .pack import RULE_SECTIONS, Citation, ClauseId, LedgerEntry

if TYPE_CHECKING:
    from .loader import CompiledPack


class ClauseKind(StrEnum):
    """What a clause does. The first eleven are normative; the last four lay down nothing."""

    SCOPE = "scope"
    EXCLUSION = "exclusion"
    DEFINITION = "definition"
    DUTY = "duty"
    PROHIBITION = "prohibition"
    PERMISSION = "permission"
    PROCEDURE = "procedure"
    THRESHOLD = "threshold"
    DEADLINE = "deadline"
    CONSEQUENCE = "consequence"
    EFFECTIVE_DATE = "effective_date"
    PRINCIPLE = "principle"
    ORGANISATION = "organisation"
    PURPOSE = "purpose"
    BASIS = "basis"

    @property
    def normative(self) -> bool:
        """Whether a clause of this kind lays down something a pack must account for."""
        return self not in _NOT_NORMATIVE


_NOT_NORMATIVE = frozenset(
    {ClauseKind.PRINCIPLE, ClauseKind.ORGANISATION, ClauseKind.PURPOSE, ClauseKind.BASIS}
)
_FROZEN = ConfigDict(extra="forbid", frozen=True)
MAX_CLAUSES = 2000


class Clause(BaseModel):
    """One clause of a source: its place, its exact text and what it does."""

    model_config = _FROZEN
    id: ClauseId
    cite: str = Field(min_length=1, max_length=80, description="the Chinese citation")
    article: int | None = Field(None, ge=1, le=1000)
    paragraph: int | None = Field(None, ge=1, le=50)
    item: int | None = Field(None, ge=1, le=50)
    sub: int | None = Field(None, ge=1, le=50)
    sentence: int = Field(ge=1, le=99)
    text: str = Field(min_length=1, max_length=5000, description="exact wording from the source")
    normative: bool
    kind: ClauseKind
    modality: list[Annotated[str, StringConstraints(max_length=8)]] = Field(max_length=20)


class Heading(BaseModel):
    """An article's caption (Yiyang: 第六条 项目可行性研究。): part of the text, not a clause."""

    model_config = _FROZEN
    article: int = Field(ge=1, le=1000)
    text: str = Field(min_length=1, max_length=200)


class ClauseList(BaseModel):
    """Every clause of one source, in source order."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    pack: str = Field(min_length=1, max_length=64)
    source: str = Field(min_length=1, max_length=200)
    clauses: list[Clause] = Field(min_length=1, max_length=MAX_CLAUSES)
    headings: list[Heading] = Field(default_factory=list, max_length=MAX_CLAUSES)
    notes: list[str] = Field(default_factory=list, max_length=MAX_CLAUSES)

    @cached_property
    def by_id(self) -> dict[str, Clause]:
        """The clauses by id."""
        return {clause.id: clause for clause in self.clauses}

    @cached_property
    def normative(self) -> tuple[Clause, ...]:
        """The clauses a pack must account for, in source order."""
        return tuple(clause for clause in self.clauses if clause.normative)


def load_clause_list(path: Path) -> ClauseList:
    """Read and check a clause list. Raises `PackError` located in the file."""
    text = read_file(path, "clause list", "clauses.unreadable")
    data, marks = load_yaml(text, str(path))
    try:
        clauses = ClauseList.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise PackError(
            f"{first['msg']} ({len(exc.errors())} problem(s) in all)",
            code="clauses.invalid",
            location=marks.locate(tuple(first["loc"])),
            hint="see sources/README.md for the fields of a clause",
        ) from None
    seen: set[str] = set()
    for index, clause in enumerate(clauses.clauses):
        if clause.id in seen:
            raise PackError(
                f"clause id {clause.id!r} is listed twice",
                code="clauses.duplicate_id",
                location=marks.locate(("clauses", index, "id")),
            )
        seen.add(clause.id)
        if clause.normative != clause.kind.normative:
            raise PackError(
                f"clause {clause.id}: normative is {clause.normative} but kind {clause.kind.value!r}"
                f" is {'' if clause.kind.normative else 'not '}normative",
                code="clauses.invalid",
                location=marks.locate(("clauses", index, "normative")),
            )
    return clauses


def clause_list_path(pack: CompiledPack) -> Path | None:
    """Where the pack's clause list is: beside the pack, or in `../sources/` (as in the repository
    and in the installed package); None when the pack names none."""
    name = pack.spec.source.clause_file
    if name is None:
        return None
    folder = Path(pack.path).parent
    for candidate in (folder.parent / "sources" / name, folder / name):
        if candidate.is_file():
            return candidate
    raise PackError(
        f"clause list {name!r} is neither in {folder.parent / 'sources'} nor beside the pack",
        code="clauses.not_found",
        location=pack.locate("source", "clause_file"),
        hint="keep <pack>.clauses.yaml in ../sources/ or in the pack's own folder",
    )


def clause_list_for(pack: CompiledPack) -> ClauseList | None:
    """The pack's clause list, read and checked, or None when the pack names none."""
    path = clause_list_path(pack)
    return None if path is None else load_clause_list(path)


# --- what a pack says about the clauses ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reference:
    """A citation or ledger entry of a pack, where it is, and what it stands for."""

    owner: str
    loc: tuple[str | int, ...]
    clauses: tuple[str, ...]
    citation: Citation | None = None
    ledger: LedgerEntry | None = None


def references(pack: CompiledPack) -> Iterator[Reference]:
    """Every citation and ledger entry of the pack, in file order."""
    spec = pack.spec

    def cite(owner: str, citation: Citation, *loc: str | int) -> Reference:
        return Reference(owner, (*loc, "citation"), tuple(citation.clauses), citation=citation)

    yield cite("scope", spec.scope.citation, "scope")
    for i, exclusion in enumerate(spec.scope.exclusions):
        yield cite(exclusion.id, exclusion.citation, "scope", "exclusions", i)
    for name, threshold in spec.thresholds.items():
        yield cite(f"threshold {name}", threshold.citation, "thresholds", name)
    for t, table in enumerate(spec.decision_tables):
        yield cite(table.id, table.citation, "decision_tables", t)
        for b, band in enumerate(table.bands):
            yield cite(f"{table.id}/{band.id}", band.citation, "decision_tables", t, "bands", b)
    for section in RULE_SECTIONS:
        for r, rule in enumerate(getattr(spec, section)):
            yield cite(rule.id, rule.citation, section, r)
            for e, exception in enumerate(getattr(rule, "exceptions", [])):
                if exception.citation is not None:
                    loc = (section, r, "exceptions", e)
                    yield cite(f"{rule.id} exception {e + 1}", exception.citation, *loc)
    for i, entry in enumerate(spec.not_computable):
        yield Reference(
            f"ledger entry {i + 1}", ("not_computable", i), tuple(entry.clauses), ledger=entry
        )


@dataclass(frozen=True)
class Coverage:
    """How a pack accounts for the normative clauses of its source."""

    pack: str
    normative: tuple[str, ...]
    encoded: frozenset[str]
    ledgered: frozenset[str]
    open: frozenset[str]

    @property
    def accounted(self) -> tuple[str, ...]:
        """Normative clauses encoded by a rule or ledgered as not computable, in source order."""
        done = self.encoded | self.ledgered
        return tuple(c for c in self.normative if c in done)

    @property
    def unaccounted(self) -> tuple[str, ...]:
        """Normative clauses neither encoded nor ledgered as not computable (open ones included)."""
        done = self.encoded | self.ledgered
        return tuple(c for c in self.normative if c not in done)

    @property
    def still_open(self) -> tuple[str, ...]:
        """Unaccounted clauses that a ledger entry lists as not yet encoded, in source order."""
        return tuple(c for c in self.unaccounted if c in self.open)

    @property
    def to_encode(self) -> tuple[str, ...]:
        """Every normative clause a ledger entry lists as not yet encoded, in source order: the
        open ones and those a rule encodes only in part."""
        return tuple(c for c in self.normative if c in self.open)

    @property
    def complete(self) -> bool:
        """Whether every normative clause is accounted for."""
        return not self.unaccounted

    def to_report(self) -> CoverageReport:
        """The summary `policyengine coverage --format json` prints, one line per pack."""
        return CoverageReport(
            format="policyengine.coverage",
            format_version=1,
            pack=self.pack,
            clauses=len(self.normative),
            accounted=len(self.accounted),
            encoded=sum(1 for c in self.normative if c in self.encoded),
            ledgered=sum(1 for c in self.normative if c in self.ledgered - self.encoded),
            open=list(self.still_open),
            unaccounted=list(self.unaccounted),
            to_encode=list(self.to_encode),
        )

    def to_dict(self) -> dict[str, object]:
        """`to_report()` as JSON data."""
        return self.to_report().model_dump(mode="json")


class CoverageReport(BaseModel):
    """How one pack accounts for the normative clauses of its source (counts, then clause ids
    in source order)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    format: Literal["policyengine.coverage"]
    format_version: Literal[1]
    pack: str
    clauses: int  # normative clauses
    accounted: int  # encoded or ledgered as not computable
    encoded: int
    ledgered: int  # ledgered as not computable, and not encoded
    open: list[str]  # ledgered as not yet encoded, and not encoded
    unaccounted: list[str]
    to_encode: list[str]  # every clause ledgered as not yet encoded, encoded in part or not


def coverage(pack: CompiledPack, clauses: ClauseList) -> Coverage:
    """Which normative clauses of `clauses` the pack encodes, ledgers, or leaves open."""
    encoded: set[str] = set()
    ledgered: set[str] = set()
    open_: set[str] = set()
    for reference in references(pack):
        if reference.citation is not None:
            encoded.update(reference.clauses)
        elif reference.ledger is not None and reference.ledger.status == "not_yet_encoded":
            open_.update(reference.clauses)
        else:
            ledgered.update(reference.clauses)
    return Coverage(
        pack.id,
        tuple(c.id for c in clauses.normative),
        frozenset(encoded),
        frozenset(ledgered),
        frozenset(open_),
    )


# --- quotes ---------------------------------------------------------------------------------

_ELLIPSIS = re.compile(r"……|\.\.\.|…")
_RESTORED = re.compile(r"\[[^\]]*\]")
# Text the pack and the source may write differently without changing a word.
_IGNORED = re.compile(r"[\s\"'“”‘’「」『』]")
# Item markers (一)(二) stand before a clause, not in its text; a quote may run across them.
_ITEM_MARKER = re.compile(r"[(（][一二三四五六七八九十]{1,3}[)）]")
_EDGE_PUNCTUATION = ",;:。、，；："


def _comparable(text: str) -> str:
    # NFKC folds full-width punctuation and digits into their ASCII forms; closing brackets
    # that a damaged copy lost (〕) are ignored on both sides.
    text = _ITEM_MARKER.sub("", text)
    return _IGNORED.sub("", unicodedata.normalize("NFKC", text)).replace("〕", "")


def quote_fragments(quote: str) -> list[str]:
    """The comparable pieces of a quote between ellipses, restored `[characters]` removed."""
    pieces = _ELLIPSIS.split(_RESTORED.sub("", quote))
    fragments = (_comparable(piece).strip(_EDGE_PUNCTUATION) for piece in pieces)
    return [fragment for fragment in fragments if fragment]


def fragments_outside(quote: str, texts: list[str]) -> list[str]:
    """The fragments of `quote` found in none of `texts` (nor across two neighbours)."""
    joined = "".join(_comparable(text) for text in texts)
    return [fragment for fragment in quote_fragments(quote) if fragment not in joined]


def clauses_quoted(citation: Citation, clauses: ClauseList) -> list[str]:
    """The clauses of the cited unit that a citation's quote comes from, in source order.

    Used to suggest `clauses:` for a citation that names none. A fragment is placed in the
    clause that contains it, or in the run of consecutive clauses it spans; the chapeau of an
    item (the clauses of its article or paragraph before the items) counts as part of the item.
    """
    unit = [
        c
        for c in clauses.clauses
        if c.article == citation.article
        and (citation.para is None or c.paragraph in (None, citation.para))
        and (citation.item is None or c.item in (None, citation.item))
        and (citation.sub is None or c.sub in (None, citation.sub))
    ]
    found: list[str] = []
    for fragment in quote_fragments(citation.quote):
        found += [c.id for c in _span(fragment, unit) if c.id not in found]
    order = {c.id: i for i, c in enumerate(clauses.clauses)}
    return sorted(found, key=order.__getitem__)


def _span(fragment: str, unit: list[Clause]) -> list[Clause]:
    """The shortest run of consecutive clauses of `unit` (first in source order) holding
    `fragment`: one clause if any holds it whole, else two neighbours, and so on."""
    texts = [_comparable(clause.text) for clause in unit]
    for length in range(1, len(unit) + 1):
        for start in range(len(unit) - length + 1):
            if fragment in "".join(texts[start : start + length]):
                return unit[start : start + length]
    return []
