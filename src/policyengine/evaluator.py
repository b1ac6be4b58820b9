"""Evaluate a project against a pack: facts are read once, then every rule in pack order.

Three-valued throughout: a rule whose facts are unknown is `unknown` and names them, never a silent
pass. A rule that raises becomes an `error` finding and the other rules still run.

`evaluate` decides the rules with the pack's compiled program (`policyengine.program`) and builds
the findings from its outcomes; for a rule that is unknown or in error, and for deadlines, it asks
the interpreter, which also explains why. `interpret` is that interpreter run over every rule: the
reference the compiled path is tested against, verdict for verdict.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from enum import Enum
from typing import Any

from .calendar import CalendarUnavailable
from .deadlines import Judged
from .errors import EvaluationError
from .expressions import Expression
from .facts import FACTS, FactType
from .loader import CompiledPack, CompiledRule, CompiledTable, get_pack
from .pack import (
    AcceptanceFailure,
    Deadline,
    ProhibitedItems,
    RequiredDocuments,
    Rule,
    Severity,
    Text,
)
from .partial import PartialSet
from .program import (
    ERROR,
    FAIL,
    NOT_APPLICABLE,
    PASS,
    SOURCE_GAP,
    STATUSES,
    UNKNOWN,
    Band,
    Outcome,
    Program,
    ScopeWalk,
    active_rules,
    deadline_outcome,
    due,
    missing_documents,
    partially_found,
    partially_missing,
)
from .project import PartialSteps, Project, StepRecord
from .verdict import (
    Assumption,
    DeadlineResult,
    DeadlineState,
    Decision,
    Decisions,
    ExclusionHit,
    FactValue,
    Finding,
    FindingTemplate,
    Gathered,
    OverallStatus,
    StageBasis,
    Status,
    UnreadFacts,
    Verdict,
    build,
    gather,
    quick_finding,
)
from .vocabulary import Consequence, Document, Item, Stage, Step, Vocabulary, stage_reached

Namespace = dict[str, Any]


class _DefinitionFailed:
    """Marks a definition whose evaluation raised; rules reading it report `error`."""

    def __init__(self, name: str, error: Exception) -> None:
        self.name = name
        self.error = error


def evaluate(
    project: Project | Mapping[str, Any],
    pack: CompiledPack | str,
    *,
    stage: Stage | str | None = None,
    as_of: dt.date | None = None,
) -> Verdict:
    """Evaluate `project` against `pack` at `stage` (None: every stage) as of a date.

    `as_of` defaults to today; deadlines whose event has not happened are overdue only once
    `as_of` is past the due date. Raises `ProjectError` for an invalid project mapping and
    `EvaluationError` for an unknown stage.
    """
    compiled = get_pack(pack)
    model = project if isinstance(project, Project) else Project.from_mapping(project)
    stage_value, basis = project_stage(model, _stage(stage))
    day = as_of if as_of is not None else dt.date.today()
    # The scope first, from the facts it reads alone: out of scope, no rule applies, none runs.
    stages = (stage_value, basis)
    early = _Evaluation(compiled, model, stages, day, _scope_namespace(compiled, model, day))
    scope = _early_scope(compiled, early)
    if scope is not None and scope[0] is False:
        return early.run(None, scope)
    namespace: Namespace = compiled.reader.read(model, day)
    namespace.update(compiled.thresholds)
    evaluation = _Evaluation(compiled, model, stages, day, namespace)
    outcome = compiled.program(stage_value).run(namespace, model.procedure.steps, day)
    if outcome is None:  # a definition raised: the interpreter names the rules it breaks
        return interpret(model, compiled, stage=stage, as_of=day)
    return evaluation.run(outcome, scope)


def decide(
    project: Project | Mapping[str, Any],
    pack: CompiledPack | str,
    *,
    stage: Stage | str | None = None,
    as_of: dt.date | None = None,
) -> Decisions:
    """The decisions of `evaluate` without the findings' detail, for screening many projects.

    Same arguments and the same answers as `evaluate` (`Decisions.of(evaluate(...))`), without
    building messages, facts read or citations.
    """
    compiled = get_pack(pack)
    model = project if isinstance(project, Project) else Project.from_mapping(project)
    asked = _stage(stage)
    day = as_of if as_of is not None else dt.date.today()
    # The scope first, from the facts it reads alone.
    walk = _compiled_walk(compiled, _scope_namespace(compiled, model, day), day)
    if walk is None:  # a definition raised: the interpreter names the rules it breaks
        return Decisions.of(interpret(model, compiled, stage=stage, as_of=day))
    in_scope = walk[0]
    if in_scope is False:  # out of scope: no rule applies, none runs
        return compiled.out_of_scope
    stage_value, _ = project_stage(model, asked)
    namespace: Namespace = compiled.reader.read(model, day)
    namespace.update(compiled.thresholds)
    program = compiled.program(stage_value)
    outcome = program.run(namespace, model.procedure.steps, day)
    if outcome is None:  # a definition raised
        return Decisions.of(interpret(model, compiled, stage=stage, as_of=day))
    route = None
    undecided_table = False
    codes, details, _, bands = outcome
    for table, (status, band, _, _) in zip(program.tables, bands, strict=True):
        undecided_table = undecided_table or status in _UNDECIDED
        if table.spec.primary and band is not None:
            route = table.spec.bands[band].id
    # An undecided scope or decision table leaves the verdict incomplete, whatever the rules say.
    undecided = undecided_table or in_scope is None
    overall, statuses, missing = _statuses(program, codes, details, model, undecided)
    return Decisions(compiled.id, in_scope, overall, route, statuses, missing)


def _statuses(
    program: Program,
    codes: list[int],
    details: list[Any],
    project: Project,
    undecided: bool,
) -> tuple[OverallStatus, dict[str, Status], tuple[Document, ...]]:
    """The overall status, each rule's status and the missing documents of an in-scope project,
    from the program's outcomes (this is most of `decide` after the program)."""
    ids = program.ids
    statuses = dict(zip(ids, map(STATUSES.__getitem__, codes), strict=True))
    waived: set[int] = set()
    justifications = project.justifications
    if justifications:  # a duty in principle, departed from with a stated reason, passes
        for k in program.waivable:
            if codes[k] == FAIL and justifications.get(ids[k]) is not None:
                waived.add(k)
                statuses[ids[k]] = Status.PASS
    failed = False
    incomplete = undecided
    for k in program.decisive:  # never waivable: an error-level duty cannot be waived
        code = codes[k]
        if code == FAIL:
            failed = True
            break
        if code in (UNKNOWN, ERROR) and not _pending_result(details[k]):
            incomplete = True
    missing: set[Document] = set()
    for k in program.documents:
        if codes[k] == FAIL and k not in waived:
            missing.update(details[k])
    if failed:
        overall = OverallStatus.NON_COMPLIANT
    else:
        overall = OverallStatus.INCOMPLETE if incomplete else OverallStatus.COMPLIANT
    return overall, statuses, tuple(_ordered(missing))


