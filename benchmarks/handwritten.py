"""The Zhanggong pack's decisions written by hand: the baseline the engine is measured against.

`decide` makes, in plain Python, the decisions that
`policyengine.decide(project, "zhanggong", stage="audit")` makes from `policies/zhanggong.yaml`
(区府办发〔2024〕5号): scope and exclusions, the approval route, the status of each of the 68
rules, the missing documents and the overall status. `audit` is the last stage, so every duty of
the pack is due; `decide` has no stage argument and always decides them all (pass the engine
`stage="audit"` to compare: without a stage the engine uses the project's own stage, else the
latest stage of its steps). It is what a developer would write to hard-code these regulations:
attribute reads on the Project, Decimal thresholds as constants, one small block per rule.

Rules state their pack semantics exactly:
- a rule whose `when` is false is not applicable; exceptions are defaults: when a rule fails (or
  is unknown) and its exception's condition holds, it passes; an exception whose facts are
  unknown leaves the outcome standing (the Zhanggong exceptions all read known facts:
  `classified`, `force_majeure`);
- a warning-severity rule that fails passes when the project states a justification for it;
- steps: `<step>_date` is a step's latest date, a deadline measures the event's first date, and
  `<step>_passed` is unknown for a pending outcome (conditional counts as passed); the checks
  and conditions that read it are three-valued (unknown unless another part decides them).

Like the benchmark's generated projects (`benchmarks/projects.py`), it assumes that the facts the
rules read are known, except `categories` and the outcomes of steps, which may be unknown (an
unknown exclusion does not apply; an unknown `when` or check makes the rule unknown), and that
every step taken has a date. A step that was not taken is handled.
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

from policyengine import Decisions, OverallStatus, Project, Status
from policyengine.project import StepRecord
from policyengine.vocabulary import (
    AdminLevel,
    Document,
    FundingSource,
    Item,
    ProjectCategory,
    ProjectKind,
    Step,
)

PACK_ID = "zhanggong"

# Thresholds (CNY unless stated), as the pack states them.
APPLICATION_THRESHOLD = Decimal("500000")  # art. 6: application from 50万
CITY_THRESHOLD = Decimal("2000000")  # art. 6: city route from 200万
CONSULTATION_THRESHOLD = Decimal("500000")  # art. 12: city opinion from 50万
CONSENT_THRESHOLD = Decimal("2000000")  # art. 12: written consent from 200万
EVALUATION_THRESHOLD = Decimal("500000")  # art. 16: expert and third-party evaluation
COST_EVALUATION_THRESHOLD = Decimal("2000000")  # art. 19: cost evaluation, budget review
KEY_LIBRARY_INFRASTRUCTURE_THRESHOLD = Decimal("10000000")  # art. 7: 1000万
KEY_LIBRARY_OTHER_THRESHOLD = Decimal("5000000")  # art. 7: 500万, O&M excluded
SECRECY_EXPERTS_MIN = 2  # art. 16: experts from the secrecy pool
LIBRARY_VALIDITY_MONTHS = 24  # arts. 7 and 16: library admission valid two years
HALF_YEAR_MONTHS = 6  # arts. 24 and 25

FISCAL_SOURCES = frozenset(
    {
        FundingSource.DISTRICT_FISCAL,
        FundingSource.MUNICIPAL_FISCAL,
        FundingSource.COUNTY_FISCAL,
        FundingSource.PREFECTURE_FISCAL,
        FundingSource.HIGHER_LEVEL,
        FundingSource.PUBLIC_OPERATING_FUNDS,
    }
)
GOVERNED_LEVELS = frozenset({AdminLevel.DISTRICT, AdminLevel.TOWNSHIP})

# Art. 38: projects that buy only these kinds of items are outside the rules.
SMART_BUILDING_ITEMS = frozenset(
    {
        Item.SMART_BUILDING_SYSTEM,
        Item.CIVIL_WORKS,
        Item.DECORATION,
        Item.FIRE_PROTECTION,
        Item.POWER_LOW_VOLTAGE,
    }
)
OFFICE_EQUIPMENT_ITEMS = frozenset(
    {
        Item.DESKTOP_OFFICE_EQUIPMENT,
        Item.DESKTOP_SOFTWARE,
        Item.OTHER_OFFICE_EQUIPMENT,
        Item.OFFICE_TERMINAL,
        Item.OFFICE_TERMINAL_SOFTWARE,
    }
)
PROFESSIONAL_EQUIPMENT_ITEMS = frozenset({Item.PROFESSIONAL_EQUIPMENT})
COMMUNICATIONS_ITEMS = frozenset({Item.OUTDOOR_COMMUNICATIONS, Item.DATA_SIM, Item.IOT_SIM})
# Art. 38: a project in any of these categories is outside the rules.
EXCLUDED_CATEGORIES = frozenset(
    {
        ProjectCategory.CAPITAL_CONSTRUCTION,
        ProjectCategory.RESEARCH_SYSTEM,
        ProjectCategory.OPERATIONS_SERVICE,
    }
)

OM_KINDS = frozenset({ProjectKind.OPERATIONS_MAINTENANCE, ProjectKind.SERVICE_PURCHASE})
UPGRADE_KINDS = frozenset(
    {ProjectKind.REBUILD, ProjectKind.EXPANSION, ProjectKind.MIGRATION, ProjectKind.UPGRADE}
)
CLOUD_KINDS = UPGRADE_KINDS | {ProjectKind.NEW_BUILD}
# Art. 7: a project in any of these categories goes to the key-project library from 1000万.
INTEGRATION_CATEGORIES = frozenset(
    {
        ProjectCategory.INFRASTRUCTURE,
        ProjectCategory.CROSS_DEPARTMENT_INTEGRATION,
        ProjectCategory.CROSS_LEVEL_INTEGRATION,
    }
)

# Art. 15(1)-(2): items not supported.
FACILITY_ITEMS = (
    Item.MACHINE_ROOM,
    Item.DATA_CENTRE,
    Item.CLOUD_PLATFORM,
    Item.PUBLIC_SUPPORT_PLATFORM,
    Item.DATA_RESOURCE_PLATFORM,
)
HARDWARE_ITEMS = (Item.SERVER, Item.STORAGE_DEVICE, Item.SERVER_NETWORK_EQUIPMENT)

# Rules of severity warning: a failure is waived by a stated justification, and, with the info
# rule, does not change the overall status.
WARNINGS = (
    "zg-09-sharing-platform",
    "zg-07-key-library-by-june",
    "zg-24-start-within-half-year",
    "zg-25-2-acceptance-within-half-year",
)
NOT_ERRORS = frozenset({*WARNINGS, "zg-12-notice-by-september"})

PASS = Status.PASS
FAIL = Status.FAIL
UNKNOWN = Status.UNKNOWN
NOT_APPLICABLE = Status.NOT_APPLICABLE
PENDING = Status.UNKNOWN  # a deadline not yet due whose event has not happened

_DOCUMENT_ORDER = {document: rank for rank, document in enumerate(Document)}


def _check(holds: bool | None) -> Status:
    """A check that is known: pass or fail."""
    return PASS if holds else FAIL


def _three(holds: bool | None) -> Status:
    """A check that may be unknown (None)."""
    if holds is None:
        return UNKNOWN
    return PASS if holds else FAIL


def _months_later(day: dt.date, months: int) -> dt.date:
    """The corresponding day `months` later, or that month's last day when it is shorter."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def _date(record: StepRecord) -> dt.date:
    """`<step>_date` as expressions read it: the step's latest date."""
    day = record.last_date
    assert day is not None, "every step taken has a date"
    return day


