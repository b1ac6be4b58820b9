"""The Zhanggong pack's decisions written by hand: the baseline the engine is measured against.

`decide(project, as_of, stage)` makes, in plain Python, the decisions that
`policyengine.decide(project, "zhanggong", stage=stage, as_of=as_of)` makes from
`policies/zhanggong.yaml` (区府办发〔2024〕5号): scope and exclusions, the approval route, the
status of each of the 94 rules (the pack's 92 and the two route duties of its primary decision
table), the missing documents and the overall status. It is what a careful engineer would write
to hard-code these regulations for speed: attributes of the Project read once into locals, one
small function per group of articles, frozenset membership and subset tests, early returns, and
no per-call allocation beyond the answer. It does not call the engine; `check_handwritten.py`
compares the two on every project the benchmark times.

The same answers, three-valued where the pack is: every fact the pack reads may be unknown
(None), and the rules then follow the pack's Kleene logic exactly:
- `a and b` is false when either is false, else unknown when either is unknown; `or` the dual;
  a comparison or membership test with an unknown side is unknown;
- a rule whose `when` is false is not applicable, unknown when it is unknown;
- a rule's exceptions are defaults: when the rule fails or is unknown (its `when` included) and
  an exception's condition holds, it passes; prohibited items weigh their exceptions only when
  an item is found;
- a warning that fails passes when the project states a justification for it;
- steps: `<step>_date` is a step's latest date, a deadline measures the event's first date,
  `<step>_passed` is unknown for a pending or unstated outcome (conditional counts as passed), a
  step's authorities are unknown until its lead authority is stated; with the steps unknown
  (None) every step fact is unknown;
- a question about an item (`in`, has_any, has_only, a ban) asks about its kinds as well, where
  the vocabulary makes one item a kind of another (`Vocabulary.narrower`, when it exists);
- a deadline not yet due is unknown but does not make the verdict incomplete;
- the scope: an exclusion takes a project out only when its condition holds; the positive
  condition unknown leaves `in_scope` None and the verdict incomplete, with every rule decided.

Partial records (`{present, absent}` documents or items, partial steps) are not handled: the
benchmark's projects state complete records, and `decide` raises TypeError on a partial one
rather than answer wrongly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from operator import itemgetter
from typing import Any, NamedTuple, TypeVar

from policyengine import Decisions, OverallStatus, Project, Status
from policyengine.project import StepRecord
from policyengine.vocabulary import (
    AdminLevel,
    Authority,
    Document,
    FundingSource,
    Item,
    OwnerType,
    ProjectCategory,
    ProjectKind,
    Stage,
    Step,
    StepOutcome,
    Vocabulary,
)

PACK_ID = "zhanggong"
EFFECTIVE = dt.date(2024, 9, 23)  # source.effective: before it, no project is in scope

PASS = Status.PASS
FAIL = Status.FAIL
UNKNOWN = Status.UNKNOWN
NA = Status.NOT_APPLICABLE
ERROR = Status.ERROR

CHECK: Mapping[bool | None, Status] = {True: PASS, False: FAIL, None: UNKNOWN}
"""A check's value (None: unknown) to the rule's status."""
CHECK_NOT: Mapping[bool | None, Status] = {True: FAIL, False: PASS, None: UNKNOWN}
"""The same for a check `not x` (and an acceptance failure whose condition is `x`)."""
PASSED: Mapping[StepOutcome | None, bool | None] = {
    None: None,
    **{outcome: outcome.passed for outcome in StepOutcome},
}
"""`<step>_passed` of a step record's outcome."""

V = TypeVar("V", bound=Vocabulary)


def _members(vocabulary: type[V], names: str) -> frozenset[V]:
    return frozenset(vocabulary(name) for name in names.split())


def _asking(vocabulary: type[V], names: str) -> frozenset[V]:
    """The members a question about `names` asks about (`in`, has_any, has_only, a ban): each
    named member and, where the vocabulary makes some members kinds of others (a server is
    hardware), its kinds."""
    named = _members(vocabulary, names)
    return named.union(*(getattr(member, "narrower", ()) for member in named))


# Thresholds (CNY unless stated), as the pack states them.
APPLICATION_THRESHOLD = Decimal(500000)  # art. 6; also consultation and evaluation (arts. 12, 16)
CITY_THRESHOLD = Decimal(2000000)  # art. 6; also consent and cost evaluation (arts. 12, 19)
KEY_LIBRARY_INFRASTRUCTURE_THRESHOLD = Decimal(10000000)  # art. 7: 1000万
KEY_LIBRARY_OTHER_THRESHOLD = Decimal(5000000)  # art. 7: 500万, O&M excluded
SECRECY_EXPERTS_MIN = 2  # art. 16

# Scope (arts. 2, 39) and exclusions (art. 38).
FISCAL_SOURCES = _asking(
    FundingSource,
    "district_fiscal municipal_fiscal county_fiscal prefecture_fiscal higher_level "
    "public_operating_funds",
)
GOVERNED_LEVELS = _members(AdminLevel, "district township")
OWNER_TYPES = _members(
    OwnerType,
    "administrative_organ authorised_organisation township_street party_government_organ "
    "public_institution state_owned_enterprise school medical_institution",
)
SMART_BUILDING_ITEMS = _asking(
    Item, "smart_building_system civil_works decoration fire_protection power_low_voltage"
)
CUSTOM_SOFTWARE = _asking(Item, "custom_software standalone_application_software")
OFFICE_ITEMS = _asking(
    Item,
    "desktop_office_equipment desktop_software other_office_equipment office_terminal "
    "office_terminal_software",
)
PROFESSIONAL_ITEMS = _asking(Item, "professional_equipment")
OUTDOOR_ITEMS = _asking(Item, "outdoor_communications")
COMMUNICATIONS_ITEMS = _asking(Item, "outdoor_communications data_sim iot_sim")
GOVERNMENT_SYSTEM_CATEGORIES = _asking(
    ProjectCategory,
    "business_application_system infrastructure cross_department_integration "
    "cross_level_integration data_resource_database security_infrastructure "
    "egov_network_platform support_system public_facing_general",
)
SMART_BUILDING = ProjectCategory.SMART_BUILDING
CAPITAL_CONSTRUCTION = ProjectCategory.CAPITAL_CONSTRUCTION
RESEARCH_SYSTEM = ProjectCategory.RESEARCH_SYSTEM
COMMUNICATIONS = ProjectCategory.COMMUNICATIONS
OPERATIONS_SERVICE = ProjectCategory.OPERATIONS_SERVICE

# Definitions and rule conditions.
OM_KINDS = _members(ProjectKind, "operations_maintenance service_purchase")
UPGRADE_KINDS = _members(ProjectKind, "rebuild expansion migration upgrade")
CLOUD_KINDS = UPGRADE_KINDS | {ProjectKind.NEW_BUILD}
INTEGRATION_CATEGORIES = _asking(
    ProjectCategory, "infrastructure cross_department_integration cross_level_integration"
)
SECTOR_OWNERS = _members(
    OwnerType, "school medical_institution state_owned_enterprise public_institution"
)
EXPANDED_FACILITIES = _asking(
    Item, "machine_room data_centre cloud_platform public_support_platform data_resource_platform"
)
FACILITY_ITEMS = EXPANDED_FACILITIES
HARDWARE_ITEMS = _asking(Item, "server storage_device server_network_equipment")
INTERNET_EGRESS = _asking(Item, "internet_egress_lease")
PRIVATE_NETWORK_LEASE = _asking(Item, "private_network_lease")
COUNTY_DATA_BUREAU = Authority.COUNTY_DATA_BUREAU
MUNICIPAL_DATA_BUREAU = Authority.MUNICIPAL_DATA_BUREAU
DATA_BUREAUS = frozenset({COUNTY_DATA_BUREAU, MUNICIPAL_DATA_BUREAU})
SECTOR_AUTHORITY = Authority.SECTOR_AUTHORITY
LEADING_GROUP = Authority.LEADING_GROUP
REVIEW_STEPS = _members(  # art. 30: an evaluation (论证) or a review (评审)
    Step, "expert_evaluation third_party_evaluation joint_review cost_evaluation budget_review"
)

