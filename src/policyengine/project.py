"""The Project model: the facts about one e-government IT project that the regulations turn on.

Every fact is optional. `None` means *unknown*, never "no": a rule that needs an unknown fact reports
`unknown` and names it. Lists and mappings follow the same convention: `documents=None` means the
document list is unknown; `documents=[]` means it is known that there are none.

Documents, items and steps are records in one of two forms (`policyengine.partial`): complete (a
list, or the mapping of the steps taken: whatever is not listed is absent or not taken) or partial
(`{present: [...], absent: [...]}`, `{taken: {...}, not_taken: [...]}`: the rest is unknown).

Numbers and collections are read strictly (`_inputs`): amounts in yuan in a few documented forms,
whole numbers within each fact's bounds, collections no longer than any real project needs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from ._inputs import Amount, MaxItems, WholeNumber, Years
from ._suggest import did_you_mean
from .errors import ProjectError, ProjectIssue
from .partial import COMPLETE, PARTIAL, Collection, known_set
from .vocabulary import (
    AdjustmentReason,
    AdminLevel,
    ApprovalRoute,
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

DATE_ORDER: tuple[tuple[Step, Step], ...] = (
    (Step.CONTRACT_SIGNING, Step.CONTRACT_FILING),
    (Step.TRIAL_RUN_START, Step.TRIAL_RUN_END),
    (Step.COMPLETION, Step.PRELIMINARY_ACCEPTANCE),
    (Step.COMPLETION, Step.FINAL_ACCEPTANCE),
    (Step.PRELIMINARY_ACCEPTANCE, Step.FINAL_ACCEPTANCE),
    (Step.ACCEPTANCE_APPLICATION, Step.FINAL_ACCEPTANCE),
    (Step.APPLICATION, Step.APPROVAL),
)
"""(earlier, later) pairs of steps whose dates cannot be in the other order."""

_MODEL = ConfigDict(extra="forbid", frozen=True, use_enum_values=False, str_strip_whitespace=True)

ATTESTATIONS: frozenset[str] = frozenset(
    {
        "major_project",
        "large_project",
        "similar_projects_split",
        "duplicates_existing_system",
        "secure_reliable_products",
        "crypto_three_synchronous",
        "supervisor_qualified",
        "design_author_qualified",
        "tester_qualified",
        "deviates_from_approved_content",
        "unauthorised_changes",
        "content_changed",
        "construction_objectives_changed",
        "equipment_matches_reviewed_plan",
        "construction_overrun_unexplained",
        "overrun_explained",
        "previous_project_overrun_explained",
        "data_sharing_obligations_met",
        "shared_data_opened_exclusively",
        "duplicate_data_collection",
        "evaluation_audit_issues_unrectified",
        "publication_barred",
        "performance_targets_met",
        "rectification_completed",
        "special_funds_misused",
        "high_om_cost",
        "meets_five_unifications",
        "crypto_security_compliant",
        "major_security_hazard",
        "needs_and_targets_clear",
        "internal_systems_integrated",
        "private_network_integrated",
        "major_central_provincial_deployment",
        "force_majeure",
        "trial_run_indicators_met",
        "expected_use_achieved",
        "major_incident_unresolved",
        "acceptance_materials_compliant",
        "unified_om",
        "inspection_issues_unrectified",
        "key_products_independently_controllable",
        "adjustment_within_approved_framework",
        "acceptance_rectification_completed",
    }
)
"""Facts that are someone's judgement rather than a record anyone can look up: "meets the five
unifications", "a valid explanation was given", "no duplicate construction". Amounts, dates,
items, documents, steps and their recorded outcomes are observations. A verdict lists the
attestations it relied on, so that an auditor sees which conclusions rest on someone's word."""


def _mark_attestations(schema: dict[str, Any]) -> None:
    for name, field in schema.get("properties", {}).items():
        if name in ATTESTATIONS:
            field["x-attestation"] = True


_GROUP = ConfigDict(**_MODEL, json_schema_extra=_mark_attestations)


class _ReprKnown:
    """`repr` shows the known facts only: a project has about a hundred, most of them unknown
    (None), and a repr of them all swamps a log line."""

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():  # type: ignore[misc]
            if value is None or (isinstance(value, BaseModel) and not any(value.__repr_args__())):
                continue
            yield name, value


class FundingShare(_ReprKnown, BaseModel):
    """One funding source and the amount it provides."""

    model_config = _MODEL

    source: FundingSource
    amount: Amount | None = Field(None, description="出资金额 / amount provided, in yuan (元)")


class BudgetChange(_ReprKnown, BaseModel):
    """A change to the approved budget estimate (概算调整)."""

    model_config = _MODEL

    date: dt.date | None = None
    increase: Amount = Field(
        description="概算调增金额 / amount added to the approved estimate, in yuan (元)"
    )
    approved_by_authority: bool | None = Field(
        None,
        description="经原审批部门批准 / the change was approved by the original approval authority",
    )
    reason: str | None = None


MAX_OCCURRENCES = 200
"""Most dates one step may list (a report every quarter for fifty years)."""