def interpret(
    project: Project | Mapping[str, Any],
    pack: CompiledPack | str,
    *,
    stage: Stage | str | None = None,
    as_of: dt.date | None = None,
) -> Verdict:
    """`evaluate` by the interpreter alone: every rule, expression by expression.

    The reference semantics: `evaluate` must return the same verdict. Slower; use `evaluate`.
    """
    compiled = get_pack(pack)
    model = project if isinstance(project, Project) else Project.from_mapping(project)
    stage_value, basis = project_stage(model, _stage(stage))
    day = as_of if as_of is not None else dt.date.today()
    namespace = build_namespace(compiled, model, day)
    return _Evaluation(compiled, model, (stage_value, basis), day, namespace).run(None)


def project_stage(project: Project, stage: Stage | None = None) -> tuple[Stage | None, StageBasis]:
    """The stage to evaluate `project` at, and where it comes from.

    The stage asked for; else the project's own `stage`; else the latest stage of the steps it
    has taken; else none (every duty is checked, which the verdict states).
    """
    if stage is not None:
        return stage, StageBasis.GIVEN
    if project.stage is not None:
        return project.stage, StageBasis.PROJECT
    reached = stage_reached(_taken_steps(project))
    if reached is not None:
        return reached, StageBasis.STEPS
    return None, StageBasis.EVERY


def _stage(stage: Stage | str | None) -> Stage | None:
    if stage is None or isinstance(stage, Stage):
        return stage
    named = _STAGE_NAMED.get(stage)
    if named is not None:
        return named
    try:
        return Stage(stage)
    except ValueError:
        from ._suggest import did_you_mean

        raise EvaluationError(
            f"unknown stage '{stage}'",
            code="evaluation.unknown_stage",
            hint=did_you_mean(stage, [s.value for s in Stage])
            or "stages: " + ", ".join(s.value for s in Stage),
        ) from None


_STAGE_NAMED: dict[str, Stage] = {stage.value: stage for stage in Stage}
"""Each stage by its name: looked up, not converted, on every call."""


def _early_scope(pack: CompiledPack, evaluation: _Evaluation) -> _Scope | None:
    """The scope, decided before any rule runs, from the facts it reads alone. None when a
    definition it reads raises: the program's own handling of a failing definition then
    decides."""
    walk = _compiled_walk(pack, evaluation.ns, evaluation.as_of)
    return None if walk is None else evaluation.scope(walk)


def _scope_namespace(pack: CompiledPack, project: Project, as_of: dt.date) -> Namespace:
    """The facts the scope reads, and the thresholds."""
    namespace: Namespace = pack.scope_reader.read(project, as_of)
    namespace.update(pack.scope_thresholds)
    return namespace


def _compiled_walk(pack: CompiledPack, namespace: Namespace, as_of: dt.date) -> ScopeWalk | None:
    """`_walk_scope` by the pack's compiled scope (`program.compile_scope`), which computes the
    definitions the scope reads first (the program computes them again, to the same values);
    None when one of them raises."""
    effective = pack.effective
    if effective is not None and as_of < effective:
        return False, _NOT_IN_FORCE, []
    return pack.scope_walk(namespace)


_NOT_IN_FORCE = -1
"""`_walk_scope`'s exclusion index for a date before the regulation's `source.effective`."""


