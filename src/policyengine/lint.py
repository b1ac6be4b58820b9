"""Static checks on a loaded pack beyond what loading enforces.

Loading already rejects schema errors, unknown or duplicate keys, unknown names, type mismatches,
band gaps and overlaps, boundary contradictions and duplicate ids. Lint adds checks of fidelity
and of dead logic, each located in the file:

- `lint.article_unaccounted`: an article neither cited, ledgered nor listed as missing;
- `lint.article_out_of_range`: a citation beyond the source's last article;
- `lint.unused_threshold`: a threshold no rule, table or definition uses;
- `lint.constant_condition`: a condition that reads no fact (always true or always false);
- `lint.unreachable_condition`: comparisons of one fact that no value can satisfy together;
- `lint.duplicate_document` / `lint.duplicate_item`: a list naming the same member twice;
- `lint.order_fixed_by_model`: a deadline's `before` orders two steps whose order the project
  model already fixes (completion before final acceptance), so it can only pass, or never;
- `lint.equivalent_mutant_unknown`: `equivalent_mutants` names a mutant the pack does not have
  (a typo, or a mutant gone with the rule it mutated);

and, for a pack whose source has a clause list (`source.clause_file`):

- `lint.clause_unknown`: a citation or ledger entry names a clause the list does not have;
- `lint.clause_not_named`: a citation names no clause (the hint suggests the ids its quote
  comes from);
- `lint.citation_mismatch`: a citation's article, paragraph or item differs from its clauses';
- `lint.quote_outside_clause`: a quote, or a piece of it between ellipses, is not in the
  clauses its citation names;
- `lint.clause_unaccounted`: a normative clause that no citation and no ledger entry names;

and, for every rule:

- `lint.outcome_not_read`: a rule relies on a step that can be refused or failed (an approval,
  review, test or acceptance: taken in `steps`, or its date) without reading whether it passed
  (`<step>_passed`), so a refused approval would count as an approval;
- `lint.severity_modality`: a rule's severity disagrees with the modal words of its own quote
  (必须/应当/不得/严禁/禁止/不予: error; 原则上/一般: warning, a duty a stated justification can
  waive; 鼓励/可以: info), and the rule does not say why (`severity_reading`);
- `lint.exception_as_condition`: a rule applies only when a fact of the project is stated false
  (`when: not classified`), so it is unknown whenever that fact is unknown; an exception the text
  carves out (除外, 不含) belongs under `exceptions:`, where an unknown fact leaves the ordinary
  outcome standing as an assumption. A negation that is the rule's own condition says so
  (`negation_reading`).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ._suggest import did_you_mean
from .clauses import ClauseList, clause_list_for, clauses_quoted, fragments_outside, references
from .errors import Location, PackError, PackErrors
from .expressions import Expression
from .facts import FACTS, FactType
from .loader import CompiledPack, CompiledRule, load_pack
from .mutants import mutant_ids
from .pack import (
    RULE_SECTIONS,
    AcceptanceFailure,
    AnyOf,
    Citation,
    Deadline,
    ProhibitedItems,
    RequiredDocuments,
    Severity,
)
from .project import DATE_ORDER, FACT_FIELDS
from .vocabulary import OUTCOME_STEPS


@dataclass(frozen=True, slots=True)
class LintIssue:
    """One finding of the linter."""

    code: str
    message: str
    location: Location
    hint: str | None = None

    def __str__(self) -> str:
        text = f"{self.location}: {self.code}: {self.message}"
        return f"{text}\n  hint: {self.hint}" if self.hint else text


_DATA = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class IssueLocation(BaseModel):
    """Where an issue is: a file, and the line and column (from 1) where known."""

    model_config = _DATA
    path: str
    line: int | None = None
    column: int | None = None


class LintRecord(BaseModel):
    """One problem of one pack: a load error (level `error`, the pack did not load) or a lint
    finding (level `warning`, the pack loads but reads the law doubtfully)."""

    model_config = _DATA
    code: str
    level: Literal["error", "warning"]
    message: str
    location: IssueLocation | None = None
    rule_id: str | None = None
    hint: str | None = None


class PackLint(BaseModel):
    """The problems of one pack, as given on the command line (a name or a file)."""

    model_config = _DATA
    ref: str
    path: str | None = None  # the file, once found
    pack_id: str | None = None  # none: the pack did not load
    rules: int | None = None
    issues: list[LintRecord]


class LintReport(BaseModel):
    """What `policyengine lint --format json` writes: every pack checked, with its issues."""

    model_config = _DATA
    format: Literal["policyengine.lint"]
    format_version: Literal[1]
    packs: list[PackLint]

    @property
    def issue_count(self) -> int:
        """Load errors and lint findings of every pack."""
        return sum(len(pack.issues) for pack in self.packs)


@dataclass(frozen=True, slots=True)
class PackLintResult:
    """One pack's lint: the loaded pack and its issues, or the error that stopped loading."""

    ref: str
    pack: CompiledPack | None
    error: PackError | None
    issues: tuple[LintIssue, ...] = ()

    def to_record(self) -> PackLint:
        """The result as data."""
        if self.pack is None:
            errors = self.error.errors if isinstance(self.error, PackErrors) else (self.error,)
            return PackLint(ref=self.ref, issues=[_load_error(e) for e in errors if e])
        return PackLint(
            ref=self.ref,
            path=str(self.pack.path),
            pack_id=self.pack.id,
            rules=len(self.pack.rules),
            issues=[
                LintRecord(
                    code=issue.code,
                    level="warning",
                    message=issue.message,
                    location=_location(issue.location),
                    hint=issue.hint,
                )
                for issue in self.issues
            ],
        )