# The rules in pack order: (id, due_from, severity 'e'rror / 'w'arning / 'i'nfo).
RULES: tuple[tuple[str, str, str], ...] = (
    ("zg-03-five-unifications", "application", "e"),
    ("zg-04-drc-with-data-bureau", "approval", "e"),
    ("zg-04-sector-joint-review", "approval", "e"),
    ("zg-05-shared-infrastructure", "application", "w"),
    ("zg-06-filing", "approval", "e"),
    ("zg-06-no-splitting", "application", "e"),
    ("zg-06-library-entry", "approval", "e"),
    ("zg-07-fiscal-affordability", "approval", "e"),
    ("zg-07-key-library", "approval", "e"),
    ("zg-07-key-library-valid", "approval", "e"),
    ("zg-09-sharing-platform", "acceptance", "e"),
    ("zg-09-data-sharing", "construction", "e"),
    ("zg-09-no-exclusive-opening", "construction", "e"),
    ("zg-11-application", "approval", "e"),
    ("zg-11-no-build-before-approval", "construction", "e"),
    ("zg-11-om-unified", "application", "e"),
    ("zg-12-city-opinion", "application", "e"),
    ("zg-12-written-consent", "application", "e"),
    ("zg-13-party-group", "application", "e"),
    ("zg-15-3-government-cloud", "application", "w"),
    ("zg-15-4-secure-reliable", "application", "w"),
    ("zg-15-5-crypto-security", "application", "w"),
    ("zg-15-6-needs-integration-sharing", "application", "w"),
    ("zg-15-1-facilities-expanded", "application", "w"),
    ("zg-15-7-original-accepted", "application", "w"),
    ("zg-16-evaluated", "approval", "e"),
    ("zg-16-joint-review-after-evaluation", "evaluation", "e"),
    ("zg-16-secrecy-experts", "evaluation", "e"),
    ("zg-16-library-valid", "approval", "e"),
    ("zg-16-report-filed", "approval", "e"),
    ("zg-17-joint-review-conduct", "approval", "e"),
    ("zg-18-joint-review-before-approval", "approval", "e"),
    ("zg-18-approved-by-data-bureau", "approval", "e"),
    ("zg-18-copies-to-joint-review-members", "procurement", "e"),
    ("zg-19-cost-evaluation-budget-review", "procurement", "e"),
    ("zg-19-within-control-price", "procurement", "e"),
    ("zg-20-city-filing", "approval", "e"),
    ("zg-20-provincial-review", "evaluation", "e"),
    ("zg-21-implementing-body", "construction", "e"),
    ("zg-22-crypto-three-synchronous", "construction", "e"),
    ("zg-25-1-preliminary-acceptance", "acceptance", "e"),
    ("zg-25-1-data-sharing-confirmed", "acceptance", "e"),
    ("zg-25-1-security-confirmed", "acceptance", "e"),
    ("zg-26-reapplication-after-trial-run", "acceptance", "e"),
    ("zg-26-reapplication-rectified", "acceptance", "e"),
    ("zg-27-ip-to-government", "procurement", "e"),
    ("zg-33-1-data-sharing", "application", "w"),
    ("zg-33-2-security", "application", "w"),
    ("zg-33-3-egov-network-cloud", "application", "w"),
    ("zg-33-4-unified-om", "application", "w"),
    ("zg-30-review-costs", "evaluation", "e"),
    ("zg-34-surplus-returned", "audit", "e"),
    ("zg-34-earmarked", "audit", "e"),
    ("zg-34-treasury-payment", "audit", "e"),
    ("zg-37-funds-misused", "audit", "e"),
    ("zg-37-om-funds-irregular", "operation", "e"),
    # required documents
    ("zg-10-framework-plan", "application", "e"),
    ("zg-13-application-materials", "application", "e"),
    ("zg-13-3-1-technical-plan", "application", "e"),
    ("zg-13-3-1-classified-protection-plan", "application", "e"),
    ("zg-13-3-2-upgrade-plan", "application", "e"),
    ("zg-13-3-3-om-plan", "application", "e"),
    ("zg-16-evaluation-report", "approval", "e"),
    ("zg-17-joint-review-opinion", "approval", "e"),
    ("zg-25-2-1-request-letter", "acceptance", "e"),
    ("zg-25-2-2-procurement-file", "acceptance", "e"),
    ("zg-25-2-3-expert-opinion", "acceptance", "e"),
    ("zg-25-2-4-data-sharing", "acceptance", "e"),
    ("zg-25-2-5-secure-reliable", "acceptance", "e"),
    ("zg-25-2-6-audit", "acceptance", "e"),
    ("zg-25-2-7-test", "acceptance", "e"),
    ("zg-25-2-8-security-risk", "acceptance", "e"),
    ("zg-25-2-8-classified-protection", "acceptance", "e"),
    ("zg-25-2-8-mlps", "acceptance", "e"),
    ("zg-25-2-8-work-secrets", "acceptance", "e"),
    ("zg-25-2-9-crypto-secrecy-archive", "acceptance", "e"),
    # prohibited items
    ("zg-15-1-facilities", "application", "w"),
    ("zg-15-1-hardware", "application", "w"),
    ("zg-15-2-internet-egress", "application", "w"),
    ("zg-15-2-private-network-lease", "application", "w"),
    # acceptance failures
    ("zg-26-1-deviation", "acceptance", "e"),
    ("zg-26-2-trial-run", "acceptance", "e"),
    ("zg-26-3-third-party-tests", "acceptance", "e"),
    ("zg-26-3-test-step-failed", "acceptance", "e"),
    ("zg-26-4-materials", "acceptance", "e"),
    ("zg-26-5-archives", "acceptance", "e"),
    ("zg-26-6-expert-panel", "acceptance", "e"),
    # deadlines
    ("zg-07-key-library-by-june", "planning", "w"),
    ("zg-12-notice-by-september", "planning", "i"),
    ("zg-24-start-within-half-year", "procurement", "w"),
    ("zg-25-1-confirmation-before-acceptance", "acceptance", "e"),
    ("zg-25-2-acceptance-within-half-year", "acceptance", "e"),
    # the route duties of decision table approval_route (art. 6)
    ("approval_route.district_application", "approval", "e"),
    ("approval_route.city_review", "approval", "e"),
)
RULE_IDS = tuple(rule_id for rule_id, _, _ in RULES)
WARNINGS = tuple(i for i, (_, _, severity) in enumerate(RULES) if severity == "w")
FIRST_DOCUMENT_RULE = RULE_IDS.index("zg-10-framework-plan")

# The documents each required-documents rule asks for, in rule order; for the O&M plan (one of
# two alternatives) the one named missing when neither is present.
REQUIRED: tuple[frozenset[Document], ...] = tuple(
    _members(Document, names)
    for names in (
        "framework_plan",
        "project_information_form basis_documents construction_plan",
        "technical_plan",
        "classified_protection_plan",
        "upgrade_plan",
        "om_implementation_plan",
        "evaluation_report",
        "joint_review_opinion",
        "acceptance_request_letter",
        "approval_document procurement_application_form tender_documents award_notice contract "
        "invoice_copies",
        "acceptance_expert_opinion acceptance_expert_list",
        "data_sharing_report data_sharing_confirmation",
        "secure_reliable_statement vendor_adaptation_certificates",
        "third_party_audit_report",
        "third_party_test_report",
        "security_risk_assessment_report",
        "classified_protection_test_report",
        "mlps_test_report",
        "work_secret_inspection_report",
        "crypto_security_evaluation_report secrecy_risk_assessment archive_acceptance",
    )
)
OM_PLANS = _members(Document, "om_implementation_plan service_purchase_plan")
DOCUMENT_RANK = {document: rank for rank, document in enumerate(Document)}
DOCUMENT_RULES = tuple(range(FIRST_DOCUMENT_RULE, FIRST_DOCUMENT_RULE + len(REQUIRED)))