def _walk_scope(
    pack: CompiledPack, namespace: Namespace, as_of: dt.date
) -> tuple[bool | None, int | None, list[int]]:
    """The scope of a project whose scope definitions are computed: in scope or not (None:
    undecided); the index of the exclusion that took it out (`_NOT_IN_FORCE`: the regulation
    was not in force), else None; and the indexes of the exclusions whose facts are unknown.

    The positive condition must be established; an exclusion is a default's exception: it
    takes a project out only when its condition holds, and one whose facts are unknown is
    assumed not to apply rather than leaving the scope undecided.
    """
    effective = pack.spec.source.effective
    if effective is not None and as_of < effective:
        return False, _NOT_IN_FORCE, []
    unknown: list[int] = []
    for index, (_, expr) in enumerate(pack.exclusions):
        value = _safely(expr, namespace)
        if value is True:
            return False, index, []
        if value is None:
            unknown.append(index)
    if pack.applies_when is not None:
        value = _safely(pack.applies_when, namespace)
        if value is False or value is None:
            return value, None, unknown
    return True, None, unknown


def _safely(expr: Expression, namespace: Namespace) -> Any:
    # An expression that raises counts as unknown: it neither excludes nor establishes.
    try:
        return expr.evaluate(namespace)
    except Exception:
        return None


def build_namespace(pack: CompiledPack, project: Project, as_of: dt.date) -> Namespace:
    """Facts, thresholds and definitions of one project, as expressions see them."""
    namespace: Namespace = pack.reader.read(project, as_of)
    namespace.update(pack.thresholds)
    failed: dict[str, _DefinitionFailed] = {}
    for name, expr in pack.definitions:
        if any(n in failed for n in expr.names):
            namespace[name] = None
            failed[name] = failed[next(n for n in expr.names if n in failed)]
            continue
        try:
            namespace[name] = expr.evaluate(namespace)
        except Exception as exc:
            namespace[name] = None
            failed[name] = _DefinitionFailed(name, exc)
    namespace["__failed__"] = failed
    return namespace


_Scope = tuple[bool | None, ExclusionHit | None, list[str], list[Assumption]]
"""In scope or not (None: undecided), the exclusion that applied, the facts missing, and the
exclusions assumed not to apply."""