class StepRecord(_ReprKnown, BaseModel):
    """When a procedural step was taken, by whom, and with what outcome.

    A step taken again and again (a report due at every year-end) lists its occurrences under
    `dates`; `date`, when given, is one occurrence more. A step recorded with neither was taken on
    dates unknown. Expressions read a step's latest occurrence as `<step>_date`; a deadline, or the
    order of two steps, measures the first (a step happened by a date if it first did by then); a
    recurring deadline weighs every occurrence.
    """

    model_config = _MODEL

    date: dt.date | None = None
    # Bounded by pydantic-core itself (`max_length`), which refuses a longer list as one issue
    # once it has read one date too many; `MaxItems` would call out to Python for every step of
    # every project read. (Sets keep `MaxItems`: pydantic-core reads every member of a set first.)
    dates: list[dt.date] = Field(
        default_factory=list,
        max_length=MAX_OCCURRENCES,
        description=(
            "重复履行的步骤的各次日期 / every date of a step taken repeatedly (a yearly report); `date` "
            "counts as one of them"
        ),
    )
    authority: Authority | None = Field(
        None,
        description=(
            "履行机关 / who performed the step: who approved, reviewed, or organised an acceptance; "
            "for an application, filing or copy for the record, the body it was addressed to"
        ),
    )
    authority_name: str | None = Field(
        None, max_length=200, description="机关名称 / the body's own name (e.g. 市城市管理委员会)"
    )
    joint_authorities: Annotated[frozenset[Authority], MaxItems(20)] = Field(
        default_factory=frozenset,
        description="共同组织的机关 / bodies that performed the step together with `authority`",
    )
    outcome: StepOutcome | None = Field(
        None,
        description=(
            "结果 / passed, conditional (passed with conditions), failed (refused, negative "
            "opinion) or pending, for a step that has one (an approval, review, test or "
            "acceptance); recording the step says only that it was taken"
        ),
    )
    note: str | None = None

    @property
    def occurrences(self) -> list[dt.date]:
        """Every known date of the step, `date` and `dates` together, in order, without repeats."""
        if not self.dates:
            return [] if self.date is None else [self.date]
        return sorted({*self.dates, *([self.date] if self.date is not None else [])})

    @property
    def first_date(self) -> dt.date | None:
        """The step's first known date (None: taken on dates unknown)."""
        if not self.dates:
            return self.date
        return self.occurrences[0]

    @property
    def last_date(self) -> dt.date | None:
        """The step's latest known date (None: taken on dates unknown)."""
        if not self.dates:
            return self.date
        return self.occurrences[-1]

    @property
    def passed(self) -> bool | None:
        """Whether the step was passed (conditional counts; pending and unstated are unknown)."""
        return None if self.outcome is None else self.outcome.passed


def _check_date_order(taken: Mapping[Step, StepRecord]) -> None:
    # Orders that cannot happen in reality; a late or early step is a finding, not an error.
    # A repeated step is placed by its first occurrence, as deadlines measure it.
    for before, after in DATE_ORDER:
        first, second = taken.get(before), taken.get(after)
        earlier = first.first_date if first else None
        later = second.first_date if second else None
        if earlier and later and later < earlier:
            raise PydanticCustomError(
                "date_order",
                "{after} ({second}) cannot be before {before} ({first})",
                {
                    "after": after.value,
                    "second": str(later),
                    "before": before.value,
                    "first": str(earlier),
                },
            )


def _overlap(stated: frozenset[Any], other: Any, words: str) -> None:
    # `other` is missing from the validated data when it was itself invalid: nothing to compare.
    both = stated.intersection(other) if isinstance(other, frozenset | dict) else ()
    if both:
        names = ", ".join(sorted(str(member) for member in both))
        raise PydanticCustomError(
            "stated_both_ways", "{names}: stated both {words}", {"names": names, "words": words}
        )


M = TypeVar("M", bound=Vocabulary)


class PartialMembers(BaseModel, Generic[M]):
    """Members known present and known absent; any other member is unknown."""

    model_config = _MODEL
    vocabulary: ClassVar[type[Vocabulary]]

    present: Annotated[frozenset[M], MaxItems(1000)] = Field(
        frozenset(), description="已知具备的 / members known to be there"
    )
    absent: Annotated[frozenset[M], MaxItems(1000)] = Field(
        frozenset(), description="已知不具备的 / members known not to be there"
    )

    @field_validator("absent")
    @classmethod
    def _not_present(cls, absent: frozenset[M], info: ValidationInfo) -> frozenset[M]:
        present = info.data.get("present")
        _overlap(absent, present, "present and absent")
        # What is absent has none of its kinds present: no LAN where there is no network.
        _overlap(_kinds(absent), present, "present and absent (as a kind of an absent member)")
        return absent

    def as_set(self) -> Collection:
        """The set rules read: partial, or complete when every member is stated. A member
        known absent makes its kinds known absent too (`Vocabulary.narrower`)."""
        return known_set(self.present, self.absent | _kinds(self.absent), self.vocabulary)


def _kinds(members: frozenset[Any]) -> frozenset[Any]:
    return frozenset().union(*(member.narrower for member in members))


class PartialDocuments(PartialMembers[Document]):
    """Documents known present and known absent; any other document is unknown."""

    vocabulary = Document


class PartialItems(PartialMembers[Item]):
    """Items known built, bought or leased and known not; any other item is unknown."""

    vocabulary = Item


class PartialSteps(_ReprKnown, BaseModel):
    """Steps known taken (with their records) and known not taken; any other step is unknown."""

    # `{}` is the complete record of no steps taken; the schema says so, as the reader does.
    model_config = ConfigDict(**_MODEL, json_schema_extra={"minProperties": 1})

    taken: Annotated[dict[Step, StepRecord], MaxItems(100)] = Field(
        default_factory=dict, description="已知履行的步骤 / steps known taken, keyed by step"
    )
    not_taken: Annotated[frozenset[Step], MaxItems(100)] = Field(
        frozenset(), description="已知未履行的步骤 / steps known not taken"
    )

    @field_validator("taken")
    @classmethod
    def _dates_in_possible_order(cls, taken: dict[Step, StepRecord]) -> dict[Step, StepRecord]:
        _check_date_order(taken)
        return taken

    @field_validator("not_taken")
    @classmethod
    def _not_taken(cls, not_taken: frozenset[Step], info: ValidationInfo) -> frozenset[Step]:
        _overlap(not_taken, info.data.get("taken"), "taken and not taken")
        return not_taken

    def taken_state(self, step: Step) -> bool | None:
        """Whether `step` was taken: True, False, or None when the record leaves it open."""
        if step in self.taken:
            return True
        return False if step in self.not_taken else None


def _members_form(value: Any) -> str:
    # A mapping (or a PartialMembers) is the partial form; anything else is read as the list.
    return PARTIAL if isinstance(value, Mapping | PartialMembers) else COMPLETE


def _steps_form(value: Any) -> str:
    # Both forms are mappings: the partial one is told apart by its keys, which no step has.
    if isinstance(value, PartialSteps):
        return PARTIAL
    if isinstance(value, Mapping) and ("taken" in value or "not_taken" in value):
        return PARTIAL
    return COMPLETE