def lint_packs(refs: Sequence[str]) -> list[PackLintResult]:
    """Load and lint each pack of `refs` (names or files); a pack that fails to load is a
    result with its error, and the others are still checked."""
    results: list[PackLintResult] = []
    for ref in refs:
        try:
            pack = load_pack(ref)
        except PackError as exc:
            results.append(PackLintResult(ref, None, exc))
            continue
        results.append(PackLintResult(ref, pack, None, tuple(lint_pack(pack))))
    return results


def lint_report(results: Sequence[PackLintResult]) -> LintReport:
    """The results as one document."""
    return LintReport(
        format="policyengine.lint", format_version=1, packs=[r.to_record() for r in results]
    )


def _location(location: Location | None) -> IssueLocation | None:
    if location is None:
        return None
    return IssueLocation(path=location.path, line=location.line, column=location.column)


def _load_error(error: PackError) -> LintRecord:
    return LintRecord(
        code=error.code,
        level="error",
        message=error.message + (f"\n  expression: {error.expression}" if error.expression else ""),
        location=_location(error.location),
        rule_id=error.rule_id,
        hint=error.hint,
    )


def cited_articles(pack: CompiledPack) -> set[int]:
    """Articles cited anywhere in the pack (rules, thresholds, bands, scope, exceptions)."""
    spec = pack.spec
    citations: list[Citation] = [spec.scope.citation]
    citations += [e.citation for e in spec.scope.exclusions]
    citations += [t.citation for t in spec.thresholds.values()]
    for table in spec.decision_tables:
        citations.append(table.citation)
        citations += [band.citation for band in table.bands]
    for section in RULE_SECTIONS:
        for rule in getattr(spec, section):
            citations.append(rule.citation)
            citations += [e.citation for e in getattr(rule, "exceptions", []) if e.citation]
    return {c.article for c in citations}


def unaccounted_articles(pack: CompiledPack) -> list[int]:
    """Articles 1..N of the source neither cited, ledgered, nor listed as missing."""
    spec = pack.spec
    accounted = cited_articles(pack)
    accounted |= {entry.article for entry in spec.not_computable}
    accounted |= {m.article for m in spec.source.missing_articles}
    return [n for n in range(1, spec.source.articles + 1) if n not in accounted]


MAX_RANGES = 50
"""Most ranges of article numbers one message lists (the rest are counted)."""


def article_ranges(articles: list[int]) -> str:
    """Sorted article numbers as a short list: runs of three or more become ranges.

    `[1, 2, 3, 4, 7, 8, 10]` reads `[1-4, 7, 8, 10]`; past MAX_RANGES parts the rest is counted.
    """
    parts: list[str] = []
    start = 0
    while start < len(articles):
        end = start
        while end + 1 < len(articles) and articles[end + 1] == articles[end] + 1:
            end += 1
        if end - start >= 2:
            parts.append(f"{articles[start]}-{articles[end]}")
        else:
            parts += [str(n) for n in articles[start : end + 1]]
        start = end + 1
    if len(parts) > MAX_RANGES:
        parts = [*parts[:MAX_RANGES], f"... and {len(parts) - MAX_RANGES} more"]
    return "[" + ", ".join(parts) + "]"