class _Evaluation:
    def __init__(
        self,
        pack: CompiledPack,
        project: Project,
        stage: tuple[Stage | None, StageBasis],
        as_of: dt.date,
        namespace: Namespace,
    ) -> None:
        self.pack = pack
        self.project = project
        self.stage, self.stage_basis = stage
        self.as_of = as_of
        self.ns = namespace
        self.failed: dict[str, _DefinitionFailed] = namespace.get("__failed__") or {}
        self.fact_values = _FactValues(namespace, project)

    def run(self, outcome: Outcome | None, scope: _Scope | None = None) -> Verdict:
        """The verdict, from the compiled program's outcome (or, with None, by interpretation),
        and the scope when it was decided already."""
        spec = self.pack.spec
        in_scope, exclusion, scope_missing, scope_assumed = scope or self.scope()
        decisions: list[Decision] = []
        findings: list[Finding] = []
        rules: tuple[CompiledRule, ...] = ()
        attesting: Sequence[int] = ()
        gathered = gather(findings)
        if in_scope is not False:  # out of scope (excluded or not covered): no rule applies
            if outcome is None:
                tables = [t for t in self.pack.tables if due(t.spec.due_from, self.stage)]
                decisions = [self._decision(t, choose_band(t, self.ns)) for t in tables]
                rules = active_rules(self.pack, self.stage)
                findings = [self._finding(rule) for rule in rules]
                gathered = gather(findings)
                attesting = [k for k, rule in enumerate(rules) if rule.attested]
            else:
                program = self.pack.program(self.stage)
                bands = zip(program.tables, outcome[3], strict=True)
                decisions = [self._decision(table, band) for table, band in bands]
                rules, attesting = program.rules, program.attesting
                findings, gathered = self._findings(rules, outcome)
        primary_ids = {t.spec.id for t in self.pack.tables if t.spec.primary}
        primary = next((d for d in decisions if d.table_id in primary_ids), None)
        return build(
            Verdict,
            {
                "pack_id": spec.id,
                "pack_version": spec.version,
                "jurisdiction": spec.jurisdiction,
                "source": self.pack.source_ref,
                "project_id": self.project.id,
                "project_name": self.project.name,
                "stage": self.stage,
                "stage_basis": self.stage_basis,
                "as_of": self.as_of,
                "in_scope": in_scope,
                "scope_missing_facts": scope_missing,
                "exclusion": exclusion,
                "assumptions": scope_assumed + gathered.assumptions,
                "attestations": self._attestations(rules, findings, attesting),
                "status": _status(in_scope, gathered, decisions),
                "route": primary,
                "decisions": decisions,
                "findings": findings,
                "missing_documents": _ordered(gathered.missing_documents),
                "consequences": _ordered(gathered.consequences),
                "deadlines": gathered.deadlines,
            },
        )

    # scope -------------------------------------------------------------------------------

    def scope(self, walk: ScopeWalk | None = None) -> _Scope:
        """In scope or not (None: undecided), the exclusion that applied, the facts missing, and
        the exclusions assumed not to apply (an assumption of the verdict: see `_walk_scope`),
        from the `walk` of the scope when it was taken already (else by the interpreter).
        """
        in_scope, excluded, unknown = walk or _walk_scope(self.pack, self.ns, self.as_of)
        if excluded == _NOT_IN_FORCE:
            effective = self.pack.spec.source.effective
            assert effective is not None
            return False, _not_in_force(effective), [], []
        if excluded is not None:
            exclusion, _ = self.pack.exclusions[excluded]
            hit = build(
                ExclusionHit,
                {"id": exclusion.id, "reason": exclusion.reason, "citation": exclusion.citation},
            )
            return False, hit, [], []
        if in_scope is False:
            return False, None, [], []
        assumed = []
        for index in unknown:
            exclusion, expr = self.pack.exclusions[index]
            assumed.append(
                build(
                    Assumption,
                    {
                        "exception_id": exclusion.id,
                        "reason": exclusion.reason,
                        "missing_facts": expr.missing(self.ns),
                        "citation": exclusion.citation,
                    },
                )
            )
        if in_scope is None:
            assert self.pack.applies_when is not None
            return None, None, sorted(self.pack.applies_when.missing(self.ns)), assumed
        return True, None, [], assumed

    def _safe(self, expr: Expression) -> Any:
        return _safely(expr, self.ns)

    # decision tables ---------------------------------------------------------------------

    def _decision(self, table: CompiledTable, band: Band) -> Decision:
        """The decision of a table due at the stage, from the band chosen (`choose_band`)."""
        spec = table.spec
        base = {"table_id": spec.id, "title": spec.title, "citation": spec.citation}
        status, band_index, amount, unknown = band
        if unknown is not None:
            return build(
                Decision,
                dict(status=Status.UNKNOWN, missing_facts=unknown.missing(self.ns), **base),
            )
        if band_index is None:
            # Not applicable; in error; or a negative input below a table that starts at 0.
            return build(Decision, dict(status=status, input=amount, **base))
        chosen = spec.bands[band_index]
        return build(
            Decision,
            {
                "status": Status.PASS,
                "input": amount,
                "band_id": chosen.id,
                "label": chosen.label,
                "approver": chosen.approver,
                "citation": chosen.citation,
                "table_id": spec.id,
                "title": spec.title,
            },
        )

    # rules -------------------------------------------------------------------------------

    def _finding(self, rule: CompiledRule) -> Finding:
        base = rule.prototype
        broken = self._failed_definition(rule)
        if broken is not None:
            return base.make(
                {
                    "status": Status.ERROR,
                    "error": f"definition '{broken.name}' failed: {_describe(broken.error)}",
                }
            )
        try:
            return self._excepting(rule, self._judge(rule, base))
        except CalendarUnavailable as exc:
            return base.make({"status": Status.UNKNOWN, "error": str(exc)})
        except Exception as exc:
            return base.make({"status": Status.ERROR, "error": _describe(exc)})

    def _findings(
        self, rules: Sequence[CompiledRule], outcome: Outcome
    ) -> tuple[list[Finding], Gathered]:
        """The findings of the rules the compiled program decided, and what the verdict gathers
        from them. The hot path: a rule that does not apply, passes with nothing to add, or
        fails plainly, is a status, the facts it read and the rule's shared failure fields."""
        findings: list[Finding] = []
        append = findings.append
        values = self.fact_values
        none = _NO_MORE
        others: list[Finding] = []  # the findings built off the hot path, in order
        failed: list[CompiledRule] = []  # the rules that failed plainly
        codes, details, notes, _ = outcome
        for rule, code, detail, note in zip(rules, codes, details, notes, strict=True):
            if note is None:
                if code == NOT_APPLICABLE:
                    append(quick_finding(rule.data, _NOT_APPLICABLE, rule.unread, none, values))
                    continue
                if code == PASS and (rule.plain_pass or (rule.banning and detail is None)):
                    # As the interpreter does, a decided rule also records the list it judged.
                    append(quick_finding(rule.data, _PASS, rule.unread_judged, none, values))
                    continue
                failing = rule.failing
                if code == FAIL and failing is not None and not self._justified(rule):
                    facts = rule.unread_judged
                    append(quick_finding(rule.data, _FAIL, facts, failing, values))
                    failed.append(rule)
                    continue
            finding = self._from_outcome(rule, code, detail, note)
            append(finding)
            others.append(finding)
        # What the verdict gathers from its findings: a finding of the hot path adds nothing
        # but, when it fails, its status and consequences.
        gathered = gather(others)
        for rule in failed:
            gathered.failed = gathered.failed or rule.spec.severity is Severity.ERROR
            gathered.consequences.update(rule.spec.consequences)
        return findings, gathered

    def _justified(self, rule: CompiledRule) -> bool:
        # Whether the project states a reason to depart from this duty in principle.
        return _justification(rule.spec, self.project) is not None

    def _from_outcome(self, rule: CompiledRule, code: int, detail: Any, note: Any) -> Finding:
        """The finding of a rule the compiled program decided (the hot path: one per rule)."""
        if note is not None:
            applied, assumed = note
            if applied is not None:
                return self._excepted_rule(rule, applied)
            finding = self._decided(rule, code, detail)
            if finding.status is not Status.FAIL:
                # A justified departure passes whatever the exceptions: it assumes nothing.
                return finding
            return finding.replace(assumptions=self._assumed(rule, assumed))
        return self._decided(rule, code, detail)

    def _decided(self, rule: CompiledRule, code: int, detail: Any) -> Finding:
        """A finding `_findings` does not make itself: an unknown or an error, a failure that
        lists what is missing or found, is justified or has assumptions, a ban an exception
        excuses, a deadline. (A rule that does not apply or plainly passes never comes here:
        the program notes exceptions only of a rule that failed or was unknown.)"""
        if code == UNKNOWN:
            unknown = self._undecided(rule, detail)
            if unknown is not None:
                return unknown
        if code in (UNKNOWN, ERROR):
            # The interpreter says what raised, or when a step is due.
            return self._finding(rule)
        spec = rule.spec
        base = rule.prototype
        # As the interpreter does, a decided rule also records the list it judged.
        facts = rule.unread_judged
        if isinstance(spec, Rule | AcceptanceFailure):
            return self._fail(spec, base, facts)
        if isinstance(spec, RequiredDocuments):
            return self._fail_listing(spec, base, facts, "missing_documents", detail, _MISSING)
        if isinstance(spec, ProhibitedItems):
            found, exception, undecided = detail
            if code == PASS:
                return self._excepted(rule, base, facts, found, exception)
            return self._items_found(rule, spec, base, facts, found, undecided)
        assert isinstance(spec, Deadline)
        result = detail.result()
        if code == PASS:  # the dates it measured are recorded with its facts, from `result`
            return self._made(base, Status.PASS, facts, {"deadline": result})
        if _justification(spec, self.project) is None:
            return self._fail(spec, base, facts, deadline=result)
        # Waived: the finding states no deadline, so its facts are written out now.
        read = self.fact_values.facts_of(rule, True, result)
        return self._fail(spec, base, read, deadline=result)

    def _undecided(self, rule: CompiledRule, why: Any) -> Finding | None:
        """The finding of a rule the program left unknown, from what it recorded as the cause
        (see `program.Outcome`), as the interpreter states it; None for a deadline, whose
        finding the interpreter builds (it says when the step is due)."""
        base = rule.prototype
        if isinstance(why, Expression):  # its `when`, source gap or test
            return self._unknown(base, rule.unread, why.missing(self.ns))
        spec = rule.spec
        if why == SOURCE_GAP:
            assert isinstance(spec, Rule)
            assert spec.source_gap is not None
            more = {"message": spec.source_gap.reason}
            return self._made(base, Status.UNKNOWN, rule.unread, more)
        if isinstance(spec, RequiredDocuments | ProhibitedItems):
            judged = "documents" if isinstance(spec, RequiredDocuments) else "items"
            missing = [judged] if why is None else _members_named(judged, why)
            return self._unknown(base, rule.unread_judged, missing)
        return None

    def _failed_definition(self, rule: CompiledRule) -> _DefinitionFailed | None:
        if not self.failed:
            return None
        for expr in rule.expressions():
            for name in expr.names:
                if name in self.failed:
                    return self.failed[name]
        return None

    def _judge(self, rule: CompiledRule, base: FindingTemplate) -> Finding:
        spec = rule.spec
        facts = self._facts_read(rule)
        if rule.when is not None:
            applies = rule.when.evaluate(self.ns)
            if applies is False:
                return base.make({"status": Status.NOT_APPLICABLE, "facts": facts})
            if applies is None:
                return self._unknown(base, facts, rule.when.missing(self.ns))
        if isinstance(spec, RequiredDocuments):
            return self._documents(rule, spec, base, facts)
        if isinstance(spec, ProhibitedItems):
            return self._prohibited(rule, spec, base, facts)
        if isinstance(spec, Deadline):
            return self._deadline(rule, spec, base, facts)
        if rule.gap is not None:
            gap = rule.gap.evaluate(self.ns)
            if gap is None:
                return self._unknown(base, facts, rule.gap.missing(self.ns))
            if gap:
                # The source itself cannot decide this case: unknown, never a guessed pass or fail.
                assert isinstance(spec, Rule)
                assert spec.source_gap is not None
                return base.make(
                    {"status": Status.UNKNOWN, "message": spec.source_gap.reason, "facts": facts}
                )
        assert rule.test is not None
        value = rule.test.evaluate(self.ns)
        if value is None:
            return self._unknown(base, facts, rule.test.missing(self.ns))
        # A rule's check must hold; an acceptance failure's condition must not.
        holds = not value if isinstance(spec, AcceptanceFailure) else bool(value)
        if holds:
            return base.make({"status": Status.PASS, "facts": facts})
        return self._fail(spec, base, facts)

    def _fail(
        self,
        spec: Any,
        base: FindingTemplate,
        facts: dict[str, FactValue] | UnreadFacts,
        **extra: Any,
    ) -> Finding:
        justification = _justification(spec, self.project)
        if justification is not None:
            # 原则上: a stated, justified departure waives the rule; the reason is on record.
            return self._made(base, Status.PASS, facts, {"justification": justification})
        more: dict[str, Any] = {name: value for name, value in extra.items() if value}
        message = more.pop("message", None) or spec.message
        if message is not None:
            more["message"] = message
        if spec.consequences:
            more["consequences"] = list(spec.consequences)
        return self._made(base, Status.FAIL, facts, more)

    def _unknown(
        self,
        base: FindingTemplate,
        facts: dict[str, FactValue] | UnreadFacts,
        missing: list[str],
        **extra: Any,
    ) -> Finding:
        more: dict[str, Any] = {"message": _unknown_message(", ".join(missing) or "a fact")}
        if missing:
            more["missing_facts"] = missing
        more.update(extra)
        return self._made(base, Status.UNKNOWN, facts, more)

    def _made(
        self,
        base: FindingTemplate,
        status: Status,
        facts: dict[str, FactValue] | UnreadFacts,
        more: dict[str, Any],
    ) -> Finding:
        """A finding of `base`'s rule; `more` holds only fields that are not at their default.
        Facts not yet read are read, when asked for, from this evaluation's values."""
        if facts.__class__ is UnreadFacts:
            return quick_finding(base.rule, status, facts, more, self.fact_values)
        return quick_finding(base.rule, status, facts, more)

    def _documents(
        self,
        rule: CompiledRule,
        spec: RequiredDocuments,
        base: FindingTemplate,
        facts: dict[str, FactValue],
    ) -> Finding:
        documents = self.ns["documents"]
        rule.record_judged(facts, self.ns)
        if documents is None:
            return self._unknown(base, facts, ["documents"])
        if isinstance(documents, PartialSet):
            missing, undecided = partially_missing(documents, rule.documents)
        else:
            missing, undecided = missing_documents(documents, rule.documents), []
        if missing:
            return self._fail_listing(spec, base, facts, "missing_documents", missing, _MISSING)
        if undecided:
            return self._unknown(base, facts, _members_named("documents", undecided))
        return base.make({"status": Status.PASS, "facts": facts})

    def _fail_listing(
        self,
        spec: RequiredDocuments | ProhibitedItems,
        base: FindingTemplate,
        facts: dict[str, FactValue] | UnreadFacts,
        field: str,
        members: list[Document] | list[Item],
        prefixes: tuple[str, str],
        **extra: Any,
    ) -> Finding:
        # A failure that lists vocabulary members; the default message names them.
        message = spec.message or _listing_message(prefixes, tuple(members))
        return self._fail(spec, base, facts, message=message, **{field: members}, **extra)

    def _prohibited(
        self,
        rule: CompiledRule,
        spec: ProhibitedItems,
        base: FindingTemplate,
        facts: dict[str, FactValue],
    ) -> Finding:
        items = self.ns["items"]
        rule.record_judged(facts, self.ns)
        if items is None:
            return self._unknown(base, facts, ["items"])
        if isinstance(items, PartialSet):
            found, open_items = partially_found(items, rule.banned)
        else:
            found, open_items = [item for item in rule.banned if item in items], []
        if not found and open_items:
            # As for an unknown list, exceptions are weighed only against items found.
            return self._unknown(base, facts, _members_named("items", open_items))
        if not found:
            return base.make({"status": Status.PASS, "facts": facts})
        undecided: list[int] = []
        for index, (_, expr) in enumerate(rule.exceptions):
            applies = expr.evaluate(self.ns)
            if applies is True:
                return self._excepted(rule, base, facts, found, index)
            if applies is None:
                undecided.append(index)
        return self._items_found(rule, spec, base, facts, found, undecided)

    def _items_found(
        self,
        rule: CompiledRule,
        spec: ProhibitedItems,
        base: FindingTemplate,
        facts: dict[str, FactValue] | UnreadFacts,
        found: list[Item],
        undecided: Iterable[int],
    ) -> Finding:
        """Prohibited items found and no exception established: the ban fails, on the
        assumption that the exceptions whose facts are unknown do not apply."""
        assumptions = self._assumed(rule, undecided)
        listing = (spec, base, facts, "prohibited_items", found, _PROHIBITED)
        return self._fail_listing(*listing, assumptions=assumptions)

    def _excepting(self, rule: CompiledRule, finding: Finding) -> Finding:
        """A failed or undecided rule, weighed against its exceptions (default logic)."""
        if not rule.exceptions or isinstance(rule.spec, ProhibitedItems):
            return finding
        if finding.status not in (Status.FAIL, Status.UNKNOWN):
            return finding
        assumed: list[int] = []
        for index, (_, expr) in enumerate(rule.exceptions):
            applies = expr.evaluate(self.ns)
            if applies is True:
                return self._excepted_rule(rule, index)
            if applies is None:
                assumed.append(index)
        if finding.status is Status.FAIL and assumed:
            return finding.replace(assumptions=self._assumed(rule, assumed))
        return finding

    def _excepted_rule(self, rule: CompiledRule, index: int) -> Finding:
        """The finding of a rule excused by its exception at `index`."""
        reason = rule.exceptions[index][0].reason
        more = {"exception": reason}
        return self._made(rule.prototype, Status.PASS, rule.unread_judged, more)

    def _assumed(self, rule: CompiledRule, indexes: Iterable[int]) -> list[Assumption]:
        """The exceptions of `rule` at `indexes`, whose facts are unknown, as assumptions."""
        assumed = []
        for index in indexes:
            exception, expr = rule.exceptions[index]
            assumed.append(
                build(
                    Assumption,
                    {
                        "rule_id": rule.id,
                        "exception_id": f"exception {index + 1}",
                        "reason": exception.reason,
                        "missing_facts": expr.missing(self.ns),
                        "citation": exception.citation,
                    },
                )
            )
        return assumed

    def _excepted(
        self,
        rule: CompiledRule,
        base: FindingTemplate,
        facts: dict[str, FactValue] | UnreadFacts,
        found: list[Item],
        exception: int,
    ) -> Finding:
        more = {"exception": rule.exceptions[exception][0].reason, "prohibited_items": found}
        return self._made(base, Status.PASS, facts, more)

    def _deadline(
        self,
        rule: CompiledRule,
        spec: Deadline,
        base: FindingTemplate,
        facts: dict[str, FactValue],
    ) -> Finding:
        code, judged, missing = deadline_outcome(
            rule, self.ns, self.project.procedure.steps, self.as_of
        )
        if judged is None:
            return self._unknown(base, facts, missing)
        result = judged.result()
        _record_steps(spec, result, self.project, facts)
        if code == PASS:
            return base.make({"status": Status.PASS, "facts": facts, "deadline": result})
        if code == FAIL:
            return self._fail(spec, base, facts, deadline=result)
        finding = self._unknown(base, facts, missing, deadline=result)
        if result.state is DeadlineState.PENDING:
            finding = finding.replace(message=_not_yet_due(result))
        return finding

    def _facts_read(self, rule: CompiledRule) -> dict[str, FactValue]:
        return self.fact_values.facts_of(rule, judged=False)

    def _attestations(
        self, rules: Sequence[CompiledRule], findings: Sequence[Finding], attesting: Sequence[int]
    ) -> list[str]:
        # A judgement is relied on where a decided finding read it as known (its facts hold
        # the value the namespace holds, converted: None where it is None). `attesting`: the
        # indexes of the rules that read a judgement.
        namespace = self.ns
        return sorted(
            {
                name
                for k in attesting
                if findings[k].status in (Status.PASS, Status.FAIL)
                for name in rules[k].attested
                if namespace.get(name) is not None
            }
        )