DocumentsRecord = Annotated[
    Annotated[frozenset[Document], MaxItems(1000), Tag(COMPLETE)]
    | Annotated[PartialDocuments, Tag(PARTIAL)],
    Discriminator(_members_form),
]
"""The documents present: every one (a list), or those known present and absent (a mapping)."""

ItemsRecord = Annotated[
    Annotated[frozenset[Item], MaxItems(1000), Tag(COMPLETE)]
    | Annotated[PartialItems, Tag(PARTIAL)],
    Discriminator(_members_form),
]
"""The items built, bought or leased: every one, or those known there and not there."""

StepsRecord = Annotated[
    Annotated[dict[Step, StepRecord], MaxItems(100), Tag(COMPLETE)]
    | Annotated[PartialSteps, Tag(PARTIAL)],
    Discriminator(_steps_form),
]
"""The steps taken: every one (a mapping of steps), or those known taken and not taken."""

MEMBER_RECORDS: Mapping[str, type[PartialMembers[Any]]] = {
    "documents": PartialDocuments,
    "items": PartialItems,
}
"""The Project fields that are sets of vocabulary members, by the model of their partial form."""


class Owner(_ReprKnown, BaseModel):
    """The construction (owner) unit, and its record with earlier projects."""

    model_config = _GROUP

    name: str | None = Field(None, description="单位名称 / unit name")
    type: OwnerType | None = Field(None, description="单位性质 / owner type")
    level: AdminLevel | None = Field(None, description="行政层级 / administrative level")
    previous_project_overrun: bool | None = Field(
        None,
        description="建设单位上一个项目未在设计建设周期内完成 / the owner unit's previous project "
        "was not finished within its designed construction period",
    )
    previous_project_overrun_explained: bool | None = Field(
        None,
        description="对上一个项目的逾期作出有效说明 / a valid explanation was given for the "
        "previous project's overrun",
    )
    prior_year_project_unfinished: bool | None = Field(
        None,
        description="建设单位列入上年度计划的工程项目未完成 / "
        "the owner unit's project in last year's plan is unfinished",
    )
    prior_year_acceptance_not_applied_in_time: bool | None = Field(
        None,
        description="上年度计划项目已完成, 未按规定及时申请验收 / "
        "last year's completed project: acceptance not applied for in time",
    )
    prior_year_acceptance_failed: bool | None = Field(
        None,
        description="上年度计划项目验收不合格 / last year's completed project failed acceptance",
    )
    evaluation_audit_issues_unrectified: bool | None = Field(
        None,
        description="绩效评估或专项审计发现的问题未整改到位 / "
        "problems found by performance evaluation or special audit not rectified",
    )
    internal_systems_integrated: bool | None = Field(
        None, description="内部系统整合到位 / the unit's internal systems are integrated"
    )


class Profile(_ReprKnown, BaseModel):
    """What the project is: its kind, categories, secrecy, size and who called for it."""

    model_config = _GROUP

    kind: ProjectKind | None = Field(None, description="建设性质 / project kind")
    categories: Annotated[frozenset[ProjectCategory], MaxItems(20)] | None = Field(
        None,
        description="项目类别 / every category the project belongs to (a platform may be both "
        "infrastructure and a cross-department integration); [] states it has none listed",
    )
    classified: bool | None = Field(None, description="涉密 / the system is classified")
    involves_work_secrets: bool | None = Field(
        None, description="涉及工作秘密 / the system involves work secrets"
    )
    major_project: bool | None = Field(
        None, description="重大项目 / a major project (as designated)"
    )
    large_project: bool | None = Field(
        None, description="大型项目 / a large project (as designated)"
    )
    bundled_with_fixed_asset_project: bool | None = Field(
        None,
        description=(
            "纳入固定资产投资(基本建设)项目的信息化内容 / IT content bundled in a fixed-asset or capital construction "
            "project"
        ),
    )
    self_use: bool | None = Field(
        None, description="自建自用 / built by and for the owner unit only"
    )
    public_facing: bool | None = Field(None, description="面向公众使用 / used by the public")
    multi_department: bool | None = Field(
        None,
        description="多部门共建共享的项目 / project co-built and shared by several departments",
    )
    higher_level_organised: bool | None = Field(
        None,
        description="国家、省、市直有关部门组织县级申报的项目 / project applied for at the call "
        "of national, provincial or city departments",
    )
    major_central_provincial_deployment: bool | None = Field(
        None,
        description="属于国家和省委、省政府重大部署 / "
        "a major deployment of the state or of the provincial Party committee and government",
    )
    original_project_accepted: bool | None = Field(
        None,
        description="升级改造的原项目已竣工验收 / "
        "the original project of an upgrade has passed completion acceptance",
    )