def lint_pack(pack: CompiledPack) -> list[LintIssue]:
    """Every lint issue of a loaded pack, in file order."""
    issues = _articles(pack) + _unused_thresholds(pack) + _clause_issues(pack)
    issues += _equivalent_mutant_issues(pack)
    definitions = dict(pack.definitions)
    for rule in pack.rules:
        issues += _rule_issues(pack, rule)
        issues += _outcome_issues(pack, rule, definitions)
        issues += _modality_issues(pack, rule)
        issues += _negation_issues(pack, rule)
    return sorted(issues, key=lambda i: (i.location.line or 0, i.location.column or 0, i.code))


def _articles(pack: CompiledPack) -> list[LintIssue]:
    spec = pack.spec
    where = pack.locate("source", "articles")
    issues = [
        LintIssue(
            "lint.article_out_of_range",
            f"article {article} is cited but the source has {spec.source.articles}",
            where,
            "fix the citation or source.articles",
        )
        for article in sorted(a for a in cited_articles(pack) if a > spec.source.articles)
    ]
    missing = unaccounted_articles(pack)
    if missing:
        issues.append(
            LintIssue(
                "lint.article_unaccounted",
                f"articles neither encoded nor ledgered: {article_ranges(missing)}",
                where,
                "cite each article in a rule, or list it under not_computable with the reason",
            )
        )
    return issues


MAX_LISTED_CLAUSES = 60
"""Most clause ids one message lists (the rest are counted)."""


def _clause_issues(pack: CompiledPack) -> list[LintIssue]:
    try:
        clauses = clause_list_for(pack)
    except PackError as exc:
        return [LintIssue(exc.code, exc.message, exc.location or pack.locate(), exc.hint)]
    if clauses is None:
        return []
    issues: list[LintIssue] = []
    named: set[str] = set()
    for reference in references(pack):
        where = pack.locate(*reference.loc)
        unknown = [c for c in reference.clauses if c not in clauses.by_id]
        named.update(reference.clauses)
        if unknown:
            issues.append(
                LintIssue(
                    "lint.clause_unknown",
                    f"{reference.owner} names clauses the clause list does not have: "
                    + ", ".join(unknown),
                    where,
                    f"see {pack.spec.source.clause_file} for the ids",
                )
            )
            continue
        if reference.ledger is not None and not reference.clauses:
            issues.append(
                LintIssue(
                    "lint.clause_not_named",
                    f"{reference.owner} (article {reference.ledger.article}) names no clause",
                    where,
                    "add the ids of the clauses it stands for (clauses: [...])",
                )
            )
        if reference.citation is not None:
            issues += _citation_issues(
                reference.owner, reference.citation, reference.clauses, clauses, where
            )
    open_clauses = [c.id for c in clauses.normative if c.id not in named]
    if open_clauses:
        listed = ", ".join(open_clauses[:MAX_LISTED_CLAUSES])
        more = len(open_clauses) - MAX_LISTED_CLAUSES
        issues.append(
            LintIssue(
                "lint.clause_unaccounted",
                f"{len(open_clauses)} normative clause(s) neither encoded nor ledgered: {listed}"
                + (f" ... and {more} more" if more > 0 else ""),
                pack.locate("source", "clause_file"),
                "cite each clause in the rule that encodes it (citation.clauses), or list it "
                "under not_computable with the reason",
            )
        )
    return issues