def _taken_steps(project: Project) -> Mapping[Step, StepRecord]:
    """The steps the project is known to have taken, with their records."""
    steps = project.procedure.steps
    if steps is None:
        return {}
    return steps.taken if isinstance(steps, PartialSteps) else steps


def _record_steps(
    spec: Deadline, result: DeadlineResult, project: Project, facts: dict[str, FactValue]
) -> None:
    """Record in a deadline's facts the dates it measured: the event's (its first date), the
    other step's for an order, every date of the event for a recurring deadline."""
    if spec.recurs is not None:
        record = _taken_steps(project).get(spec.event)
        facts[f"{spec.event.value}_dates"] = (
            None if record is None else [day.isoformat() for day in record.occurrences]
        )
        return
    facts[f"{spec.event.value}_date"] = fact_value(result.event_date)
    if spec.before is not None:
        facts[f"{spec.before.step.value}_date"] = fact_value(result.anchor)


def _not_yet_due(result: DeadlineResult) -> Text:
    if result.due is None:
        assert result.before is not None
        step = result.before
        return Text(zh=f"尚未到期: 须在{step.zh}之前完成", en=f"not yet due: due before {step.en}")
    due = result.due.isoformat()
    return Text(zh=f"尚未到期: {due} 前完成", en=f"not yet due: due by {due}")