class Money(_ReprKnown, BaseModel):
    """Amounts in yuan (`Amount` lists the accepted forms), funding and the use of funds."""

    model_config = _GROUP

    total_investment: Amount | None = Field(
        None, description="总投资 / the project's total investment, in yuan (元)"
    )
    construction_investment: Amount | None = Field(
        None,
        description="建设投资(不含运维) / the investment in construction, without operation and "
        "maintenance, in yuan (元)",
    )
    funds_requested: Amount | None = Field(
        None, description="申请资金 / funds the owner requests from the budget, in yuan (元)"
    )
    budget_estimate: Amount | None = Field(
        None, description="概算总投资 / approved estimate, in yuan (元)"
    )
    approved_investment: Amount | None = Field(
        None, description="核定投资 / approved investment, in yuan (元)"
    )
    om_annual_cost: Amount | None = Field(
        None, description="年度运维费用 / annual O&M cost, in yuan (元)"
    )
    annual_budget_requested: Amount | None = Field(
        None, description="当年申请安排的预算 / budget requested for the current year, in yuan (元)"
    )
    annual_expenditure_expected: Amount | None = Field(
        None,
        description="当年能形成的支出 / expenditure the project can incur this year, in yuan (元)",
    )
    funding: Annotated[list[FundingShare], MaxItems(100)] | None = Field(
        None, description="资金来源 / funding sources and amounts"
    )
    budget_changes: Annotated[list[BudgetChange], MaxItems(1000)] | None = Field(
        None, description="概算调整 / changes to the approved budget estimate"
    )
    settlement_amount: Amount | None = Field(
        None, description="结算金额 / settlement amount, in yuan (元)"
    )
    surplus_funds_returned: bool | None = Field(
        None, description="结余资金已退回 / the surplus funds were returned"
    )
    special_funds_misused: bool | None = Field(
        None,
        description="滞留、截留、挤占、挪用、虚列、套取专项资金 / special funds retained, "
        "withheld, diverted, misappropriated, falsely listed or fraudulently obtained",
    )
    budget_control_price: Amount | None = Field(
        None,
        description="预算评审确定的预算控制价格 / the budget control price set by the budget "
        "review, in yuan (元)",
    )
    procurement_ceiling_price: Amount | None = Field(
        None,
        description="政府采购招标的采购预算(最高限价) / the budget (ceiling price) the "
        "procurement was launched with, in yuan (元)",
    )
    review_costs_borne_by_owner: bool | None = Field(
        None,
        description="论证、评审的场地费、专家评审费等工作费用由项目建设单位承担 / the venue, expert "
        "and similar costs of the evaluation and review were paid by the construction unit",
    )
    treasury_centralised_payment: bool | None = Field(
        None,
        description="项目资金按国库集中支付制度支付 / the project's funds were paid through the "
        "treasury centralised payment system",
    )
    om_funds_arranged: bool | None = Field(
        None,
        description="已安排(落实)运行维护经费 / O&M funds have been arranged for the system",
    )


class Content(_ReprKnown, BaseModel):
    """What the project builds, buys, leases or keeps, and how its content is judged."""

    model_config = _GROUP

    items: ItemsRecord | None = Field(
        None,
        description=(
            "新建、新购、租用的建设内容 / items the project newly builds, buys or leases: the complete list, "
            "or {present, absent} when only some are known; existing ones it expands or only "
            "operates are listed apart"
        ),
    )
    expanded_items: Annotated[frozenset[Item], MaxItems(1000)] | None = Field(
        None, description="扩建的既有建设内容 / existing items the project expands"
    )
    maintained_items: Annotated[frozenset[Item], MaxItems(1000)] | None = Field(
        None,
        description=(
            "运维、升级改造的既有建设内容 / existing items the project operates, maintains, upgrades or "
            "migrates without expanding them"
        ),
    )
    duplicates_existing_system: bool | None = Field(
        None, description="重复建设 / the project duplicates an existing system"
    )
    similar_projects_split: bool | None = Field(
        None, description="同类项目拆分申报 / similar content split into several applications"
    )
    duplicate_data_collection: bool | None = Field(
        None, description="重复采集数据 / data are collected again that already exist"
    )
    needs_and_targets_clear: bool | None = Field(
        None, description="需求和绩效目标明确 / needs and performance targets are clear"
    )
    meets_five_unifications: bool | None = Field(
        None, description="符合“五统一”建设要求 / meets the five-unifications requirements"
    )
    mobile_entry_centralised: bool | None = Field(
        None,
        description="移动端入口向市级统一入口集中 / mobile entry points are gathered into the city's unified entry",
    )


class Procedure(_ReprKnown, BaseModel):
    """Planning, application and approval: the plan, the route taken, reviews and each step taken."""

    model_config = _GROUP

    in_annual_plan: bool | None = Field(
        None, description="纳入年度(实施)计划 / included in the annual (implementation) plan"
    )
    plan_year: Annotated[int, Field(ge=1990, le=2100), WholeNumber] | None = Field(
        None, description="年度计划的年份 / year of the annual plan"
    )
    cross_year: bool | None = Field(
        None, description="跨年度项目 / the project spans more than one year"
    )
    approval_route: ApprovalRoute | None = Field(
        None,
        description="审批方式 / the route the project actually took (filing, approval...), which a "
        "pack compares with the route its table requires",
    )
    party_group_approved: bool | None = Field(
        None,
        description="申报项目经党组或办公会议审议通过 / "
        "the application was approved by the unit's Party group or office meeting",
    )
    feasibility_and_design_merged: bool | None = Field(
        None,
        description=(
            "可行性研究报告和初步设计合一, 直接编报实施方案 / feasibility study and preliminary design merged into one "
            "implementation plan"
        ),
    )
    design_author_qualified: bool | None = Field(
        None,
        description=(
            "编制单位具备相应资质 / the body that drafted the documents holds the required qualification"
        ),
    )
    secrecy_pool_experts: Annotated[int, Field(ge=0, le=10_000), WholeNumber] | None = Field(
        None,
        description=(
            "保密科技领域专家库专家人数 / number of review-panel experts from the secrecy science and "
            "technology expert pool"
        ),
    )
    participants_qualification_reviewed: bool | None = Field(
        None,
        description="涉密项目参与单位已开展资质审查 / "
        "qualification review of the units taking part in a classified project",
    )
    technical_plan_changed_after_review: bool | None = Field(
        None, description="技术方案经评审后变更 / technical plan changed after its review"
    )
    applicant: Authority | None = Field(
        None,
        description="申报单位 / who submitted the application: owner_unit (the construction "
        "unit, which leads a project several units share), sector_authority (its competent "
        "department) or another body; the application step's authority is the body applied to",
    )
    evaluation_report_sharing_opinion: bool | None = Field(
        None,
        description="评估报告包括对信息资源共享分析篇(章)的评估意见 / the evaluation report "
        "contains an opinion on the data-sharing analysis chapter",
    )
    evaluation_report_crypto_opinion: bool | None = Field(
        None,
        description="评估报告包括对密码应用的评估意见 / the evaluation report contains an "
        "opinion on the crypto application",
    )
    approval_document_sharing_opinion: bool | None = Field(
        None,
        description="批复文件包括对信息资源共享情况的意见 / the approval document contains an "
        "opinion on data sharing",
    )
    approval_document_crypto_opinion: bool | None = Field(
        None,
        description="批复文件包括对密码应用情况的意见 / the approval document contains an "
        "opinion on the crypto application",
    )
    joint_review_participants_complete: bool | None = Field(
        None,
        description="联合会审有行业专家、招标代理和联合会审机制成员单位参加 / sector experts, the "
        "tendering agent and the member units of the joint-review mechanism took part in the "
        "joint review",
    )
    task_force_decided: bool | None = Field(
        None,
        description="联合会审意见已报推进政府职能转变和数字政府建设工作专班审定 / the joint-review "
        "opinion was submitted to and decided by the government digital-transformation task force",
    )
    provincial_review_submitted: bool | None = Field(
        None,
        description="已报省级论证评估和联合会审 / the project was submitted to the provincial "
        "evaluation and joint review",
    )
    # Each step taken, keyed by step. Complete: an absent key is a step not taken;
    # partial ({taken, not_taken}): a step in neither is unknown.
    steps: StepsRecord | None = Field(
        None,
        description=(
            "已履行的程序步骤 / procedural steps taken: the complete mapping of steps taken, or {taken, "
            "not_taken} when only some are known"
        ),
    )

    @field_validator("steps")
    @classmethod
    def _dates_in_possible_order(
        cls, steps: dict[Step, StepRecord] | PartialSteps | None
    ) -> dict[Step, StepRecord] | PartialSteps | None:
        if isinstance(steps, dict):  # a partial record checks its own `taken`
            _check_date_order(steps)
        return steps