def _citation_issues(
    owner: str, citation: Citation, ids: tuple[str, ...], clauses: ClauseList, where: Location
) -> list[LintIssue]:
    if not ids:
        suggested = clauses_quoted(citation, clauses)
        return [
            LintIssue(
                "lint.clause_not_named",
                f"{owner} cites article {citation.article} but names no clause",
                where,
                f"add clauses: [{', '.join(suggested)}]"
                if suggested
                else "add the ids of the clauses it encodes (citation.clauses)",
            )
        ]
    named = [clauses.by_id[c] for c in ids]
    issues: list[LintIssue] = []
    if any(
        c.article != citation.article
        or (citation.para is not None and c.paragraph not in (None, citation.para))
        or (citation.item is not None and c.item not in (None, citation.item))
        for c in named
    ):
        issues.append(
            LintIssue(
                "lint.citation_mismatch",
                f"{owner} cites article {citation.article}"
                + (f" paragraph {citation.para}" if citation.para else "")
                + (f" item {citation.item}" if citation.item else "")
                + " but names clauses "
                + ", ".join(f"{c.id} ({c.cite})" for c in named),
                where,
                "make the article, para and item agree with the clauses",
            )
        )
    outside = fragments_outside(citation.quote, [c.text for c in named])
    if outside:
        issues.append(
            LintIssue(
                "lint.quote_outside_clause",
                f"{owner}: the quote is not in clauses {', '.join(ids)}: " + " | ".join(outside),
                where,
                "quote the official wording of the clauses named, or name the clauses it is from",
            )
        )
    return issues


def _equivalent_mutant_issues(pack: CompiledPack) -> list[LintIssue]:
    listed = pack.spec.equivalent_mutants
    if not listed:
        return []
    known = mutant_ids(pack.spec)
    ids = set(known)
    return [
        LintIssue(
            "lint.equivalent_mutant_unknown",
            f"equivalent mutant '{entry.id}' is not a mutant of this pack",
            pack.locate("equivalent_mutants", index, "id"),
            did_you_mean(entry.id, known)
            or "`policyengine mutate PACK --format json` lists the survivors by id",
        )
        for index, entry in enumerate(listed)
        if entry.id not in ids
    ]


def _unused_thresholds(pack: CompiledPack) -> list[LintIssue]:
    used: set[str] = set()
    for table in pack.tables:
        used |= {str(b) for band in table.spec.bands for b in (band.min, band.max) if b is not None}
        used |= table.input.names
    for _, expr in pack.definitions:
        used |= expr.names
    for rule in pack.rules:
        for expr in rule.expressions():
            used |= expr.names
    for _, expr in pack.exclusions:
        used |= expr.names
    if pack.applies_when is not None:
        used |= pack.applies_when.names
    return [
        LintIssue(
            "lint.unused_threshold",
            f"threshold '{name}' is not used by any rule or table",
            pack.locate("thresholds", name, key=True),
            "use it, or remove it",
        )
        for name in pack.spec.thresholds
        if name not in used
    ]


def _rule_issues(pack: CompiledPack, rule: CompiledRule) -> list[LintIssue]:
    issues: list[LintIssue] = []
    base = (rule.section, rule.index)
    test_role = "condition" if isinstance(rule.spec, AcceptanceFailure) else "check"
    roles = {"when": rule.when, test_role: rule.test}
    for role, expr in roles.items():
        if expr is None:
            continue
        where = pack.locate(*base, role)
        if not expr.facts:
            issues.append(
                LintIssue(
                    "lint.constant_condition",
                    f"'{rule.id}' {role} reads no fact, so it is always the same: {expr.text}",
                    where,
                    "a condition should depend on the project",
                )
            )
        contradiction = _contradiction(expr, pack)
        if contradiction:
            issues.append(
                LintIssue(
                    "lint.unreachable_condition",
                    f"'{rule.id}' {role} can never hold: {contradiction}",
                    where,
                    "check the comparison operators and thresholds",
                )
            )
    spec = rule.spec
    if isinstance(spec, RequiredDocuments):
        listed = [
            m.value for d in spec.documents for m in (d.any_of if isinstance(d, AnyOf) else [d])
        ]
        for doc in sorted({d for d in listed if listed.count(d) > 1}):
            issues.append(
                LintIssue(
                    "lint.duplicate_document",
                    f"'{rule.id}' names '{doc}' more than once",
                    pack.locate(*base, "documents"),
                )
            )
    if isinstance(spec, Deadline) and spec.before is not None:
        issues += _order_issues(pack, rule, spec)
    if isinstance(spec, ProhibitedItems):
        items = [i.value for i in spec.items]
        for item in sorted({i for i in items if items.count(i) > 1}):
            issues.append(
                LintIssue(
                    "lint.duplicate_item",
                    f"'{rule.id}' names '{item}' more than once",
                    pack.locate(*base, "items"),
                )
            )
    return issues