def _deadline(event: StepRecord | None, due: dt.date, as_of: dt.date) -> Status:
    """The event first on or before `due`: pass; later, or not happened and overdue: fail."""
    if event is None:
        return FAIL if as_of > due else PENDING
    first = event.first_date
    assert first is not None, "every step taken has a date"
    return PASS if first <= due else FAIL


def _missing(documents: frozenset[Document], *required: Document) -> list[Document]:
    return [document for document in required if document not in documents]


def _only(items: frozenset[Item], kinds: frozenset[Item]) -> bool:
    return bool(items) and items <= kinds


def in_scope(project: Project) -> bool:
    """Art. 2: fiscal funds and a district or township owner; art. 38: the exclusions.

    An exclusion by category whose categories are unknown is assumed not to apply.
    """
    items = project.content.items
    assert items is not None
    categories = project.profile.categories
    if categories is not None and not categories.isdisjoint(EXCLUDED_CATEGORIES):
        return False  # zg-38-1-capital-construction, zg-38-3-research-system, zg-38-5
    if (
        _only(items, SMART_BUILDING_ITEMS)  # zg-38-1-smart-building
        or _only(items, OFFICE_EQUIPMENT_ITEMS)  # zg-38-2-office-equipment
        or _only(items, PROFESSIONAL_EQUIPMENT_ITEMS)  # zg-38-3-professional-equipment
        or _only(items, COMMUNICATIONS_ITEMS)  # zg-38-4-communications
    ):
        return False
    assert project.money.funding is not None
    fiscal = any(share.source in FISCAL_SOURCES for share in project.money.funding)
    return fiscal and project.owner.level in GOVERNED_LEVELS