class Deployment(_ReprKnown, BaseModel):
    """Deployment, data sharing and security."""

    model_config = _GROUP

    uses_government_cloud: bool | None = Field(
        None, description="部署于政务云 / deployed on the government cloud"
    )
    on_egov_network: bool | None = Field(
        None, description="依托电子政务网络 / runs on the e-government network"
    )
    on_shared_resource_platform: bool | None = Field(
        None,
        description="依托共享资源平台开发、部署和运行 / "
        "developed, deployed and run on the shared resource platform",
    )
    connected_to_sharing_platform: bool | None = Field(
        None,
        description="接入政务数据共享交换平台 / connected to the government data sharing and exchange platform",
    )
    connected_to_big_data_platform: bool | None = Field(
        None, description="接入大数据能力平台 / connected to the big-data capability platform"
    )
    uses_smart_city_base_platform: bool | None = Field(
        None, description="依托智慧城市基础平台 / built on the smart-city base platform"
    )
    hardware_hosted_in_central_room: bool | None = Field(
        None,
        description="硬件设备托管于中心机房 / the hardware is hosted in the central machine room",
    )
    private_network_integrated: bool | None = Field(
        None,
        description="租赁的专网已整合到电子政务内网或外网 / "
        "the leased private network is integrated into the e-government intranet or extranet",
    )
    data_resource_catalogue_registered: bool | None = Field(
        None, description="编制数据资源目录 / the data resource catalogue has been compiled"
    )
    secure_reliable_products: bool | None = Field(
        None, description="采用安全可靠产品 / uses secure and reliable products"
    )
    key_products_independently_controllable: bool | None = Field(
        None,
        description="信息安全设备、核心网络设备、基础软件、系统软件和业务应用软件等关键产品为自主可控"
        "产品 / the key products (security and core network equipment, basic, system and "
        "application software) are independently controllable",
    )
    central_sharing_exemption: bool | None = Field(
        None,
        description="党中央、国务院明确规定该系统不适用数据共享要求 / an explicit provision of the "
        "Party Central Committee or the State Council exempts the system from data sharing",
    )
    crypto_three_synchronous: bool | None = Field(
        None,
        description=(
            "密码同步规划、同步建设、同步运行 / cryptography is planned, built and run together with the system"
        ),
    )
    crypto_security_compliant: bool | None = Field(
        None,
        description="符合密码应用和网络安全保密要求 / "
        "meets the crypto-application and network-security and secrecy requirements",
    )
    mlps_level: Annotated[int, Field(ge=1, le=5), WholeNumber] | None = Field(
        None, description="网络安全等级保护级别 / the multi-level protection scheme (MLPS) level"
    )
    mlps_level_fixed_at_planning: bool | None = Field(
        None, description="规划时确定等保级别 / the MLPS level was fixed at planning"
    )
    integrator_has_classified_qualification: bool | None = Field(
        None,
        description=(
            "承建单位具有涉密信息系统集成资质 / the integrator holds the classified information-system "
            "integration qualification"
        ),
    )
    major_security_hazard: bool | None = Field(
        None, description="存在重大安全保密隐患 / a major security or secrecy hazard exists"
    )