@functools.lru_cache(maxsize=1024)
def _unknown_message(names: str) -> Text:
    """The message of a rule left unknown for want of `names` (shared: a Text is immutable)."""
    return build(
        Text, {"zh": f"缺少事实, 无法判断: {names}", "en": f"cannot decide; unknown: {names}"}
    )


@functools.lru_cache(maxsize=1024)
def _listing_message(prefixes: tuple[str, str], members: tuple[Document | Item, ...]) -> Text:
    """The default message of a failure that lists documents or items: it names them."""
    zh, en = prefixes
    return build(
        Text,
        {"zh": zh + "、".join(m.zh for m in members), "en": en + ", ".join(m.en for m in members)},
    )


def _members_named(fact: str, members: Iterable[Document | Item]) -> list[str]:
    """Members a partial record leaves undecided, as missing facts: `documents.<id>`."""
    return sorted({f"{fact}.{member.value}" for member in members})


def _justification(spec: Any, project: Project) -> str | None:
    """The justification the project states for departing from `spec`, if the rule lays down
    its duty in principle only (severity warning): an error-level duty cannot be waived."""
    if spec.severity is not Severity.WARNING or not project.justifications:
        return None
    return project.justifications.get(spec.id)


_NOT_APPLICABLE, _PASS, _FAIL = Status.NOT_APPLICABLE, Status.PASS, Status.FAIL
_NO_MORE: dict[str, Any] = {}
"""What a finding that passes or does not apply adds to its status and facts: nothing."""