def route(total: Decimal) -> str:
    """Decision table approval_route (art. 6)."""
    if total < APPLICATION_THRESHOLD:
        return "filing"
    if total < CITY_THRESHOLD:
        return "district_application"
    return "city_review"


def decide(project: Project, as_of: dt.date) -> Decisions:
    """Zhanggong's decisions for `project` with every duty due (stage audit), by hand."""
    if not in_scope(project):
        return Decisions(PACK_ID, False, OverallStatus.OUT_OF_SCOPE, None, {}, ())

    p = project
    total = p.money.total_investment
    steps = p.procedure.steps
    documents = p.documents
    items = p.content.items
    categories = p.profile.categories
    assert total is not None
    assert steps is not None
    assert documents is not None
    assert items is not None

    approval = steps.get(Step.APPROVAL)
    approval_passed = approval.passed if approval is not None else None
    application = steps.get(Step.APPLICATION)
    expert_evaluation = steps.get(Step.EXPERT_EVALUATION)
    joint_review = steps.get(Step.JOINT_REVIEW)
    key_admission = steps.get(Step.KEY_LIBRARY_ADMISSION)
    preliminary = steps.get(Step.PRELIMINARY_ACCEPTANCE)

    om_kind = p.profile.kind in OM_KINDS
    upgrade_kind = p.profile.kind in UPGRADE_KINDS
    # Art. 7 (definition key_library_project); None when the categories are unknown and either
    # amount could apply.
    key_library_project: bool | None
    if categories is None:
        if total >= KEY_LIBRARY_INFRASTRUCTURE_THRESHOLD or (
            not om_kind and total >= KEY_LIBRARY_OTHER_THRESHOLD
        ):
            key_library_project = None
        else:
            key_library_project = False
    elif not categories.isdisjoint(INTEGRATION_CATEGORIES):
        key_library_project = total >= KEY_LIBRARY_INFRASTRUCTURE_THRESHOLD
    else:
        key_library_project = not om_kind and total >= KEY_LIBRARY_OTHER_THRESHOLD
    om_funding_considered = om_kind or Step.OPERATION_START in steps

    s: dict[str, Status] = {}

    # --- rules -------------------------------------------------------------------------------

    # zg-03-five-unifications (art. 3)
    s["zg-03-five-unifications"] = _check(p.content.meets_five_unifications)

    # zg-06-filing (art. 6): below 50万, filed with the district data bureau
    if total < APPLICATION_THRESHOLD:
        s["zg-06-filing"] = _check(Step.FILING in steps)
    else:
        s["zg-06-filing"] = NOT_APPLICABLE

    # zg-06-no-splitting (art. 6)
    s["zg-06-no-splitting"] = _check(not p.content.similar_projects_split)

    # zg-07-fiscal-affordability (art. 7): the evaluation taken and passed
    fiscal_evaluation = steps.get(Step.FISCAL_AFFORDABILITY_EVALUATION)
    s["zg-07-fiscal-affordability"] = (
        FAIL if fiscal_evaluation is None else _three(fiscal_evaluation.passed)
    )

    # zg-07-key-library (art. 7)
    if key_library_project is None:
        s["zg-07-key-library"] = UNKNOWN
    elif key_library_project:
        s["zg-07-key-library"] = _check(key_admission is not None)
    else:
        s["zg-07-key-library"] = NOT_APPLICABLE

    # zg-07-key-library-valid (art. 7): admission valid two years when an approval is given
    if (
        key_library_project is False
        or key_admission is None
        or approval is None
        or approval_passed is False
    ):
        s["zg-07-key-library-valid"] = NOT_APPLICABLE
    elif key_library_project is None or approval_passed is None:
        s["zg-07-key-library-valid"] = UNKNOWN
    else:
        expiry = _months_later(_date(key_admission), LIBRARY_VALIDITY_MONTHS)
        s["zg-07-key-library-valid"] = _check(_date(approval) <= expiry)

    # zg-09-sharing-platform (art. 9, warning)
    s["zg-09-sharing-platform"] = _check(p.deployment.connected_to_sharing_platform)

    # zg-09-no-exclusive-opening (art. 9)
    s["zg-09-no-exclusive-opening"] = _check(not p.operation.shared_data_opened_exclusively)

    # zg-11-application (art. 11)
    s["zg-11-application"] = _check(application is not None)

    # zg-11-no-build-before-approval (art. 11): from 50万, an approval given before the start
    construction_start = steps.get(Step.CONSTRUCTION_START)
    if construction_start is not None and total >= APPLICATION_THRESHOLD:
        if (
            approval is None
            or approval_passed is False
            or _date(approval) > _date(construction_start)
        ):
            s["zg-11-no-build-before-approval"] = FAIL
        else:
            s["zg-11-no-build-before-approval"] = _three(approval_passed)
    else:
        s["zg-11-no-build-before-approval"] = NOT_APPLICABLE

    # zg-12-city-opinion (art. 12): 50万 to below 200万, before the application
    if CONSULTATION_THRESHOLD <= total < CONSENT_THRESHOLD:
        consultation = steps.get(Step.CITY_CONSULTATION)
        s["zg-12-city-opinion"] = _check(
            consultation is not None
            and (application is None or _date(consultation) <= _date(application))
        )
    else:
        s["zg-12-city-opinion"] = NOT_APPLICABLE

    # zg-12-written-consent (art. 12): from 200万, both consents given before the application
    if total >= CONSENT_THRESHOLD:
        provincial = steps.get(Step.PROVINCIAL_CONSENT)
        city = steps.get(Step.CITY_CONSENT)
        if provincial is None or city is None:
            s["zg-12-written-consent"] = FAIL
        else:
            provincial_passed = provincial.passed
            city_passed = city.passed
            if (
                provincial_passed is False
                or city_passed is False
                or (
                    application is not None
                    and (_date(provincial) > _date(application) or _date(city) > _date(application))
                )
            ):
                s["zg-12-written-consent"] = FAIL
            elif provincial_passed is None or city_passed is None:
                s["zg-12-written-consent"] = UNKNOWN
            else:
                s["zg-12-written-consent"] = PASS
    else:
        s["zg-12-written-consent"] = NOT_APPLICABLE

    # zg-13-party-group (art. 13)
    s["zg-13-party-group"] = _check(p.procedure.party_group_approved)

    # zg-15-3-government-cloud (art. 15(3)): new builds and upgrades; classified ones excepted
    if p.profile.kind in CLOUD_KINDS:
        s["zg-15-3-government-cloud"] = _check(
            p.deployment.uses_government_cloud or p.profile.classified
        )
    else:
        s["zg-15-3-government-cloud"] = NOT_APPLICABLE

    # zg-15-4-secure-reliable (art. 15(4))
    s["zg-15-4-secure-reliable"] = _check(p.deployment.secure_reliable_products)

    # zg-15-5-crypto-security (art. 15(5))
    s["zg-15-5-crypto-security"] = _check(
        p.deployment.crypto_security_compliant and not p.deployment.major_security_hazard
    )

    # zg-15-6-needs-integration-sharing (art. 15(6))
    s["zg-15-6-needs-integration-sharing"] = _check(
        p.content.needs_and_targets_clear
        and p.owner.internal_systems_integrated
        and p.operation.data_sharing_obligations_met
    )

    # zg-15-7-original-accepted (art. 15(7)): upgrades
    if upgrade_kind:
        s["zg-15-7-original-accepted"] = _check(p.profile.original_project_accepted)
    else:
        s["zg-15-7-original-accepted"] = NOT_APPLICABLE

    # zg-16-evaluated (art. 16): from 50万, unless a major central or provincial deployment
    if total < EVALUATION_THRESHOLD:
        s["zg-16-evaluated"] = NOT_APPLICABLE
    elif p.profile.major_central_provincial_deployment:
        s["zg-16-evaluated"] = PASS
    else:
        third_party = steps.get(Step.THIRD_PARTY_EVALUATION)
        if expert_evaluation is None or third_party is None:
            s["zg-16-evaluated"] = FAIL
        else:
            expert_passed = expert_evaluation.passed
            third_party_passed = third_party.passed
            if expert_passed is False or third_party_passed is False:
                s["zg-16-evaluated"] = FAIL
            elif expert_passed is None or third_party_passed is None:
                s["zg-16-evaluated"] = UNKNOWN
            else:
                s["zg-16-evaluated"] = PASS

    # zg-16-joint-review-after-evaluation (art. 16): after a passed expert evaluation
    if joint_review is None or total < EVALUATION_THRESHOLD:
        s["zg-16-joint-review-after-evaluation"] = NOT_APPLICABLE
    elif p.profile.major_central_provincial_deployment:
        s["zg-16-joint-review-after-evaluation"] = PASS
    elif (
        expert_evaluation is None
        or expert_evaluation.passed is False
        or _date(expert_evaluation) > _date(joint_review)
    ):
        s["zg-16-joint-review-after-evaluation"] = FAIL
    else:
        s["zg-16-joint-review-after-evaluation"] = _three(expert_evaluation.passed)

    # zg-16-secrecy-experts (art. 16): classified projects that are evaluated
    if p.profile.classified and (total >= EVALUATION_THRESHOLD or expert_evaluation is not None):
        assert p.procedure.secrecy_pool_experts is not None
        s["zg-16-secrecy-experts"] = _check(p.procedure.secrecy_pool_experts >= SECRECY_EXPERTS_MIN)
    else:
        s["zg-16-secrecy-experts"] = NOT_APPLICABLE

    # zg-16-library-valid (art. 16): library admission valid two years when an approval is given
    library_admission = steps.get(Step.LIBRARY_ADMISSION)
    if library_admission is None or approval is None or approval_passed is False:
        s["zg-16-library-valid"] = NOT_APPLICABLE
    elif approval_passed is None:
        s["zg-16-library-valid"] = UNKNOWN
    else:
        expiry = _months_later(_date(library_admission), LIBRARY_VALIDITY_MONTHS)
        s["zg-16-library-valid"] = _check(_date(approval) <= expiry)

    # zg-18-joint-review-before-approval (art. 18): from 50万, an approval given on a passed
    # joint review
    if approval is None or approval_passed is False or total < EVALUATION_THRESHOLD:
        s["zg-18-joint-review-before-approval"] = NOT_APPLICABLE
    elif approval_passed is None:
        s["zg-18-joint-review-before-approval"] = UNKNOWN
    elif (
        joint_review is None
        or joint_review.passed is False
        or _date(joint_review) > _date(approval)
    ):
        s["zg-18-joint-review-before-approval"] = FAIL
    else:
        s["zg-18-joint-review-before-approval"] = _three(joint_review.passed)

    # zg-19-cost-evaluation-budget-review (art. 19): from 200万, both passed, the review before
    # procurement
    if total >= COST_EVALUATION_THRESHOLD:
        cost_evaluation = steps.get(Step.COST_EVALUATION)
        budget_review = steps.get(Step.BUDGET_REVIEW)
        procurement = steps.get(Step.PROCUREMENT)
        if cost_evaluation is None or budget_review is None:
            s["zg-19-cost-evaluation-budget-review"] = FAIL
        else:
            cost_passed = cost_evaluation.passed
            budget_passed = budget_review.passed
            if (
                cost_passed is False
                or budget_passed is False
                or (procurement is not None and _date(budget_review) > _date(procurement))
            ):
                s["zg-19-cost-evaluation-budget-review"] = FAIL
            elif cost_passed is None or budget_passed is None:
                s["zg-19-cost-evaluation-budget-review"] = UNKNOWN
            else:
                s["zg-19-cost-evaluation-budget-review"] = PASS
    else:
        s["zg-19-cost-evaluation-budget-review"] = NOT_APPLICABLE

    # zg-22-crypto-three-synchronous (art. 22)
    s["zg-22-crypto-three-synchronous"] = _check(p.deployment.crypto_three_synchronous)

    # zg-25-1-preliminary-acceptance (art. 25)
    s["zg-25-1-preliminary-acceptance"] = (
        FAIL if preliminary is None else _three(preliminary.passed)
    )

    # zg-25-1-data-sharing-confirmed (art. 25(1))
    s["zg-25-1-data-sharing-confirmed"] = _check(p.acceptance.data_sharing_confirmed)

    # zg-25-1-security-confirmed (art. 25(1))
    s["zg-25-1-security-confirmed"] = _check(p.acceptance.secure_crypto_confirmed)

    # zg-27-ip-to-government (art. 27)
    s["zg-27-ip-to-government"] = _check(p.construction.ip_to_government)

    # zg-33-1 to zg-33-4 (art. 33): O&M funds at stake; zg-33-3 excepts classified systems
    if om_funding_considered:
        s["zg-33-1-data-sharing"] = _check(
            p.operation.data_sharing_obligations_met and not p.content.duplicate_data_collection
        )
        s["zg-33-2-security"] = _check(
            p.deployment.secure_reliable_products
            and p.deployment.crypto_security_compliant
            and not p.deployment.major_security_hazard
        )
        s["zg-33-3-egov-network-cloud"] = _check(
            (p.deployment.on_egov_network and p.deployment.uses_government_cloud)
            or p.profile.classified
        )
        s["zg-33-4-unified-om"] = _check(p.operation.unified_om)
    else:
        s["zg-33-1-data-sharing"] = NOT_APPLICABLE
        s["zg-33-2-security"] = NOT_APPLICABLE
        s["zg-33-3-egov-network-cloud"] = NOT_APPLICABLE
        s["zg-33-4-unified-om"] = NOT_APPLICABLE

    # zg-34-surplus-returned (art. 34): objectives and content unchanged, a surplus left
    assert p.money.settlement_amount is not None
    if (
        not p.construction.construction_objectives_changed
        and not p.construction.content_changed
        and p.money.settlement_amount < total
    ):
        s["zg-34-surplus-returned"] = _check(p.money.surplus_funds_returned)
    else:
        s["zg-34-surplus-returned"] = NOT_APPLICABLE

    # --- required documents (a failed one reports what is missing) -----------------------------

    missing: set[Document] = set()

    def require(rule_id: str, applies: bool, *required: Document) -> None:
        if not applies:
            s[rule_id] = NOT_APPLICABLE
            return
        absent = _missing(documents, *required)
        s[rule_id] = FAIL if absent else PASS
        missing.update(absent)

    # zg-10-framework-plan (art. 10): cross-department integration; classified ones excepted
    # (excused whether the plan is missing or the category unknown)
    if categories is not None and ProjectCategory.CROSS_DEPARTMENT_INTEGRATION not in categories:
        s["zg-10-framework-plan"] = NOT_APPLICABLE
    elif p.profile.classified:
        s["zg-10-framework-plan"] = PASS
    elif categories is None:
        s["zg-10-framework-plan"] = UNKNOWN
    else:
        require("zg-10-framework-plan", True, Document.FRAMEWORK_PLAN)
    # zg-13-application-materials (art. 13)
    require(
        "zg-13-application-materials",
        True,
        Document.PROJECT_INFORMATION_FORM,
        Document.BASIS_DOCUMENTS,
        Document.CONSTRUCTION_PLAN,
    )
    # zg-13-3-1-technical-plan (art. 13(3)1): new builds
    require(
        "zg-13-3-1-technical-plan", p.profile.kind is ProjectKind.NEW_BUILD, Document.TECHNICAL_PLAN
    )
    # zg-13-3-1-classified-protection-plan (art. 13(3)1): new builds with work secrets
    require(
        "zg-13-3-1-classified-protection-plan",
        p.profile.kind is ProjectKind.NEW_BUILD and bool(p.profile.involves_work_secrets),
        Document.CLASSIFIED_PROTECTION_PLAN,
    )
    # zg-13-3-2-upgrade-plan (art. 13(3)2)
    require("zg-13-3-2-upgrade-plan", upgrade_kind, Document.UPGRADE_PLAN)
    # zg-13-3-3-om-plan (art. 13(3)3): an O&M plan or a service purchase plan
    if om_kind:
        if (
            Document.OM_IMPLEMENTATION_PLAN in documents
            or Document.SERVICE_PURCHASE_PLAN in documents
        ):
            s["zg-13-3-3-om-plan"] = PASS
        else:
            s["zg-13-3-3-om-plan"] = FAIL
            missing.add(Document.OM_IMPLEMENTATION_PLAN)
    else:
        s["zg-13-3-3-om-plan"] = NOT_APPLICABLE
    # zg-16-evaluation-report (art. 16): from 50万
    require("zg-16-evaluation-report", total >= EVALUATION_THRESHOLD, Document.EVALUATION_REPORT)
    # zg-17-joint-review-opinion (art. 17): from 50万
    require(
        "zg-17-joint-review-opinion", total >= EVALUATION_THRESHOLD, Document.JOINT_REVIEW_OPINION
    )
    # zg-25-2-* (art. 25(2)): materials of the completion-acceptance application
    require("zg-25-2-1-request-letter", True, Document.ACCEPTANCE_REQUEST_LETTER)
    require(
        "zg-25-2-2-procurement-file",
        True,
        Document.APPROVAL_DOCUMENT,
        Document.PROCUREMENT_APPLICATION_FORM,
        Document.TENDER_DOCUMENTS,
        Document.AWARD_NOTICE,
        Document.CONTRACT,
        Document.INVOICE_COPIES,
    )
    require(
        "zg-25-2-3-expert-opinion",
        True,
        Document.ACCEPTANCE_EXPERT_OPINION,
        Document.ACCEPTANCE_EXPERT_LIST,
    )
    require(
        "zg-25-2-4-data-sharing",
        True,
        Document.DATA_SHARING_REPORT,
        Document.DATA_SHARING_CONFIRMATION,
    )
    require(
        "zg-25-2-5-secure-reliable",
        True,
        Document.SECURE_RELIABLE_STATEMENT,
        Document.VENDOR_ADAPTATION_CERTIFICATES,
    )
    require("zg-25-2-6-audit", True, Document.THIRD_PARTY_AUDIT_REPORT)
    require("zg-25-2-7-test", True, Document.THIRD_PARTY_TEST_REPORT)
    require("zg-25-2-8-security-risk", True, Document.SECURITY_RISK_ASSESSMENT_REPORT)
    require(
        "zg-25-2-8-classified-protection",
        bool(p.profile.classified),
        Document.CLASSIFIED_PROTECTION_TEST_REPORT,
    )
    # zg-25-2-8-mlps: classified systems excepted (they pass, the report not asked of them)
    if p.profile.classified:
        s["zg-25-2-8-mlps"] = PASS
    else:
        require("zg-25-2-8-mlps", True, Document.MLPS_TEST_REPORT)
    require(
        "zg-25-2-8-work-secrets",
        bool(p.profile.involves_work_secrets),
        Document.WORK_SECRET_INSPECTION_REPORT,
    )
    require(
        "zg-25-2-9-crypto-secrecy-archive",
        True,
        Document.CRYPTO_SECURITY_EVALUATION_REPORT,
        Document.SECRECY_RISK_ASSESSMENT,
        Document.ARCHIVE_ACCEPTANCE,
    )

    # --- prohibited items (art. 15(1)-(2)) ----------------------------------------------------

    # zg-15-1-facilities: classified projects excepted
    if not p.profile.classified and any(item in items for item in FACILITY_ITEMS):
        s["zg-15-1-facilities"] = FAIL
    else:
        s["zg-15-1-facilities"] = PASS
    # zg-15-1-hardware: classified projects excepted
    if not p.profile.classified and any(item in items for item in HARDWARE_ITEMS):
        s["zg-15-1-hardware"] = FAIL
    else:
        s["zg-15-1-hardware"] = PASS
    # zg-15-2-internet-egress: no exception
    s["zg-15-2-internet-egress"] = FAIL if Item.INTERNET_EGRESS_LEASE in items else PASS
    # zg-15-2-private-network-lease: a lease not integrated into the e-government networks
    if p.deployment.private_network_integrated:
        s["zg-15-2-private-network-lease"] = NOT_APPLICABLE
    else:
        s["zg-15-2-private-network-lease"] = FAIL if Item.PRIVATE_NETWORK_LEASE in items else PASS

    # --- acceptance failures (art. 26): the condition holding fails acceptance ----------------

    # zg-26-1-deviation
    s["zg-26-1-deviation"] = FAIL if p.construction.deviates_from_approved_content else PASS
    # zg-26-2-trial-run
    s["zg-26-2-trial-run"] = (
        FAIL
        if not p.acceptance.trial_run_indicators_met
        or not p.acceptance.expected_use_achieved
        or p.acceptance.major_incident_unresolved
        else PASS
    )
    # zg-26-3-third-party-tests
    s["zg-26-3-third-party-tests"] = FAIL if not p.acceptance.third_party_tests_passed else PASS
    # zg-26-4-materials
    s["zg-26-4-materials"] = FAIL if not p.acceptance.acceptance_materials_compliant else PASS
    # zg-26-5-archives: no archive acceptance, or not passed
    archive = steps.get(Step.ARCHIVE_ACCEPTANCE)
    s["zg-26-5-archives"] = FAIL if archive is None else _three(archive.passed)
    # zg-26-6-expert-panel
    s["zg-26-6-expert-panel"] = FAIL if not p.acceptance.expert_panel_passed else PASS

    # --- deadlines ------------------------------------------------------------------------------

    assert p.procedure.plan_year is not None
    # zg-07-key-library-by-june (art. 7, warning): by 30 June of the year before the plan year
    if key_library_project is None:
        s["zg-07-key-library-by-june"] = UNKNOWN
    elif key_library_project:
        s["zg-07-key-library-by-june"] = _deadline(
            steps.get(Step.KEY_LIBRARY_SUBMISSION), dt.date(p.procedure.plan_year - 1, 6, 30), as_of
        )
    else:
        s["zg-07-key-library-by-june"] = NOT_APPLICABLE

    # zg-12-notice-by-september (art. 12, info): by 30 September of the year before
    s["zg-12-notice-by-september"] = _deadline(
        steps.get(Step.APPLICATION_NOTICE), dt.date(p.procedure.plan_year - 1, 9, 30), as_of
    )

    # zg-24-start-within-half-year (art. 24, warning): construction within six months of an
    # approval given; force majeure excuses a late start (or one not yet due, or undecided)
    if approval is None or approval_passed is False:
        s["zg-24-start-within-half-year"] = NOT_APPLICABLE
    elif p.construction.force_majeure:
        s["zg-24-start-within-half-year"] = PASS
    elif approval_passed is None:
        s["zg-24-start-within-half-year"] = UNKNOWN
    else:
        due = _months_later(_date(approval), HALF_YEAR_MONTHS)
        s["zg-24-start-within-half-year"] = _deadline(construction_start, due, as_of)

    # zg-25-2-acceptance-within-half-year (art. 25(2), warning): unless a deferral is requested
    if (
        preliminary is None
        or preliminary.passed is False
        or Document.ACCEPTANCE_EXTENSION_REQUEST in documents
    ):
        s["zg-25-2-acceptance-within-half-year"] = NOT_APPLICABLE
    elif preliminary.passed is None:
        s["zg-25-2-acceptance-within-half-year"] = UNKNOWN
    else:
        due = _months_later(_date(preliminary), HALF_YEAR_MONTHS)
        s["zg-25-2-acceptance-within-half-year"] = _deadline(
            steps.get(Step.ACCEPTANCE_APPLICATION), due, as_of
        )

    # --- justified departures from warnings ---------------------------------------------------

    justifications = p.justifications
    if justifications:
        for rule_id in WARNINGS:
            if s[rule_id] is FAIL and rule_id in justifications:
                s[rule_id] = PASS

    # --- overall status -------------------------------------------------------------------------

    # Every deadline is a warning or info, so a deadline not yet due (PENDING) never counts here;
    # an error rule that is unknown makes the verdict incomplete, unless another one failed.
    overall = OverallStatus.COMPLIANT
    for rule_id, status in s.items():
        if status is FAIL:
            if rule_id not in NOT_ERRORS:
                overall = OverallStatus.NON_COMPLIANT
                break
        elif status is UNKNOWN and rule_id not in NOT_ERRORS:
            overall = OverallStatus.INCOMPLETE
    return Decisions(
        PACK_ID,
        True,
        overall,
        route(total),
        s,
        tuple(sorted(missing, key=_DOCUMENT_ORDER.__getitem__)),
    )