class Construction(_ReprKnown, BaseModel):
    """Construction: period, supervision, procurement terms and changes from the approved content."""

    model_config = _GROUP

    planned_completion_date: dt.date | None = Field(
        None, description="设计建设周期届满日 / end of the designed construction period"
    )
    force_majeure: bool | None = Field(
        None, description="因不可抗力未能按期开工 / start delayed by force majeure"
    )
    construction_overrun_unexplained: bool | None = Field(
        None,
        description=(
            "建设周期严重逾期且无正当理由 / the construction period was seriously overrun without a valid "
            "reason"
        ),
    )
    overrun_explained: bool | None = Field(
        None,
        description="对未在设计建设周期内完成作出有效说明 / "
        "a valid explanation was given for not finishing within the designed period",
    )
    supervisor_qualified: bool | None = Field(
        None,
        description="监理单位具备相应资质 / the supervision body holds the required qualification",
    )
    supervision_lead_certified: bool | None = Field(
        None,
        description="监理项目负责人具有信息系统工程监理执业资格证书 / "
        "the supervision project lead holds an IT-works supervision practice certificate",
    )
    ip_to_government: bool | None = Field(
        None,
        description="采购文件和合同明确项目成果及知识产权归政府所有 / procurement documents and "
        "contract state that the results and their IP belong to the government",
    )
    deviates_from_approved_content: bool | None = Field(
        None,
        description="建设内容与批复不一致 / the content built differs from the approved content",
    )
    unauthorised_changes: bool | None = Field(
        None, description="擅自变更建设内容 / the content was changed without authorisation"
    )
    content_changed: bool | None = Field(
        None,
        description="建设内容较审查后的建设方案发生变更 / content changed from the reviewed plan",
    )
    construction_objectives_changed: bool | None = Field(
        None, description="建设目标改变 / the construction objectives changed"
    )
    equipment_matches_reviewed_plan: bool | None = Field(
        None, description="设备与审查方案一致 / the equipment matches the reviewed plan"
    )
    self_adjusted: bool | None = Field(
        None,
        description=(
            "建设单位自行调整主要建设内容 / the owner unit adjusted the main content itself, without new "
            "approval"
        ),
    )
    adjustment_amount: Amount | None = Field(
        None, description="资金调整数额 / amount of the adjustment, in yuan (元)"
    )
    adjustment_reason: AdjustmentReason | None = Field(
        None, description="自行调整的理由 / the reason for the owner unit's own adjustment"
    )
    adjustment_within_approved_framework: bool | None = Field(
        None,
        description="调整在已批复项目建设规划的框架内 / the adjustment stays within the framework "
        "of the approved construction plan",
    )
    implementing_body_designated: bool | None = Field(
        None,
        description="已确定项目实施机构 / the project's implementing body has been designated",
    )
    responsible_person_designated: bool | None = Field(
        None,
        description="已确定项目责任人 / the person responsible for the project has been designated",
    )
    inspection_issues_unrectified: bool | None = Field(
        None,
        description="监督检查发现的问题拒不整改或整改后仍不符合要求 / problems found by supervision "
        "and inspection were not rectified, or still fail after rectification",
    )
    performance_evaluation_consulted: bool | None = Field(
        None,
        description="绩效评价征求了项目使用单位和监理单位的意见 / the performance evaluation "
        "sought the opinions of the user units and the supervision unit",
    )
    performance_report_covers_progress_and_investment: bool | None = Field(
        None,
        description="绩效评价报告包括建设进度和投资计划执行情况 / the performance evaluation "
        "report covers construction progress and the execution of the investment plan",
    )


class Acceptance(_ReprKnown, BaseModel):
    """Trial run, testing and acceptance."""

    model_config = _GROUP

    trial_run_indicators_met: bool | None = Field(
        None,
        description="系统试运行各项指标达到设计要求 / trial-run indicators meet the design",
    )
    expected_use_achieved: bool | None = Field(
        None,
        description="试运行推广使用达到预期效果 / trial-run roll-out and use achieved the expected "
        "effect",
    )
    major_incident_unresolved: bool | None = Field(
        None,
        description="发生重大安全事故且事故隐患未完全解决 / "
        "a major security incident occurred and its hazards are not fully resolved",
    )
    third_party_tests_passed: bool | None = Field(
        None, description="第三方测评通过 / the third-party tests were passed"
    )
    tester_qualified: bool | None = Field(
        None,
        description="第三方检测/测评机构具备相应资质 / the third-party testing body is qualified",
    )
    expert_panel_passed: bool | None = Field(
        None,
        description="验收专家组结论为通过 / the acceptance expert panel concluded that the project passes",
    )
    acceptance_materials_compliant: bool | None = Field(
        None,
        description="验收文件、资料、数据真实、完整、准确、规范 / "
        "acceptance documents, materials and data are true, complete, accurate and regular",
    )
    data_sharing_confirmed: bool | None = Field(
        None,
        description="竣工验收前数据共享情况经数据资源管理部门确认通过 / "
        "data sharing confirmed by the data-resource department before completion acceptance",
    )
    secure_crypto_confirmed: bool | None = Field(
        None,
        description="竣工验收前安全可靠、密码应用及安全性评估情况经保密部门确认通过 / "
        "secure-reliable products, crypto application and its evaluation confirmed by the "
        "secrecy bureau before completion acceptance",
    )
    acceptance_covered_product_security: bool | None = Field(
        None,
        description="验收内容包括软硬件产品的安全可靠情况 / the acceptance examined whether the "
        "software and hardware products are secure and reliable",
    )
    acceptance_covered_product_controllability: bool | None = Field(
        None,
        description="验收内容包括软硬件产品的安全可控情况 / the acceptance examined whether the "
        "software and hardware products are secure and controllable",
    )
    acceptance_covered_crypto_and_security_review: bool | None = Field(
        None,
        description="验收内容包括密码应用和安全审查情况 / the acceptance examined the crypto "
        "application and the security review",
    )
    acceptance_covered_utilisation: bool | None = Field(
        None,
        description="验收内容包括软件系统、硬件设备和相关服务的使用效率情况 / the acceptance "
        "examined how efficiently the software, hardware and services are used",
    )
    acceptance_deferral_request_date: dt.date | None = Field(
        None,
        description="向审批部门提出延期验收申请的日期 / date the deferral of the completion "
        "acceptance was requested from the approval authority",
    )
    acceptance_rectification_completed: bool | None = Field(
        None,
        description="验收不通过后已按要求完成整改 / after a failed acceptance, the rectification "
        "required was completed",
    )


class Operation(_ReprKnown, BaseModel):
    """Operation and maintenance, data sharing in use, publication and performance."""

    model_config = _GROUP

    om_period_years: Years | None = Field(
        None, description="运维期(年) / O&M period in years (at most two decimals, below 100)"
    )
    high_om_cost: bool | None = Field(
        None, description="日常运行维护费用较高 (as designated) / high daily O&M cost"
    )
    unified_om: bool | None = Field(
        None,
        description="按市县“统一运维”原则开展本地运维运营服务 / local O&M and "
        "operation services follow the city-county unified O&M principle",
    )
    data_sharing_obligations_met: bool | None = Field(
        None, description="履行数据共享义务 / the data-sharing obligations are met"
    )
    shared_data_opened_exclusively: bool | None = Field(
        None,
        description="应当普遍共享的数据仅向特定企业、社会组织开放 / "
        "data that should be generally shared opened only to particular enterprises or bodies",
    )
    publication_barred: bool | None = Field(
        None,
        description="涉及国家安全, 或法律、法规禁止公开 / "
        "involves national security, or disclosure is barred by law",
    )
    performance_targets_met: bool | None = Field(
        None, description="达到绩效目标 / performance targets met"
    )
    rectification_completed: bool | None = Field(
        None,
        description="未达绩效目标的整改已落实 / rectification of missed targets carried out",
    )
    assets_booked: bool | None = Field(
        None,
        description="项目资产已按资产管理制度登记入账 / the project's assets have been entered in "
        "the unit's asset register and accounts",
    )
    operating_body_designated: bool | None = Field(
        None,
        description="已确立项目运行机构 / an operating body has been designated for the system",
    )
    om_rules_issued: bool | None = Field(
        None,
        description="已制定运行维护管理制度 / the management rules for operation and "
        "maintenance have been issued",
    )