def _order_issues(pack: CompiledPack, rule: CompiledRule, spec: Deadline) -> list[LintIssue]:
    """An order of two steps that the project model already fixes (`DATE_ORDER`: a project
    with the later step dated first is refused), so that the rule can only ever pass, or can
    pass only when both happen on the same day."""
    assert spec.before is not None
    event, other, inclusive = spec.event, spec.before.step, spec.before.inclusive
    if (event, other) in DATE_ORDER:
        outcome = "always holds" if inclusive else "fails only when both fall on the same day"
    elif (other, event) in DATE_ORDER:
        outcome = "holds only on the same day" if inclusive else "can never hold"
    else:
        return []
    return [
        LintIssue(
            "lint.order_fixed_by_model",
            f"'{rule.id}': {event.value} before {other.value} {outcome}: a project whose "
            f"{other.value if (event, other) in DATE_ORDER else event.value} is dated first is "
            "refused as impossible",
            pack.locate(rule.section, rule.index, "before"),
            "check the steps of the order; an order the model fixes needs no rule",
        )
    ]


# One reading of the modal words for every pack. 应 alone is a duty, but not inside 应用, 应急
# or 响应; 一般 is a soft duty only before a verb of obligation (一般不得), not as "general".
_MODALITY: tuple[tuple[Severity, re.Pattern[str]], ...] = (
    (Severity.WARNING, re.compile(r"原则上|一般(?=不|应|须|要)")),
    (Severity.ERROR, re.compile(r"必须|应当|不得|严禁|禁止|不予|不准|须|(?<!响)应(?![用急])")),
    (Severity.INFO, re.compile(r"鼓励|可以")),
)


def modal_severity(quote: str) -> Severity | None:
    """The severity the modal words of a quote call for, or None when it has none."""
    for severity, pattern in _MODALITY:
        if pattern.search(quote):
            return severity
    return None


def _modality_issues(pack: CompiledPack, rule: CompiledRule) -> list[LintIssue]:
    spec = rule.spec
    expected = modal_severity(spec.citation.quote)
    if expected is None or expected is spec.severity or spec.severity_reading:
        return []
    return [
        LintIssue(
            "lint.severity_modality",
            f"'{rule.id}' is {spec.severity.value} but its quote reads as {expected.value}",
            pack.locate(rule.section, rule.index, "citation", "quote"),
            f"make it severity: {expected.value}, or say why in severity_reading",
        )
    ]


def _negation_issues(pack: CompiledPack, rule: CompiledRule) -> list[LintIssue]:
    if rule.when is None or rule.spec.negation_reading:
        return []
    negated = _negated_project_facts(rule.when.tree)
    return [
        LintIssue(
            "lint.exception_as_condition",
            f"'{rule.id}' applies only when {name} is stated false, so it is unknown whenever "
            f"{name} is unknown",
            pack.locate(rule.section, rule.index, "when"),
            f"if the text carves this case out (除外, 不含, 除…外), move it to exceptions: "
            f"[{{when: {name}, ...}}]: an unknown {name} then leaves the outcome standing as an "
            "assumption; if the negation is the rule's own condition, say why in negation_reading",
        )
        for name in negated
    ]


def _negated_project_facts(tree: ast.AST) -> list[str]:
    """Project facts a conjunction requires false: `not x` or `x == False` at its top level."""
    parts = tree.values if isinstance(tree, ast.BoolOp) and isinstance(tree.op, ast.And) else [tree]
    names: list[str] = []
    for part in parts:
        name = None
        if isinstance(part, ast.UnaryOp) and isinstance(part.op, ast.Not):
            name = part.operand.id if isinstance(part.operand, ast.Name) else None
        elif (
            isinstance(part, ast.Compare)
            and len(part.ops) == 1
            and isinstance(part.ops[0], ast.Eq | ast.Is)
            and isinstance(part.left, ast.Name)
            and isinstance(part.comparators[0], ast.Constant)
            and part.comparators[0].value is False
        ):
            name = part.left.id
        if name in _PROJECT_FLAGS:
            names.append(name)
    return names


# Stated facts of the project: derived facts (a step's outcome, a definition) are conditions of
# their own, not exceptions a caller might leave unstated.
_PROJECT_FLAGS = frozenset(
    name for name, spec in FACTS.items() if spec.kind is FactType.BOOL and name in FACT_FIELDS
)