# --- helpers ------------------------------------------------------------------------------------


def _by(record: StepRecord, authority: Authority) -> bool | None:
    """`has_any(<step>_authorities, authority)` of a step taken: unknown until its lead is stated."""
    lead = record.authority
    if lead is None:
        return None
    return lead is authority or authority in record.joint_authorities


def _before(first: dt.date | None, second: dt.date | None) -> bool | None:
    """`first <= second`, unknown when either date is."""
    if first is None or second is None:
        return None
    return first <= second


def _months_later(day: dt.date, months: int) -> dt.date | None:
    """The corresponding day `months` later, or that month's last day (None: past year 9999)."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    month += 1
    if year > 9999:
        return None
    if day.day <= 28:
        return dt.date(year, month, day.day)
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return dt.date(year, 2, 29 if leap else 28)
    return dt.date(year, month, min(day.day, 30 if month in (4, 6, 9, 11) else 31))


def _within(anchor: dt.date | None, admission: dt.date | None) -> Status:
    """Approval on `anchor` within two years of a library admission on `admission`."""
    if anchor is None or admission is None:
        return UNKNOWN
    expiry = _months_later(admission, 24)
    if expiry is None:
        return ERROR
    return PASS if anchor <= expiry else FAIL


def _has_only(members: frozenset[Any] | None, allowed: frozenset[Any]) -> bool:
    """`has_only(members, ...)` holds (known, not empty, nothing else)."""
    return bool(members) and members <= allowed  # type: ignore[operator]


# --- scope -------------------------------------------------------------------------------------


def in_scope(project: Project) -> bool | None:
    """Art. 2 and 39: fiscal funds, a district or township owner of a covered type (None:
    undecided); art. 38: the exclusions, each taking a project out only when it holds."""
    content = project.content
    items = content.items
    categories = project.profile.categories
    if categories is not None:
        if (
            RESEARCH_SYSTEM in categories  # zg-38-3-research-system
            or OPERATIONS_SERVICE in categories  # zg-38-5-operations-service
        ):
            return False
        if items is not None:
            if SMART_BUILDING in categories:  # zg-38-1-smart-building, a smart-building project
                if items:
                    if items.isdisjoint(CUSTOM_SOFTWARE):
                        return False
                else:
                    maintained = content.maintained_items
                    if maintained is not None and maintained.isdisjoint(CUSTOM_SOFTWARE):
                        return False
            if CAPITAL_CONSTRUCTION in categories and (  # zg-38-1-capital-construction
                _has_only(items, SMART_BUILDING_ITEMS)
                or (not items and _has_only(content.maintained_items, SMART_BUILDING_ITEMS))
            ):
                return False
            if (  # zg-38-4-communications: SIM cards of a communications project
                COMMUNICATIONS in categories
                and categories.isdisjoint(GOVERNMENT_SYSTEM_CATEGORIES)
                and _has_only(items, COMMUNICATIONS_ITEMS)
            ):
                return False
    if items and (
        items <= SMART_BUILDING_ITEMS  # zg-38-1-smart-building
        or items <= OFFICE_ITEMS  # zg-38-2-office-equipment
        or items <= PROFESSIONAL_ITEMS  # zg-38-3-professional-equipment
        or items <= OUTDOOR_ITEMS  # zg-38-4-communications
    ):
        return False
    funding = project.money.funding
    if funding is None:
        fiscal = None
    else:
        fiscal = False
        for share in funding:
            if share.source in FISCAL_SOURCES:
                fiscal = True
                break
    owner = project.owner
    level = owner.level
    governed = None if level is None else level in GOVERNED_LEVELS
    kind = owner.type
    covered = None if kind is None else kind in OWNER_TYPES
    if fiscal is False or governed is False or covered is False:
        return False
    if fiscal is None or governed is None or covered is None:
        return None
    return True


def route(total: Decimal | None) -> str | None:
    """Decision table approval_route (art. 6): the band of the total investment."""
    if total is None:
        return None
    if total < APPLICATION_THRESHOLD:
        return "filing"
    if total < CITY_THRESHOLD:
        return "district_application"
    return "city_review"


def key_library_project(
    categories: frozenset[ProjectCategory] | None,
    kind: ProjectKind | None,
    total: Decimal | None,
    construction: Decimal | None,
) -> bool | None:
    """Definition key_library_project (art. 7): integration projects from 1000万, others (O&M
    excluded) from 500万 of total and of construction investment."""
    if categories is not None and kind is not None and total is not None:
        if not categories.isdisjoint(INTEGRATION_CATEGORIES):
            return total >= KEY_LIBRARY_INFRASTRUCTURE_THRESHOLD
        if kind in OM_KINDS or total < KEY_LIBRARY_OTHER_THRESHOLD:
            return False
        return None if construction is None else construction >= KEY_LIBRARY_OTHER_THRESHOLD
    # (A and B) or (not A and C and D and E), three-valued.
    integration = None if categories is None else not categories.isdisjoint(INTEGRATION_CATEGORIES)
    big = None if total is None else total >= KEY_LIBRARY_INFRASTRUCTURE_THRESHOLD
    terms = (
        None if integration is None else not integration,
        None if kind is None else kind not in OM_KINDS,
        None if total is None else total >= KEY_LIBRARY_OTHER_THRESHOLD,
        None if construction is None else construction >= KEY_LIBRARY_OTHER_THRESHOLD,
    )
    left = (
        False
        if integration is False or big is False
        else None
        if None in (integration, big)
        else True
    )
    right = False if False in terms else None if None in terms else True
    if left or right:
        return True
    return None if left is None or right is None else False


# --- the rules, article by article (pack order) -----------------------------------------------
#
# Each function returns the statuses of its rules in pack order. `steps` is the steps record
# ({} when unknown); `u` is what `'<step>' in steps` gives for a step not in it (False, or None
# when the steps are unknown), and `nu` what `'<step>' not in steps` gives for it (True or None).
# `approved` is `'approval' in steps and approval_passed`.

Steps = Mapping[Step, StepRecord]


def _articles_3_to_6(
    project: Project, steps: Steps, u: bool | None, total: Decimal | None, approval: Any
) -> tuple[Status, ...]:
    profile = project.profile
    content = project.content
    deployment = project.deployment
    # zg-03-five-unifications
    five = CHECK[content.meets_five_unifications]
    # zg-04-drc-with-data-bureau: digital content of a DRC-approved project, an approval given
    bundled = profile.bundled_with_fixed_asset_project
    approved = PASSED[approval.outcome] if approval is not None else u
    if bundled is False or approved is False:
        drc = NA
    elif bundled is None or approved is None:
        drc = UNKNOWN
    else:
        joined = _by(approval, COUNTY_DATA_BUREAU)
        review = steps.get(Step.TECHNICAL_REVIEW)
        reviewed = _by(review, COUNTY_DATA_BUREAU) if review is not None else u
        drc = (
            PASS if joined or reviewed else UNKNOWN if joined is None or reviewed is None else FAIL
        )
    # zg-04-sector-joint-review: public-facing general projects of institutions
    owner_type = project.owner.type
    categories = profile.categories
    sector = None if owner_type is None else owner_type in SECTOR_OWNERS
    public = None if categories is None else ProjectCategory.PUBLIC_FACING_GENERAL in categories
    if sector is False or public is False:
        sector_review = NA
    elif sector is None or public is None:
        sector_review = UNKNOWN
    else:
        review = steps.get(Step.JOINT_REVIEW)
        report = steps.get(Step.REPORT_FOR_RECORD)
        by_sector = _by(review, SECTOR_AUTHORITY) if review is not None else u
        reported = _by(report, COUNTY_DATA_BUREAU) if report is not None else u
        sector_review = (
            PASS
            if by_sector and reported
            else FAIL
            if by_sector is False or reported is False
            else UNKNOWN
        )
    # zg-05-shared-infrastructure (warning)
    cloud = deployment.uses_government_cloud
    network = deployment.on_egov_network
    shared = PASS if cloud and network else FAIL if cloud is False or network is False else UNKNOWN
    # zg-06-filing: below 50万, filed with the district data bureau
    if total is None:
        filing = UNKNOWN
    elif total < APPLICATION_THRESHOLD:
        filed = steps.get(Step.FILING)
        filing = CHECK[_by(filed, COUNTY_DATA_BUREAU) if filed is not None else u]
    else:
        filing = NA
    # zg-06-no-splitting
    splitting = CHECK_NOT[content.similar_projects_split]
    # zg-06-library-entry: from 50万, after a passed expert evaluation
    large = None if total is None else total >= APPLICATION_THRESHOLD
    evaluation = steps.get(Step.EXPERT_EVALUATION)
    evaluated = PASSED[evaluation.outcome] if evaluation is not None else u
    if large is False or evaluated is False:
        entry = NA
    elif large is None or evaluated is None:
        entry = UNKNOWN
    else:
        entry = CHECK[Step.LIBRARY_ADMISSION in steps or u]
    return five, drc, sector_review, shared, filing, splitting, entry


def _article_7(
    steps: Steps,
    u: bool | None,
    nu: bool | None,
    key_project: bool | None,
    application: Any,
    approval: Any,
) -> tuple[Status, ...]:
    # zg-07-fiscal-affordability: passed, on or before the application
    evaluation = steps.get(Step.FISCAL_AFFORDABILITY_EVALUATION)
    passed = PASSED[evaluation.outcome] if evaluation is not None else u
    if application is None:
        in_time = nu
    else:
        in_time = _before(
            evaluation.last_date if evaluation is not None else None, application.last_date
        )
    fiscal = (
        PASS if passed and in_time else FAIL if passed is False or in_time is False else UNKNOWN
    )
    # zg-07-key-library and zg-07-key-library-valid (two years when an approval is given)
    admission = steps.get(Step.KEY_LIBRARY_ADMISSION)
    if key_project is None:
        library = UNKNOWN
    elif key_project:
        library = CHECK[admission is not None or u]
    else:
        library = NA
    admitted = admission is not None or u
    approved = PASSED[approval.outcome] if approval is not None else u
    if key_project is False or admitted is False or approved is False:
        valid = NA
    elif key_project is None or admitted is None or approved is None:
        valid = UNKNOWN
    else:
        valid = _within(approval.last_date, admission.last_date)
    return fiscal, library, valid


def _articles_9_to_13(
    project: Project,
    steps: Steps,
    u: bool | None,
    nu: bool | None,
    total: Decimal | None,
    om_kind: bool | None,
    application: Any,
    approval: Any,
) -> tuple[Status, ...]:
    operation = project.operation
    deployment = project.deployment
    # zg-09-*: the platform and the sharing duties, unless a central provision exempts the system
    if deployment.central_sharing_exemption is True:
        platform = sharing = PASS
    else:
        platform = CHECK[deployment.connected_to_sharing_platform]
        sharing = CHECK[operation.data_sharing_obligations_met]
    exclusive = CHECK_NOT[operation.shared_data_opened_exclusively]
    # zg-11-application
    applied = CHECK[application is not None or u]
    # zg-11-no-build-before-approval: from 50万, an approval given on or before the start
    start = steps.get(Step.CONSTRUCTION_START)
    started = start is not None or u
    large = None if total is None else total >= APPLICATION_THRESHOLD
    if started is False or large is False:
        before_approval = NA
    elif started is None or large is None:
        before_approval = UNKNOWN
    else:
        approved = PASSED[approval.outcome] if approval is not None else u
        in_order = _before(approval.last_date if approval is not None else None, start.last_date)
        before_approval = (
            PASS
            if approved and in_order
            else FAIL
            if approved is False or in_order is False
            else UNKNOWN
        )
    # zg-11-om-unified
    if om_kind is None:
        unified = UNKNOWN
    elif om_kind:
        unified = CHECK[operation.unified_om]
    else:
        unified = NA
    # zg-12-city-opinion: 50万 to below 200万, consulted on or before the application
    if total is None:
        opinion = consent = UNKNOWN
    else:
        if APPLICATION_THRESHOLD <= total < CITY_THRESHOLD:
            consultation = steps.get(Step.CITY_CONSULTATION)
            consulted = consultation is not None or u
            if application is None:
                in_time = nu
            else:
                in_time = _before(
                    consultation.last_date if consultation is not None else None,
                    application.last_date,
                )
            opinion = (
                PASS
                if consulted and in_time
                else FAIL
                if consulted is False or in_time is False
                else UNKNOWN
            )
        else:
            opinion = NA
        # zg-12-written-consent: from 200万, both consents given on or before the application
        if total >= CITY_THRESHOLD:
            provincial = steps.get(Step.PROVINCIAL_CONSENT)
            city = steps.get(Step.CITY_CONSENT)
            by_province = PASSED[provincial.outcome] if provincial is not None else u
            by_city = PASSED[city.outcome] if city is not None else u
            if application is None:
                in_time = nu
            else:
                applied_on = application.last_date
                first = _before(
                    provincial.last_date if provincial is not None else None, applied_on
                )
                second = _before(city.last_date if city is not None else None, applied_on)
                in_time = (
                    False
                    if first is False or second is False
                    else None
                    if first is None or second is None
                    else True
                )
            consent = (
                PASS
                if by_province and by_city and in_time
                else FAIL
                if by_province is False or by_city is False or in_time is False
                else UNKNOWN
            )
        else:
            consent = NA
    # zg-13-party-group
    party = CHECK[project.procedure.party_group_approved]
    return (
        platform,
        sharing,
        exclusive,
        applied,
        before_approval,
        unified,
        opinion,
        consent,
        party,
    )


def _article_15(
    project: Project,
    kind: ProjectKind | None,
    upgrade_kind: bool | None,
    classified: bool | None,
) -> tuple[Status, ...]:
    deployment = project.deployment
    content = project.content
    # zg-15-3-government-cloud (warning): new builds and upgrades; classified ones excepted
    if kind is None:
        cloud = UNKNOWN
    elif kind in CLOUD_KINDS:
        cloud = CHECK[deployment.uses_government_cloud]
    else:
        cloud = NA
    if classified is True and (cloud is FAIL or cloud is UNKNOWN):
        cloud = PASS
    # zg-15-4, zg-15-5, zg-15-6 (warnings)
    secure = CHECK[deployment.secure_reliable_products]
    compliant = deployment.crypto_security_compliant
    hazard = deployment.major_security_hazard
    crypto = (
        PASS if compliant and hazard is False else FAIL if compliant is False or hazard else UNKNOWN
    )
    clear = content.needs_and_targets_clear
    integrated = project.owner.internal_systems_integrated
    shared = project.operation.data_sharing_obligations_met
    needs = (
        PASS
        if clear and integrated and shared
        else FAIL
        if clear is False or integrated is False or shared is False
        else UNKNOWN
    )
    # zg-15-1-facilities-expanded (warning): an expansion, or a project stating its expansions;
    # classified ones excepted
    expanded = content.expanded_items
    if expanded is not None or kind is ProjectKind.EXPANSION:
        facilities = (
            UNKNOWN
            if expanded is None
            else PASS
            if expanded.isdisjoint(EXPANDED_FACILITIES)
            else FAIL
        )
    elif kind is None:
        facilities = UNKNOWN
    else:
        facilities = NA
    if classified is True and (facilities is FAIL or facilities is UNKNOWN):
        facilities = PASS
    # zg-15-7-original-accepted (warning): upgrades
    if upgrade_kind is None:
        original = UNKNOWN
    elif upgrade_kind:
        original = CHECK[project.profile.original_project_accepted]
    else:
        original = NA
    return cloud, secure, crypto, needs, facilities, original


def _articles_16_to_21(
    project: Project,
    steps: Steps,
    u: bool | None,
    nu: bool | None,
    total: Decimal | None,
    classified: bool | None,
    approval: Any,
) -> tuple[Status, ...]:
    major = project.profile.major_central_provincial_deployment
    large = None if total is None else total >= APPLICATION_THRESHOLD
    expert = steps.get(Step.EXPERT_EVALUATION)
    expert_passed = PASSED[expert.outcome] if expert is not None else u
    review = steps.get(Step.JOINT_REVIEW)
    reviewed = review is not None or u
    approved = PASSED[approval.outcome] if approval is not None else u
    filed = steps.get(Step.FILING)
    # zg-16-evaluated: from 50万, by experts and a third party; major deployments excepted
    if large is None:
        evaluated = UNKNOWN
    elif large:
        third = steps.get(Step.THIRD_PARTY_EVALUATION)
        third_passed = PASSED[third.outcome] if third is not None else u
        evaluated = (
            PASS
            if expert_passed and third_passed
            else FAIL
            if expert_passed is False or third_passed is False
            else UNKNOWN
        )
    else:
        evaluated = NA
    if major is True and (evaluated is FAIL or evaluated is UNKNOWN):
        evaluated = PASS
    # zg-16-joint-review-after-evaluation: after a passed evaluation; major deployments excepted
    if reviewed is False or large is False:
        after = NA
    elif reviewed is None or large is None:
        after = UNKNOWN
    else:
        in_order = _before(expert.last_date if expert is not None else None, review.last_date)
        after = (
            PASS
            if expert_passed and in_order
            else FAIL
            if expert_passed is False or in_order is False
            else UNKNOWN
        )
    if major is True and (after is FAIL or after is UNKNOWN):
        after = PASS
    # zg-16-secrecy-experts: classified projects evaluated (from 50万, or whenever evaluated)
    held = expert is not None or u  # 'expert_evaluation' in steps
    evaluation_held = True if large or held else None if large is None or held is None else False
    if classified is False or evaluation_held is False:
        secrecy = NA
    elif classified is None or evaluation_held is None:
        secrecy = UNKNOWN
    else:
        experts = project.procedure.secrecy_pool_experts
        secrecy = UNKNOWN if experts is None else PASS if experts >= SECRECY_EXPERTS_MIN else FAIL
    # zg-16-library-valid: admission valid two years when an approval is given
    admission = steps.get(Step.LIBRARY_ADMISSION)
    admitted = admission is not None or u
    if admitted is False or approved is False:
        library = NA
    elif admitted is None or approved is None:
        library = UNKNOWN
    else:
        library = _within(approval.last_date, admission.last_date)
    # zg-16-report-filed: from 50万, with the city data bureau; major deployments excepted
    if large is None:
        report = UNKNOWN
    elif large:
        report = CHECK[_by(filed, MUNICIPAL_DATA_BUREAU) if filed is not None else u]
    else:
        report = NA
    if major is True and (report is FAIL or report is UNKNOWN):
        report = PASS
    # zg-17-joint-review-conduct: a joint review held, whatever its outcome
    procedure = project.procedure
    if reviewed is False:
        conduct = NA
    elif reviewed is None:
        conduct = UNKNOWN
    else:
        complete = procedure.joint_review_participants_complete
        decided = procedure.task_force_decided
        conduct = (
            PASS
            if complete and decided
            else FAIL
            if complete is False or decided is False
            else UNKNOWN
        )
    # zg-18-joint-review-before-approval and zg-18-approved-by-data-bureau: an approval given,
    # from 50万
    if approved is False or large is False:
        on_review = by_bureau = NA
    elif approved is None or large is None:
        on_review = by_bureau = UNKNOWN
    else:
        review_passed = PASSED[review.outcome] if review is not None else u
        in_order = _before(review.last_date if review is not None else None, approval.last_date)
        on_review = (
            PASS
            if review_passed and in_order
            else FAIL
            if review_passed is False or in_order is False
            else UNKNOWN
        )
        lead = approval.authority
        by_bureau = (
            UNKNOWN
            if lead is None
            else PASS
            if lead in DATA_BUREAUS or not approval.joint_authorities.isdisjoint(DATA_BUREAUS)
            else FAIL
        )
    # zg-18-copies-to-joint-review-members: after procurement, from 50万
    procurement = steps.get(Step.PROCUREMENT)
    procured = procurement is not None or u
    if procured is False or large is False:
        copies = NA
    elif procured is None or large is None:
        copies = UNKNOWN
    else:
        copies = CHECK[Step.COPY_FOR_RECORD in steps or u]
    # zg-19-cost-evaluation-budget-review: from 200万, both passed, the review before procurement
    if total is None:
        budget = UNKNOWN
    elif total >= CITY_THRESHOLD:
        cost = steps.get(Step.COST_EVALUATION)
        reviewed_budget = steps.get(Step.BUDGET_REVIEW)
        cost_passed = PASSED[cost.outcome] if cost is not None else u
        budget_passed = PASSED[reviewed_budget.outcome] if reviewed_budget is not None else u
        if procurement is None:
            in_time = nu
        else:
            in_time = _before(
                reviewed_budget.last_date if reviewed_budget is not None else None,
                procurement.last_date,
            )
        budget = (
            PASS
            if cost_passed and budget_passed and in_time
            else FAIL
            if cost_passed is False or budget_passed is False or in_time is False
            else UNKNOWN
        )
    else:
        budget = NA
    # zg-19-within-control-price: from 200万, a procurement launched within the control price
    city_band = None if total is None else total >= CITY_THRESHOLD
    if city_band is False or procured is False:
        control = NA
    elif city_band is None or procured is None:
        control = UNKNOWN
    else:
        money = project.money
        ceiling = money.procurement_ceiling_price
        limit = money.budget_control_price
        control = UNKNOWN if ceiling is None or limit is None else CHECK[ceiling <= limit]
    # zg-20-city-filing: below 200万, filed or reported to the city leading group
    if total is None:
        city = UNKNOWN
    elif total < CITY_THRESHOLD:
        reported = steps.get(Step.REPORT_FOR_RECORD)
        by_filing = _by(filed, LEADING_GROUP) if filed is not None else u
        by_report = _by(reported, LEADING_GROUP) if reported is not None else u
        city = (
            PASS
            if by_filing or by_report
            else UNKNOWN
            if by_filing is None or by_report is None
            else FAIL
        )
    else:
        city = NA
    # zg-20-provincial-review: from 200万, submitted to the provincial evaluation
    if city_band is None:
        provincial = UNKNOWN
    elif city_band:
        provincial = CHECK[procedure.provincial_review_submitted]
    else:
        provincial = NA
    # zg-21-implementing-body
    construction = project.construction
    body = construction.implementing_body_designated
    person = construction.responsible_person_designated
    implementing = (
        PASS if body and person else FAIL if body is False or person is False else UNKNOWN
    )
    return (
        evaluated,
        after,
        secrecy,
        library,
        report,
        conduct,
        on_review,
        by_bureau,
        copies,
        budget,
        control,
        city,
        provincial,
        implementing,
    )


def _articles_22_to_27(project: Project, steps: Steps, u: bool | None) -> tuple[Status, ...]:
    acceptance = project.acceptance
    # zg-22-crypto-three-synchronous
    crypto = CHECK[project.deployment.crypto_three_synchronous]
    # zg-25-1-*
    preliminary = steps.get(Step.PRELIMINARY_ACCEPTANCE)
    accepted = CHECK[PASSED[preliminary.outcome] if preliminary is not None else u]
    sharing = CHECK[acceptance.data_sharing_confirmed]
    security = CHECK[acceptance.secure_crypto_confirmed]
    # zg-26-reapplication-after-trial-run: a new application after a failed final acceptance
    final = steps.get(Step.FINAL_ACCEPTANCE)
    again = steps.get(Step.ACCEPTANCE_APPLICATION)
    if final is not None and again is not None:
        final_passed = PASSED[final.outcome]
        failed = None if final_passed is None else not final_passed
        final_on = final.last_date
        again_on = again.last_date
        later = None if final_on is None or again_on is None else again_on > final_on
        when = (
            False
            if failed is False or later is False
            else None
            if failed is None or later is None
            else True
        )
    elif u is False:
        when = False  # a step not taken
    else:  # steps unknown: false only if the outcome is known to be a pass (it is not known)
        when = None
    if when is False:
        reapplication = rectified = NA
    elif when is None:
        reapplication = rectified = UNKNOWN
    else:
        trial = steps.get(Step.TRIAL_RUN_END)
        ended = trial is not None or u
        ended_on = trial.last_date if trial is not None else None
        after_failure = None if ended_on is None or final_on is None else ended_on > final_on
        before_again = None if ended_on is None or again_on is None else ended_on <= again_on
        met = acceptance.trial_run_indicators_met
        terms = (ended, after_failure, before_again, met)
        reapplication = FAIL if False in terms else UNKNOWN if None in terms else PASS
        # zg-26-reapplication-rectified: the rectification completed
        rectified = CHECK[acceptance.acceptance_rectification_completed]
    # zg-27-ip-to-government
    ip = CHECK[project.construction.ip_to_government]
    return crypto, accepted, sharing, security, reapplication, rectified, ip


def _articles_30_to_37(
    project: Project,
    steps: Steps,
    u: bool | None,
    om_kind: bool | None,
    classified: bool | None,
    total: Decimal | None,
) -> tuple[Status, ...]:
    deployment = project.deployment
    operation = project.operation
    money = project.money
    # zg-33-* (warnings): O&M funds at stake (an O&M project, or a system in operation)
    operating = Step.OPERATION_START in steps or u
    considered = (
        True if om_kind or operating else None if om_kind is None or operating is None else False
    )
    if considered is False:
        sharing = security = network = unified = NA
    elif considered is None:
        sharing = security = network = unified = UNKNOWN
    else:
        met = operation.data_sharing_obligations_met
        duplicate = project.content.duplicate_data_collection
        sharing = (
            PASS if met and duplicate is False else FAIL if met is False or duplicate else UNKNOWN
        )
        reliable = deployment.secure_reliable_products
        compliant = deployment.crypto_security_compliant
        hazard = deployment.major_security_hazard
        security = (
            PASS
            if reliable and compliant and hazard is False
            else FAIL
            if reliable is False or compliant is False or hazard
            else UNKNOWN
        )
        on_network = deployment.on_egov_network
        cloud = deployment.uses_government_cloud
        network = (
            PASS
            if on_network and cloud
            else FAIL
            if on_network is False or cloud is False
            else UNKNOWN
        )
        unified = CHECK[operation.unified_om]
    if classified is True and (network is FAIL or network is UNKNOWN):
        network = PASS
    # zg-30-review-costs: an evaluation or review held, its costs borne by the unit
    if steps.keys().isdisjoint(REVIEW_STEPS):
        costs = NA if u is False else UNKNOWN
    else:
        costs = CHECK[money.review_costs_borne_by_owner]
    # zg-34-surplus-returned: objectives and content unchanged, a surplus of the approved amount
    construction = project.construction
    objectives = construction.construction_objectives_changed
    content = construction.content_changed
    settled = money.settlement_amount
    approved = money.approved_investment
    basis = approved if approved is not None else total
    surplus = None if settled is None or basis is None else settled < basis
    if objectives or content or surplus is False:
        returned = NA
    elif objectives is None or content is None or surplus is None:
        returned = UNKNOWN
    else:
        returned = CHECK[money.surplus_funds_returned]
    # zg-34-earmarked, zg-37-funds-misused; zg-34-treasury-payment
    misused = CHECK_NOT[money.special_funds_misused]
    treasury = CHECK[money.treasury_centralised_payment]
    # zg-37-om-funds-irregular: O&M funds arranged, both confirmations of art. 25 passed
    arranged = money.om_funds_arranged
    if arranged is False:
        irregular = NA
    else:
        acceptance = project.acceptance
        shared = acceptance.data_sharing_confirmed
        secured = acceptance.secure_crypto_confirmed
        irregular = (
            UNKNOWN
            if arranged is None
            else PASS
            if shared and secured
            else FAIL
            if shared is False or secured is False
            else UNKNOWN
        )
    return (
        sharing,
        security,
        network,
        unified,
        costs,
        returned,
        misused,
        treasury,
        misused,
        irregular,
    )


def _required_documents(
    project: Project,
    documents: frozenset[Document] | None,
    kind: ProjectKind | None,
    om_kind: bool | None,
    upgrade_kind: bool | None,
    classified: bool | None,
    large: bool | None,
) -> tuple[Status, ...]:
    """zg-10, zg-13-*, zg-16-evaluation-report, zg-17, zg-25-2-*: the documents present."""
    profile = project.profile
    major = profile.major_central_provincial_deployment
    secrets = profile.involves_work_secrets
    new_build = None if kind is None else kind is ProjectKind.NEW_BUILD
    if documents is None:
        # Every rule that applies is unknown (its exceptions may still excuse it).
        unknown = _undecided
        work_secret_plan = (
            False
            if new_build is False or secrets is False
            else None
            if None in (new_build, secrets)
            else True
        )
        return (
            unknown(_co_built(profile), classified),
            UNKNOWN,
            unknown(new_build),
            unknown(work_secret_plan),
            unknown(upgrade_kind),
            unknown(om_kind),
            unknown(large, major),
            unknown(large),
            *(UNKNOWN,) * 8,
            unknown(classified),
            PASS if classified is True else UNKNOWN,
            unknown(secrets),
            UNKNOWN,
        )
    # zg-10-framework-plan: a project co-built by several departments; classified ones excepted
    shared = _co_built(profile)
    if shared is False:
        framework = NA
    elif classified is True:
        framework = PASS  # excepted whether the plan is missing or the rule undecided
    elif shared is None:
        framework = UNKNOWN
    else:
        framework = PASS if Document.FRAMEWORK_PLAN in documents else FAIL
    # zg-13-application-materials
    materials = PASS if REQUIRED[1] <= documents else FAIL
    # zg-13-3-1-technical-plan: new builds
    technical = (
        NA
        if new_build is False
        else UNKNOWN
        if new_build is None
        else PASS
        if Document.TECHNICAL_PLAN in documents
        else FAIL
    )
    # zg-13-3-1-classified-protection-plan: new builds with work secrets
    if new_build is False or secrets is False:
        protection = NA
    elif new_build is None or secrets is None:
        protection = UNKNOWN
    else:
        protection = PASS if Document.CLASSIFIED_PROTECTION_PLAN in documents else FAIL
    # zg-13-3-2-upgrade-plan
    upgrade = (
        NA
        if upgrade_kind is False
        else UNKNOWN
        if upgrade_kind is None
        else PASS
        if Document.UPGRADE_PLAN in documents
        else FAIL
    )
    # zg-13-3-3-om-plan: an O&M plan or a service purchase plan
    om_plan = (
        NA
        if om_kind is False
        else UNKNOWN
        if om_kind is None
        else FAIL
        if OM_PLANS.isdisjoint(documents)
        else PASS
    )
    # zg-16-evaluation-report (major deployments excepted) and zg-17-joint-review-opinion
    if large is False:
        report = opinion = NA
    elif large is None:
        report = PASS if major is True else UNKNOWN
        opinion = UNKNOWN
    else:
        report = PASS if major is True or Document.EVALUATION_REPORT in documents else FAIL
        opinion = PASS if Document.JOINT_REVIEW_OPINION in documents else FAIL
    # zg-25-2-*: the completion-acceptance application's materials
    letter = PASS if Document.ACCEPTANCE_REQUEST_LETTER in documents else FAIL
    procurement = PASS if REQUIRED[9] <= documents else FAIL
    experts = PASS if REQUIRED[10] <= documents else FAIL
    sharing = PASS if REQUIRED[11] <= documents else FAIL
    reliable = PASS if REQUIRED[12] <= documents else FAIL
    audit = PASS if Document.THIRD_PARTY_AUDIT_REPORT in documents else FAIL
    test = PASS if Document.THIRD_PARTY_TEST_REPORT in documents else FAIL
    risk = PASS if Document.SECURITY_RISK_ASSESSMENT_REPORT in documents else FAIL
    classified_test = (
        NA
        if classified is False
        else UNKNOWN
        if classified is None
        else PASS
        if Document.CLASSIFIED_PROTECTION_TEST_REPORT in documents
        else FAIL
    )
    mlps = PASS if classified is True or Document.MLPS_TEST_REPORT in documents else FAIL
    inspection = (
        NA
        if secrets is False
        else UNKNOWN
        if secrets is None
        else PASS
        if Document.WORK_SECRET_INSPECTION_REPORT in documents
        else FAIL
    )
    archive = PASS if REQUIRED[19] <= documents else FAIL
    return (
        framework,
        materials,
        technical,
        protection,
        upgrade,
        om_plan,
        report,
        opinion,
        letter,
        procurement,
        experts,
        sharing,
        reliable,
        audit,
        test,
        risk,
        classified_test,
        mlps,
        inspection,
        archive,
    )


def _undecided(applies: bool | None, excused: bool | None = None) -> Status:
    """A required-documents rule with the documents unknown."""
    return NA if applies is False else PASS if excused is True else UNKNOWN


def _co_built(profile: Any) -> bool | None:
    """`multi_department or 'cross_department_integration' in categories` (zg-10)."""
    multi = profile.multi_department
    if multi:
        return True
    categories = profile.categories
    integration = (
        None if categories is None else ProjectCategory.CROSS_DEPARTMENT_INTEGRATION in categories
    )
    if integration:
        return True
    return None if multi is None or integration is None else False


def _prohibited_items(project: Project, classified: bool | None) -> tuple[Status, ...]:
    """zg-15-1-*, zg-15-2-* (warnings): an item found fails unless its exception holds."""
    items = project.content.items
    if items is None:
        return UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN
    excused = classified is True
    facilities = PASS if excused or items.isdisjoint(FACILITY_ITEMS) else FAIL
    hardware = PASS if excused or items.isdisjoint(HARDWARE_ITEMS) else FAIL
    egress = PASS if items.isdisjoint(INTERNET_EGRESS) else FAIL
    lease = (
        FAIL
        if not items.isdisjoint(PRIVATE_NETWORK_LEASE)
        and project.deployment.private_network_integrated is not True
        else PASS
    )
    return facilities, hardware, egress, lease


def _acceptance_failures(project: Project, steps: Steps, u: bool | None) -> tuple[Status, ...]:
    """zg-26-* (art. 26): a condition that holds fails the acceptance."""
    acceptance = project.acceptance
    deviation = CHECK_NOT[project.construction.deviates_from_approved_content]
    indicators = acceptance.trial_run_indicators_met
    use = acceptance.expected_use_achieved
    incident = acceptance.major_incident_unresolved
    trial = (
        FAIL
        if indicators is False or use is False or incident
        else UNKNOWN
        if indicators is None or use is None or incident is None
        else PASS
    )
    tests = CHECK[acceptance.third_party_tests_passed]
    # zg-26-3-test-step-failed: a test step recorded as failed (known() never waits for a fact)
    step_failed = PASS
    for step in (Step.MLPS_EVALUATION, Step.CRYPTO_EVALUATION, Step.THIRD_PARTY_TESTING):
        record = steps.get(step)
        if record is not None and record.outcome is StepOutcome.FAILED:
            step_failed = FAIL
            break
    materials = CHECK[acceptance.acceptance_materials_compliant]
    archive = steps.get(Step.ARCHIVE_ACCEPTANCE)
    if archive is not None:
        archives = CHECK[PASSED[archive.outcome]]
    else:
        archives = FAIL if u is False else UNKNOWN
    panel = CHECK[acceptance.expert_panel_passed]
    return deviation, trial, tests, step_failed, materials, archives, panel


def _deadline(record: StepRecord | None, u: bool | None, due: dt.date, as_of: dt.date) -> Status:
    """The event first on or before `due`: pass; later, or not taken and overdue: fail; not
    taken and not yet due: unknown (pending)."""
    if record is None:
        if u is None:
            return UNKNOWN
        return FAIL if as_of > due else UNKNOWN
    first = record.first_date
    if first is None:
        return UNKNOWN
    return PASS if first <= due else FAIL


def _deadlines(
    project: Project,
    steps: Steps,
    u: bool | None,
    as_of: dt.date,
    key_project: bool | None,
    approval: Any,
    documents: frozenset[Document] | None,
) -> tuple[tuple[Status, ...], int]:
    """The five deadlines, and how many of the error ones are pending (not yet due)."""
    year = project.procedure.plan_year
    # zg-07-key-library-by-june (warning): by 30 June of the year before the plan year
    if key_project is False:
        june = NA
    elif key_project is None or year is None:
        june = UNKNOWN
    else:
        june = _deadline(steps.get(Step.KEY_LIBRARY_SUBMISSION), u, dt.date(year - 1, 6, 30), as_of)
    # zg-12-notice-by-september (info): by 30 September of the year before
    if year is None:
        september = UNKNOWN
    else:
        september = _deadline(
            steps.get(Step.APPLICATION_NOTICE), u, dt.date(year - 1, 9, 30), as_of
        )
    # zg-24-start-within-half-year (warning): six months from an approval given; force majeure
    # excuses a late start (or one not yet due, or undecided)
    approved = PASSED[approval.outcome] if approval is not None else u
    if approved is False:
        start = NA
    elif approved is None:
        start = UNKNOWN
    else:
        anchor = approval.last_date
        due = None if anchor is None else _months_later(anchor, 6)
        if anchor is None:
            start = UNKNOWN
        elif due is None:
            start = ERROR
        else:
            start = _deadline(steps.get(Step.CONSTRUCTION_START), u, due, as_of)
    if (start is FAIL or start is UNKNOWN) and project.construction.force_majeure is True:
        start = PASS
    pending = 0
    # zg-25-1-confirmation-before-acceptance: on or before the final acceptance's first date
    confirmation = steps.get(Step.PRE_ACCEPTANCE_CONFIRMATION)
    if confirmation is None:
        confirmed = NA if u is False else UNKNOWN
    else:
        final = steps.get(Step.FINAL_ACCEPTANCE)
        if final is None:
            confirmed = UNKNOWN  # the final acceptance not yet held: pending
            pending += 1
        else:
            confirmed_on = confirmation.first_date
            final_on = final.first_date
            if confirmed_on is None or final_on is None:
                confirmed = UNKNOWN
            else:
                confirmed = PASS if confirmed_on <= final_on else FAIL
    # zg-25-2-acceptance-within-half-year: six months from a passed preliminary acceptance,
    # unless a deferral was requested within them
    preliminary = steps.get(Step.PRELIMINARY_ACCEPTANCE)
    passed = PASSED[preliminary.outcome] if preliminary is not None else u
    anchor = None if preliminary is None else preliminary.last_date
    due = None if anchor is None else _months_later(anchor, 6)
    waiting = False  # the application not yet made and not yet due
    if passed is False:
        within = NA
    elif passed is None or anchor is None:
        within = UNKNOWN
    elif due is None:
        within = ERROR
    else:
        application = steps.get(Step.ACCEPTANCE_APPLICATION)
        within = _deadline(application, u, due, as_of)
        waiting = application is None and within is UNKNOWN
    if within is FAIL or within is UNKNOWN:
        requested = project.acceptance.acceptance_deferral_request_date
        if (
            requested is not None
            and due is not None
            and requested <= due
            and documents is not None
            and Document.ACCEPTANCE_EXTENSION_REQUEST in documents
        ):
            within = PASS
            waiting = False
    if waiting:
        pending += 1
    return (june, september, start, confirmed, within), pending


def _routes(
    steps: Steps, u: bool | None, total: Decimal | None, application: Any
) -> tuple[Status, ...]:
    """The route duties of decision table approval_route (art. 6)."""
    if total is None:
        return UNKNOWN, UNKNOWN
    if total < APPLICATION_THRESHOLD:
        return NA, NA
    if total < CITY_THRESHOLD:
        return CHECK[application is not None or u], NA
    report = steps.get(Step.REPORT_FOR_RECORD)
    return NA, CHECK[_by(report, MUNICIPAL_DATA_BUREAU) if report is not None else u]


# --- the decisions ----------------------------------------------------------------------------


class _View(NamedTuple):
    """What a stage selects of the 94 statuses: the rules due, their errors, their documents."""

    ids: tuple[str, ...]
    select: Callable[[tuple[Status, ...]], tuple[Status, ...]] | None  # None: every rule
    errors: Callable[[tuple[Status, ...]], tuple[Status, ...]]
    documents: tuple[tuple[int, frozenset[Document]], ...]
    pending: bool  # the error deadlines that may be pending are due


def _view(stage: Stage) -> _View:
    due = [i for i, (_, due_from, _) in enumerate(RULES) if Stage(due_from).rank <= stage.rank]
    errors = [i for i in due if RULES[i][2] == "e"]
    return _View(
        ids=tuple(RULE_IDS[i] for i in due),
        select=None if len(due) == len(RULES) else _getter(due),
        errors=_getter(errors),
        documents=tuple((i, REQUIRED[i - FIRST_DOCUMENT_RULE]) for i in due if i in DOCUMENT_RULES),
        pending=Stage.ACCEPTANCE.rank <= stage.rank,
    )


def _getter(indexes: list[int]) -> Callable[[tuple[Status, ...]], tuple[Status, ...]]:
    if not indexes:
        return lambda statuses: ()
    if len(indexes) == 1:
        (index,) = indexes
        return lambda statuses: (statuses[index],)
    return itemgetter(*indexes)


VIEWS: Mapping[Stage, _View] = {stage: _view(stage) for stage in Stage}
OUT_OF_SCOPE = OverallStatus.OUT_OF_SCOPE
NON_COMPLIANT = OverallStatus.NON_COMPLIANT
INCOMPLETE = OverallStatus.INCOMPLETE
COMPLIANT = OverallStatus.COMPLIANT
_NO_STEPS: Steps = {}


def decide(project: Project, as_of: dt.date, stage: Stage = Stage.AUDIT) -> Decisions:
    """Zhanggong's decisions for `project` at `stage` (default audit: every duty due)."""
    scope = in_scope(project) if as_of >= EFFECTIVE else False
    if scope is False:
        return Decisions(PACK_ID, False, OUT_OF_SCOPE, None, {}, ())

    steps = project.procedure.steps
    if steps is None:
        steps, u, nu = _NO_STEPS, None, None
    elif steps.__class__ is dict:
        u, nu = False, True
    else:
        raise TypeError("a partial steps record is not handled by the hand-written decisions")
    documents = project.documents
    if documents is not None and documents.__class__ is not frozenset:
        raise TypeError("a partial documents record is not handled by the hand-written decisions")
    if project.content.items.__class__ not in (frozenset, type(None)):
        raise TypeError("a partial items record is not handled by the hand-written decisions")

    profile = project.profile
    money = project.money
    total = money.total_investment
    kind = profile.kind
    om_kind = None if kind is None else kind in OM_KINDS
    upgrade_kind = None if kind is None else kind in UPGRADE_KINDS
    classified = profile.classified
    key_project = key_library_project(
        profile.categories, kind, total, money.construction_investment
    )
    application = steps.get(Step.APPLICATION)
    approval = steps.get(Step.APPROVAL)
    deadlines, pending = _deadlines(project, steps, u, as_of, key_project, approval, documents)
    statuses = (
        *_articles_3_to_6(project, steps, u, total, approval),
        *_article_7(steps, u, nu, key_project, application, approval),
        *_articles_9_to_13(project, steps, u, nu, total, om_kind, application, approval),
        *_article_15(project, kind, upgrade_kind, classified),
        *_articles_16_to_21(project, steps, u, nu, total, classified, approval),
        *_articles_22_to_27(project, steps, u),
        *_articles_30_to_37(project, steps, u, om_kind, classified, total),
        *_required_documents(
            project,
            documents,
            kind,
            om_kind,
            upgrade_kind,
            classified,
            None if total is None else total >= APPLICATION_THRESHOLD,
        ),
        *_prohibited_items(project, classified),
        *_acceptance_failures(project, steps, u),
        *deadlines,
        *_routes(steps, u, total, application),
    )
    justifications = project.justifications
    if justifications:
        statuses = _justified(statuses, justifications)

    view = VIEWS[stage]
    errors = view.errors(statuses)
    if FAIL in errors:
        overall = NON_COMPLIANT
    elif (
        scope is None
        or total is None
        or errors.count(UNKNOWN) + errors.count(ERROR) > (pending if view.pending else 0)
    ):
        overall = INCOMPLETE
    else:
        overall = COMPLIANT
    missing: set[Document] | None = None
    for index, required in view.documents:
        if statuses[index] is FAIL:
            assert documents is not None
            if missing is None:
                missing = set(required - documents)
            else:
                missing |= required - documents
    return Decisions(
        PACK_ID,
        scope,
        overall,
        route(total),
        dict(
            zip(view.ids, statuses if view.select is None else view.select(statuses), strict=True)
        ),
        () if missing is None else tuple(sorted(missing, key=DOCUMENT_RANK.__getitem__)),
    )


def _justified(
    statuses: tuple[Status, ...], justifications: Mapping[str, str]
) -> tuple[Status, ...]:
    """A failed warning passes when the project states a justification for it."""
    changed = list(statuses)
    for index in WARNINGS:
        if changed[index] is FAIL and RULE_IDS[index] in justifications:
            changed[index] = PASS
    return tuple(changed)