class _ProjectType(type(BaseModel)):  # type: ignore[misc]  # pydantic's metaclass is private
    """Makes `Project(**data)` raise `ProjectError`, as `Project.from_mapping(data)` does.

    Only a direct call passes through a metaclass's `__call__`: `model_validate`, nested
    validation and FastAPI's request parsing do not, so they keep pydantic's own errors and
    locations (overriding `Project.__init__` instead would change those, since pydantic calls an
    overridden `__init__` from `model_validate`).
    """

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except ValidationError as exc:
            raise ProjectError.from_validation(exc, adjust=_placed) from None


# `Project(**data)`, `from_mapping`, `from_facts`, `from_json` and `from_file` all raise
# `ProjectError`, with a record per invalid field (the docstring is the schema's description).
class Project(_ReprKnown, BaseModel, metaclass=_ProjectType):
    """The facts about one project, grouped by the project's life. Unknown facts are `None`."""

    model_config = _MODEL

    id: str | None = Field(
        None, description="调用方标识 / caller's identifier, echoed in the verdict"
    )
    name: str | None = Field(None, description="项目名称 / project name")
    stage: Stage | None = Field(
        None,
        description="所处阶段 / the stage the project has reached; when unstated, the latest stage "
        "of the steps it has taken",
    )
    owner: Owner = Field(default_factory=Owner, description="建设单位 / the owner unit")
    profile: Profile = Field(default_factory=Profile, description="项目概况 / what the project is")
    money: Money = Field(
        default_factory=Money, description="投资与资金 / amounts, funding and funds"
    )
    content: Content = Field(
        default_factory=Content, description="建设内容 / what it builds, buys or keeps"
    )
    documents: DocumentsRecord | None = Field(
        None,
        description=(
            "已具备的文件 / documents present: the complete list, or {present, absent} when only some "
            "are known"
        ),
    )
    procedure: Procedure = Field(
        default_factory=Procedure,
        description="规划、申报与审批 / planning, application, approval and the steps taken",
    )
    deployment: Deployment = Field(
        default_factory=Deployment,
        description="部署、数据共享与安全 / deployment, data sharing and security",
    )
    construction: Construction = Field(
        default_factory=Construction, description="项目建设 / construction"
    )
    acceptance: Acceptance = Field(
        default_factory=Acceptance, description="试运行与验收 / trial run and acceptance"
    )
    operation: Operation = Field(
        default_factory=Operation, description="运行与绩效 / operation and performance"
    )

    # Departures from rules the text lays down "in principle" (原则上, 一般), each with the
    # justification stated for it, by rule id: such a rule fails as a warning until one is given.
    justifications: (
        dict[
            Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.-]*$", max_length=80)],
            Annotated[str, StringConstraints(min_length=1, max_length=2000)],
        ]
        | None
    ) = Field(
        None,
        max_length=100,
        description=(
            "偏离“原则上”“一般”规定的理由 / stated justification for departing from an in-principle rule, by "
            "rule id"
        ),
    )

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str | None = None) -> Project:
        """Validate a mapping into a Project, raising `ProjectError` with field paths.

        A fact written outside its group (`total_investment` at the top, `kind` under `money`)
        is refused with the path where it belongs.
        """
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise ProjectError.from_validation(exc, source=source, adjust=_placed) from None

    @classmethod
    def from_facts(cls, facts: Mapping[str, Any], *, source: str | None = None) -> Project:
        """A project stated by the names pack expressions read, in one flat mapping.

        The keys are fact names (`total_investment`, `owner_type`, `items`, `steps`, ...: see
        `FACT_FIELDS`), the structured records `funding` and `budget_changes`, and the top-level
        fields `id`, `name`, `stage`, `documents` and `justifications`. Case files state their
        projects this way. Errors name the fact, not its group: `total_investment`, not
        `money.total_investment`.
        """
        data = group_facts(facts, source=source)
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise ProjectError.from_validation(exc, source=source, adjust=_as_fact_issue) from None

    @classmethod
    def from_row(cls, row: Mapping[str, Any], *, source: str | None = None) -> Project:
        """A project from one flat row of a spreadsheet, a CSV file or a pandas DataFrame.

        Columns are fact names, as for `from_facts`, and cells may be text: a blank cell (None,
        "", whitespace, a float NaN) is an unknown fact; yes/no facts read true/false, yes/no,
        是/否 or 1/0; set facts read members separated by ";" or "、"; amounts follow the amount
        rules (a float is read as the decimal that prints it); `funding_sources` and
        `funding_<source>` columns become the funding shares. Errors name the column.
        """
        from .rows import project_from_row  # rows reads the fact table, which reads this module

        return project_from_row(row, source=source)

    def fact(self, name: str) -> Any:
        """The stated value of the fact `name` (`total_investment`, `owner_type`, `steps`...),
        wherever its group keeps it; None when unknown. KeyError for a name that is no fact."""
        if name in _TOP_LEVEL:
            return getattr(self, name)
        group, field = FACT_FIELDS[name]
        return getattr(getattr(self, group), field)

    def facts_mapping(self) -> dict[str, Any]:
        """The project as `from_facts` reads it (JSON values; unknown facts left out)."""
        dumped = self.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
        flat = {key: dumped[key] for key in _TOP_LEVEL if key in dumped}
        for fact, (group, field) in FACT_FIELDS.items():
            value = dumped.get(group, {}).get(field)
            if value is not None:
                flat[fact] = value
        return flat

    @classmethod
    def from_json(cls, text: str | bytes, *, source: str | None = None) -> Project:
        """Parse a JSON object into a Project, raising `ProjectError` for any fault.

        Numbers with a point or an exponent are read as `Decimal`, never as binary floats, so
        `4800000.5` is the amount 4800000.5 exactly; the fields then validate as in `from_mapping`.
        """
        from . import _json
        from .errors import PackError

        name = source or "<json>"
        try:
            raw = text.decode("utf-8") if isinstance(text, bytes) else text
            data = _json.loads(raw, name)
        except (UnicodeDecodeError, PackError) as exc:
            # The same reader as project files and JSON Lines records, so that a document is
            # read alike everywhere; its located error becomes the one issue of a ProjectError.
            code = exc.code if isinstance(exc, PackError) else "json.encoding"
            raise ProjectError(
                [ProjectIssue(loc=(), msg=f"not valid JSON: {exc}", input=None, type=code)],
                source=source,
            ) from None
        if not isinstance(data, Mapping):
            raise ProjectError(
                [ProjectIssue(loc=(), msg="a project must be a JSON object", input=None)],
                source=source,
            )
        return cls.from_mapping(data, source=source)

    @classmethod
    def from_file(cls, path: str | Path) -> Project:
        """Load a project from a YAML or JSON file."""
        from ._yaml import load_data_file

        data = load_data_file(Path(path))
        if not isinstance(data, Mapping):
            raise ProjectError(
                [ProjectIssue(loc=(), msg="a project file must hold a mapping", input=None)],
                source=str(path),
            )
        return cls.from_mapping(data, source=str(path))

    def to_json(self) -> str:
        """Deterministic JSON: sorted keys, and every set's members sorted (a set's own order
        depends on the process's hash seed)."""
        data = _sets_sorted(self.model_dump(), self.model_dump(mode="json"))
        return json.dumps(data, ensure_ascii=False, sort_keys=True)