_UNDECIDED = (Status.UNKNOWN, Status.ERROR)
"""Statuses of a decision table that leave the verdict incomplete."""

_MISSING = ("缺少文件: ", "missing documents: ")
_PROHIBITED = ("禁止建设或采购: ", "prohibited: ")
"""Prefixes (zh, en) of the default messages of failures that list documents or items."""


class _FactValues(dict[str, FactValue]):
    """Facts as findings record them, each converted once per evaluation, when first read."""

    def __init__(self, namespace: Namespace, project: Project) -> None:
        super().__init__()
        self.namespace = namespace
        self.project = project

    def __missing__(self, name: str) -> FactValue:
        value = self.namespace.get(name)
        converted = self[name] = None if value is None else _CONVERTERS[name](value)
        return converted

    def values_of(self, names: Iterable[str]) -> dict[str, FactValue]:
        """The facts `names`, as findings record them: each converted once (a verdict's JSON
        converts every fact its findings read, at once)."""
        namespace = self.namespace
        converters = _CONVERTERS
        values = {
            name: self[name]
            if name in self
            else (None if (value := namespace.get(name)) is None else converters[name](value))
            for name in names
        }
        self.update(values)
        return values

    def facts_of(
        self, rule: CompiledRule, judged: bool, deadline: DeadlineResult | None = None
    ) -> dict[str, FactValue]:
        """The facts `rule` read, as its finding records them; with `judged`, also the members
        of the list it judged (as a decided rule records them); with the `deadline` it judged,
        the dates it measured."""
        facts = {name: self[name] for name in rule.fact_names}
        if judged:
            rule.record_judged(facts, self.namespace)
        spec = rule.spec
        if deadline is not None and isinstance(spec, Deadline):
            _record_steps(spec, deadline, self.project, facts)
        return facts