_OUTCOME_STEP_NAMES = {step.value for step in OUTCOME_STEPS}


def _outcome_issues(
    pack: CompiledPack, rule: CompiledRule, definitions: dict[str, Expression]
) -> list[LintIssue]:
    if isinstance(rule.spec, Deadline):
        return []  # a deadline asks when the step happened, whatever its outcome
    relied: set[str] = set()
    read: set[str] = set()
    for expr in _with_definitions(rule.expressions(), definitions):
        relied |= _steps_relied_on(expr.tree)
        read |= expr.facts
    waived = {step.value for step in rule.spec.outcome_irrelevant}
    unread = sorted(
        s for s in relied - waived if s in _OUTCOME_STEP_NAMES and f"{s}_passed" not in read
    )
    if not unread:
        return []
    return [
        LintIssue(
            "lint.outcome_not_read",
            f"'{rule.id}' relies on {', '.join(unread)} without reading whether "
            + ("it" if len(unread) == 1 else "they")
            + " passed",
            pack.locate(rule.section, rule.index),
            "a refused approval or failed review is taken but not passed: read "
            + " and ".join(f"{s}_passed" for s in unread)
            + ", or list the step under outcome_irrelevant and say why",
        )
    ]


def _with_definitions(
    expressions: list[Expression], definitions: dict[str, Expression]
) -> list[Expression]:
    """The expressions and every definition they read, directly or through other definitions."""
    found: list[Expression] = []
    seen: set[str] = set()
    pending = list(expressions)
    while pending:
        expr = pending.pop()
        found.append(expr)
        for name in expr.names:
            if name in definitions and name not in seen:
                seen.add(name)
                pending.append(definitions[name])
    return found


def _steps_relied_on(tree: ast.AST) -> set[str]:
    """Steps an expression relies on having been taken: `'x' in steps` or `x_date`."""
    steps: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id.endswith("_date"):
            steps.add(node.id.removesuffix("_date"))
        if (
            isinstance(node, ast.Compare)
            and isinstance(node.left, ast.Constant)
            and isinstance(node.left.value, str)
            and any(isinstance(c, ast.Name) and c.id == "steps" for c in node.comparators)
        ):
            steps.add(node.left.value)
    return steps


_FLIP = {ast.Lt: ast.Gt, ast.LtE: ast.GtE, ast.Gt: ast.Lt, ast.GtE: ast.LtE}


def _contradiction(expr: Expression, pack: CompiledPack) -> str | None:
    """For a conjunction of comparisons of facts with numbers, a fact no value can satisfy."""
    node = expr.tree
    parts = node.values if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And) else [node]
    bounds: dict[str, list[tuple[type[ast.cmpop], Decimal]]] = {}
    for part in parts:
        if not (isinstance(part, ast.Compare) and len(part.ops) == 1):
            continue
        op, left, right = type(part.ops[0]), part.left, part.comparators[0]
        if op not in _FLIP:
            continue
        number = _number(right, pack)
        if isinstance(left, ast.Name) and number is not None:
            bounds.setdefault(left.id, []).append((op, number))
            continue
        number = _number(left, pack)
        if isinstance(right, ast.Name) and number is not None:
            bounds.setdefault(right.id, []).append((_FLIP[op], number))
    for fact, constraints in bounds.items():
        low, low_open, high, high_open = None, False, None, False
        for op, value in constraints:
            if op in (ast.Gt, ast.GtE) and (
                low is None or value > low or (value == low and op is ast.Gt)
            ):
                low, low_open = value, op is ast.Gt
            if op in (ast.Lt, ast.LtE) and (
                high is None or value < high or (value == high and op is ast.Lt)
            ):
                high, high_open = value, op is ast.Lt
        if (
            low is not None
            and high is not None
            and (low > high or (low == high and (low_open or high_open)))
        ):
            return (
                f"no value of {fact} is both {'>' if low_open else '>='} {low} and "
                f"{'<' if high_open else '<='} {high}"
            )
    return None


def _number(node: Any, pack: CompiledPack) -> Decimal | None:
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | Decimal)
        and not isinstance(node.value, bool)
    ):
        return Decimal(node.value)
    if isinstance(node, ast.Name) and node.id in pack.thresholds:
        return pack.thresholds[node.id]
    return None