def _sets_sorted(python: Any, data: Any) -> Any:
    """`data` (a JSON dump) with the lists that dump a set (in `python`, the same dump in Python
    mode) sorted; both dumps hold the same entries in the same order."""
    if isinstance(python, set | frozenset):
        return sorted(data)
    if isinstance(python, dict):
        return {
            key: _sets_sorted(inner, value)
            for inner, (key, value) in zip(python.values(), data.items(), strict=True)
        }
    if isinstance(python, list | tuple):
        return [_sets_sorted(inner, value) for inner, value in zip(python, data, strict=True)]
    return data


GROUPS: Mapping[str, type[BaseModel]] = {
    "owner": Owner,
    "profile": Profile,
    "money": Money,
    "content": Content,
    "procedure": Procedure,
    "deployment": Deployment,
    "construction": Construction,
    "acceptance": Acceptance,
    "operation": Operation,
}
"""The groups of a project's facts, in the order of its life, by their field in `Project`."""

_OWNER_OWN = {"name": "owner_name", "type": "owner_type", "level": "owner_level"}
_TOP_LEVEL = ("id", "name", "stage", "documents", "justifications")


def _fact_fields() -> dict[str, tuple[str, str]]:
    places: dict[str, tuple[str, str]] = {}
    for group, model in GROUPS.items():
        for field in model.model_fields:
            fact = _OWNER_OWN.get(field, field) if group == "owner" else field
            if fact in places or fact in _TOP_LEVEL or fact in GROUPS:
                raise TypeError(f"fact {fact!r} is stated in two places")
            places[fact] = (group, field)
    return places


FACT_FIELDS: Mapping[str, tuple[str, str]] = MappingProxyType(_fact_fields())
"""Where each fact a project states lives: fact name -> (group, field). A fact is named by its
field, except the owner's own name, type and level (`owner_name`, `owner_type`, `owner_level`)."""

_FACT_OF_FIELD = {place: fact for fact, place in FACT_FIELDS.items()}


def group_facts(facts: Mapping[str, Any], *, source: str | None = None) -> dict[str, Any]:
    """The project mapping (grouped, as a project file holds it) of a mapping of facts by name.

    Values are not validated; a key that names no fact raises `ProjectError`. This is how a
    case's project, written by fact names, becomes a project file: `Project.from_facts` is
    `Project.from_mapping(group_facts(facts))`, with errors named by fact.
    """
    issues: list[ProjectIssue] = []
    data: dict[str, Any] = {}
    for key, value in facts.items():
        if key in _TOP_LEVEL:
            data[key] = value
        elif key in FACT_FIELDS:
            group, field = FACT_FIELDS[key]
            data.setdefault(group, {})[field] = value
        else:
            issues.append(_unknown_fact(key, value))
    if issues:
        raise ProjectError(issues, source=source)
    return data


def _placed(issue: ProjectIssue) -> ProjectIssue:
    # A known fact in the wrong place: say where it belongs rather than only "not permitted".
    if issue.type != "extra_forbidden" or not issue.loc:
        return issue
    key = issue.loc[-1]
    if not isinstance(key, str):
        return issue
    if key in FACT_FIELDS:
        group, field = FACT_FIELDS[key]
        where = f"{group}.{field}"
    elif key in _TOP_LEVEL or key in GROUPS:
        where = key
    else:
        return dataclasses.replace(issue, msg=f"{issue.msg}{_suggestion(key)}")
    return dataclasses.replace(issue, msg=f"{key!r} belongs at {where}")


def _as_fact_issue(issue: ProjectIssue) -> ProjectIssue:
    loc = issue.loc
    if len(loc) >= 2:
        fact = _FACT_OF_FIELD.get((str(loc[0]), str(loc[1])))
        if fact is not None:
            return dataclasses.replace(issue, loc=(fact, *loc[2:]))
    return issue


def _unknown_fact(key: Any, value: Any) -> ProjectIssue:
    hint = _suggestion(key) if isinstance(key, str) else ""
    if key in GROUPS:
        hint = f"; the flat form names each fact, not its group: write {key}'s facts at the top"
    return ProjectIssue(loc=(key,), msg=f"unknown fact{hint}", input=value, type="extra_forbidden")


def _suggestion(key: str) -> str:
    hint = did_you_mean(key, [*FACT_FIELDS, *_TOP_LEVEL, *GROUPS])
    return f"; {hint}" if hint else ""