def _within(
    value: Decimal,
    low: Decimal | None,
    low_inclusive: bool | None,
    high: Decimal | None,
    high_inclusive: bool | None,
) -> bool:
    if low is not None and (value < low or (value == low and not low_inclusive)):
        return False
    return not (high is not None and (value > high or (value == high and not high_inclusive)))


def choose_band(
    table: CompiledTable, namespace: Mapping[str, Any]
) -> tuple[Status, int | None, Decimal | None, Expression | None]:
    """(status, index of the band chosen, the input amount, the expression that was unknown).

    A `when` or `input` that raises (a division by zero, an overflow) makes the table's status
    `error`, as a rule that raises is an `error` finding.
    """
    try:
        return _choose_band(table, namespace)
    except Exception:
        return Status.ERROR, None, None, None


def _choose_band(
    table: CompiledTable, namespace: Mapping[str, Any]
) -> tuple[Status, int | None, Decimal | None, Expression | None]:
    if table.when is not None:
        applies = table.when.evaluate(namespace)
        if applies is False:
            return Status.NOT_APPLICABLE, None, None, None
        if applies is None:
            return Status.UNKNOWN, None, None, table.when
    value = table.input.evaluate(namespace)
    if value is None:
        return Status.UNKNOWN, None, None, table.input
    amount = Decimal(value)
    for index, (low, low_inc, high, high_inc) in enumerate(table.bounds):
        if _within(amount, low, low_inc, high, high_inc):
            return Status.PASS, index, amount, None
    return Status.NOT_APPLICABLE, None, amount, None


NOT_IN_FORCE = "not-in-force"
"""The exclusion id of a verdict for a date before the regulation's `source.effective`."""


def _not_in_force(effective: dt.date) -> ExclusionHit:
    return build(
        ExclusionHit,
        {
            "id": NOT_IN_FORCE,
            "reason": Text(
                zh=f"本办法自{effective.isoformat()}起施行, 评估之日尚未施行",
                en=f"the regulation is in force from {effective.isoformat()}, after the date "
                "evaluated",
            ),
            "citation": None,
        },
    )


def _pending_result(detail: Any) -> bool:
    return isinstance(detail, Judged) and detail.state is DeadlineState.PENDING


def _status(in_scope: bool | None, gathered: Gathered, decisions: list[Decision]) -> OverallStatus:
    """The verdict's status: out of scope; non-compliant when a duty of severity error failed;
    incomplete when the scope, a decision table or such a duty is undecided (a deadline not yet
    due is undecided, but nothing is missing as of the date: it leaves the verdict complete)."""
    if in_scope is False:
        return OverallStatus.OUT_OF_SCOPE
    if gathered.failed:
        return OverallStatus.NON_COMPLIANT
    undecided_table = any(d.status in _UNDECIDED for d in decisions)
    if in_scope is None or undecided_table or gathered.undecided:
        return OverallStatus.INCOMPLETE
    return OverallStatus.COMPLIANT


def fact_value(value: Any) -> FactValue:
    """A fact as a finding records it."""
    # JSON-native and unambiguous, so that a verdict's JSON round-trips to an equal verdict.
    if value is None or value.__class__ is bool:
        return value
    if isinstance(value, frozenset | set | PartialSet):
        return _sorted_names(value)
    if isinstance(value, Enum):
        return str(value.value)
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _sorted_names(
    members: frozenset[Any] | set[Any] | PartialSet,
) -> list[str] | dict[str, list[str]]:
    if isinstance(members, PartialSet):
        return {"present": _names(members.present), "absent": _names(members.absent)}
    return _names(members)


def _names(members: Iterable[Any]) -> list[str]:
    # Sorted by their names; a vocabulary member's name is looked up, not made by `str`.
    try:
        return sorted(map(_NAME_OF.__getitem__, members))
    except KeyError:
        return sorted(map(str, members))


_NAME_OF: dict[Any, str] = {
    member: member.value for vocabulary in Vocabulary.__subclasses__() for member in vocabulary
}


_BY_TYPE: dict[FactType, Callable[[Any], FactValue]] = {
    FactType.DECIMAL: str,
    FactType.INT: int,
    FactType.BOOL: bool,
    FactType.DATE: dt.date.isoformat,
    FactType.STR: str,
    FactType.ENUM: str,
    FactType.SET: _sorted_names,
}
# The same conversions as fact_value, chosen once per fact by its declared type.
_CONVERTERS: dict[str, Callable[[Any], FactValue]] = {
    name: _BY_TYPE[spec.kind] for name, spec in FACTS.items()
}

_RANK: dict[Any, int] = {
    member: rank for vocabulary in (Document, Consequence) for rank, member in enumerate(vocabulary)
}


def _ordered(values: set[Any]) -> list[Any]:
    # Vocabulary order, so that the same set always serialises the same way.
    return sorted(values, key=_RANK.__getitem__)


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"
