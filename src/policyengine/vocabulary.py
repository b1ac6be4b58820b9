"""Controlled vocabularies shared by projects and packs, each member labelled in Chinese and English.

Identifiers follow the glossary of the reference digest. A pack refers to members by identifier
(`machine_room`, `feasibility_study_report`); the loader rejects identifiers that are not listed here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Self


class Vocabulary(StrEnum):
    """A string enum whose members carry a Chinese and an English label."""

    zh: str
    en: str

    def __new__(cls, value: str, zh: str = "", en: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.zh = zh or value
        member.en = en or value.replace("_", " ")
        return member

    def label(self, lang: str = "en") -> str:
        """The member's label in `lang` ("zh" or "en")."""
        return self.zh if lang == "zh" else self.en

    @property
    def narrower(self) -> frozenset[Self]:
        """Every member that is a kind of this one (transitively); a rule that names this member
        reads a project stating any of them as stating it. Empty unless the vocabulary says so."""
        return NARROWER.get(self, frozenset())  # type: ignore[return-value]


class Stage(Vocabulary):
    """A stage of a project's life cycle (glossary 7.8)."""

    PLANNING = "planning", "规划/年度计划", "planning"
    APPLICATION = "application", "申报", "application"
    EVALUATION = "evaluation", "论证评估", "evaluation"
    APPROVAL = "approval", "审批", "approval"
    PROCUREMENT = "procurement", "采购", "procurement"
    CONSTRUCTION = "construction", "建设实施", "construction"
    CHANGE = "change", "变更调整", "change"
    ACCEPTANCE = "acceptance", "验收", "acceptance"
    OPERATION = "operation", "运行维护", "operation"
    SELF_EVALUATION = "self_evaluation", "自评价", "self-evaluation"
    AUDIT = "audit", "审计/结算/决算", "audit"

    @property
    def rank(self) -> int:
        """Position in the life cycle: a duty due at one stage stays due at every later one."""
        return _STAGE_RANKS[self]


_STAGE_RANKS: dict[Stage, int] = {stage: rank for rank, stage in enumerate(Stage)}


class OwnerType(Vocabulary):
    """The kind of unit that owns (builds) the project (glossary 7.7)."""

    PARTY_GOVERNMENT_ORGAN = "party_government_organ", "党政机关", "Party or government organ"
    ADMINISTRATIVE_ORGAN = "administrative_organ", "行政机关", "administrative organ"
    AUTHORISED_ORGANISATION = (
        "authorised_organisation",
        "法律法规授权的具有管理公共事务职能的组织",
        "organisation authorised to manage public affairs",
    )
    PUBLIC_INSTITUTION = "public_institution", "事业单位", "public institution"
    STATE_OWNED_ENTERPRISE = "state_owned_enterprise", "国有企业", "state-owned enterprise"
    SCHOOL = "school", "学校", "school"
    MEDICAL_INSTITUTION = "medical_institution", "医疗机构", "medical institution"
    TOWNSHIP_STREET = "township_street", "乡镇/街道", "township or street office"
    OTHER = "other", "其他", "other"


class AdminLevel(Vocabulary):
    """The administrative level of the owner unit."""

    PROVINCIAL = "provincial", "省级", "provincial"
    MUNICIPAL = "municipal", "市级", "municipal"
    PREFECTURE = "prefecture", "州级", "prefecture"
    DISTRICT = "district", "区级", "district"
    COUNTY = "county", "县级", "county"
    TOWNSHIP = "township", "乡镇/街道", "township"


class ProjectKind(Vocabulary):
    """What the project does to the system (glossary 7.1)."""

    NEW_BUILD = "new_build", "新建", "new build"
    REBUILD = "rebuild", "改建", "rebuild"
    EXPANSION = "expansion", "扩建", "expansion"
    UPGRADE = "upgrade", "升级", "upgrade"
    MIGRATION = "migration", "迁移", "migration"
    OPERATIONS_MAINTENANCE = "operations_maintenance", "运行维护", "operations and maintenance"
    SERVICE_PURCHASE = "service_purchase", "购买服务", "purchase of services"
    JOINT_CONSTRUCTION = "joint_construction", "政府与社会企业联合建设", "joint construction"
    CONSULTING_EVALUATION = "consulting_evaluation", "咨询评估", "consulting and evaluation"
    GOODS_PURCHASE = (
        "goods_purchase",
        "货物采购",
        "purchase of goods (terminal and office equipment and the like)",
    )


class ProjectCategory(Vocabulary):
    """The subject-matter category of the project (glossary 7.2)."""

    INFRASTRUCTURE = "infrastructure", "基础设施类", "infrastructure"
    CROSS_DEPARTMENT_INTEGRATION = (
        "cross_department_integration",
        "跨部门集成类",
        "cross-department integration",
    )
    CROSS_LEVEL_INTEGRATION = "cross_level_integration", "跨层级集成类", "cross-level integration"
    BUSINESS_APPLICATION_SYSTEM = (
        "business_application_system",
        "业务应用信息系统",
        "business application system",
    )
    DATA_RESOURCE_DATABASE = "data_resource_database", "信息资源库/数据资源库", "data resource"
    SECURITY_INFRASTRUCTURE = "security_infrastructure", "信息安全基础设施", "security"
    EGOV_NETWORK_PLATFORM = "egov_network_platform", "电子政务网络平台", "e-government network"
    STANDARDISATION_SYSTEM = "standardisation_system", "标准化体系", "standardisation"
    SUPPORT_SYSTEM = "support_system", "相关支撑体系", "support systems"
    SMART_BUILDING = "smart_building", "楼宇智能化", "smart building"
    CAPITAL_CONSTRUCTION = "capital_construction", "基本建设项目", "capital construction"
    RESEARCH_SYSTEM = "research_system", "科研类系统", "scientific-research system"
    COMMUNICATIONS = "communications", "通信类项目", "communications"
    OPERATIONS_SERVICE = "operations_service", "运营类项目", "operations-type service"
    PUBLIC_FACING_GENERAL = (
        "public_facing_general",
        "面向公众使用的通用类数字化项目",
        "general public-facing digital project",
    )
    OTHER = "other", "其他类别", "other"


class FundingSource(Vocabulary):
    """Where a share of the project's money comes from (glossary 7.7)."""

    MUNICIPAL_FISCAL = "municipal_fiscal", "市级财政性资金", "municipal fiscal funds"
    PREFECTURE_FISCAL = "prefecture_fiscal", "州级财政资金", "prefecture fiscal funds"
    DISTRICT_FISCAL = "district_fiscal", "区级财政资金", "district fiscal funds"
    COUNTY_FISCAL = "county_fiscal", "县级财政资金", "county fiscal funds"
    HIGHER_LEVEL = "higher_level", "上级(国家、省)专项资金", "higher-level (state/provincial) funds"
    SELF_RAISED = "self_raised", "自筹资金", "self-raised funds"
    FINANCING = "financing", "融资资金", "financing"
    SOCIAL_CAPITAL = "social_capital", "社会资金", "social capital"
    PUBLIC_OPERATING_FUNDS = "public_operating_funds", "公用经费", "public operating funds"


class Item(Vocabulary):
    """Something a project builds, buys or leases (glossary 7.4)."""

    MACHINE_ROOM = "machine_room", "机房", "machine room"
    DATA_CENTRE = "data_centre", "数据中心", "data centre"
    PRIVATE_NETWORK = "private_network", "专网", "private (dedicated) network"
    PRIVATE_NETWORK_LEASE = "private_network_lease", "专网租赁", "private-network lease"
    LEASED_DIGITAL_LINE = "leased_digital_line", "数字专线", "leased digital line"
    INTERNET_EGRESS_LEASE = "internet_egress_lease", "互联网出口线路", "internet egress line"
    LAN = "lan", "局域网", "LAN"
    NETWORK = "network", "网络", "network"
    CLOUD_PLATFORM = "cloud_platform", "云平台", "cloud platform"
    VIRTUAL_CLOUD_PLATFORM = "virtual_cloud_platform", "虚拟云平台", "virtual cloud platform"
    PUBLIC_SUPPORT_PLATFORM = "public_support_platform", "公共支撑平台", "public support platform"
    DATA_RESOURCE_PLATFORM = "data_resource_platform", "数据资源平台", "data-resource platform"
    STORAGE_RESOURCE = "storage_resource", "存储资源", "storage resources"
    COMPUTE_RESOURCE = "compute_resource", "计算资源", "compute resources"
    SERVER = "server", "服务器", "server"
    STORAGE_DEVICE = "storage_device", "存储设备", "storage device"
    SERVER_NETWORK_EQUIPMENT = "server_network_equipment", "服务端网络设备", "server-side network"
    NETWORK_EQUIPMENT = "network_equipment", "网络设备", "network equipment"
    NETWORK_CONFERENCING = "network_conferencing", "网络会议", "network conferencing"
    VIDEO_CONFERENCING = "video_conferencing", "视频会议", "video conferencing"
    CONFERENCE_SYSTEM = "conference_system", "会议系统", "conference system"
    VIDEO_SYSTEM = "video_system", "视频系统", "video system"
    VIDEO_SURVEILLANCE = "video_surveillance", "视频监控", "video surveillance"
    WEBSITE_BUILD_OR_REDESIGN = (
        "website_build_or_redesign",
        "网站建设或改版",
        "website build or redesign",
    )
    STANDALONE_APPLICATION_SOFTWARE = (
        "standalone_application_software",
        "独立开发应用软件系统",
        "stand-alone application software",
    )
    CUSTOM_SOFTWARE = "custom_software", "定制开发软件", "custom-developed software"
    COTS_SOFTWARE = "cots_software", "成熟软件产品", "off-the-shelf software"
    HARDWARE = "hardware", "硬件产品", "hardware"
    OFFICE_TERMINAL = "office_terminal", "办公终端设备", "office terminal equipment"
    OFFICE_TERMINAL_SOFTWARE = (
        "office_terminal_software",
        "办公终端软件",
        "office terminal software",
    )
    CENTRALLY_PROCURED_OFFICE_EQUIPMENT = (
        "centrally_procured_office_equipment",
        "集中采购的办公设备",
        "centrally procured office equipment",
    )
    DESKTOP_OFFICE_EQUIPMENT = "desktop_office_equipment", "桌面办公设备及耗材", "desktop office"
    DESKTOP_SOFTWARE = "desktop_software", "桌面端通用商业软件", "desktop commercial software"
    OTHER_OFFICE_EQUIPMENT = "other_office_equipment", "其他一般办公设备", "other office equipment"
    PROFESSIONAL_EQUIPMENT = "professional_equipment", "专业设备", "professional equipment"
    OUTDOOR_COMMUNICATIONS = "outdoor_communications", "室外通信工程", "outdoor communications"
    DATA_SIM = "data_sim", "数据流量卡", "data SIM"
    IOT_SIM = "iot_sim", "物联网通信卡", "IoT SIM"
    CIVIL_WORKS = "civil_works", "土建", "civil works"
    DECORATION = "decoration", "环境装修", "decoration"
    FIRE_PROTECTION = "fire_protection", "消防", "fire protection"
    POWER_LOW_VOLTAGE = "power_low_voltage", "强弱电", "power and low-voltage works"
    SMART_BUILDING_SYSTEM = "smart_building_system", "楼宇智能化系统", "smart-building system"
    MOBILE_ENTRY = "mobile_entry", "移动端入口", "mobile entry point"


_BROADER: dict[Item, tuple[Item, ...]] = {
    # Zhanggong 第三十八条(一): "服务器、存储设备、服务端网络设备等硬件设施". Office terminals and
    # network equipment in general are not related: Xiangxi's 硬件设施, hosted in the central
    # machine room, leaves them out, and Yiyang's 硬件产品 lists them apart.
    Item.SERVER: (Item.HARDWARE,),
    Item.STORAGE_DEVICE: (Item.HARDWARE,),
    Item.SERVER_NETWORK_EQUIPMENT: (Item.HARDWARE,),
    # A LAN (局域网) is a network (网络): Yiyang 第四条 不得单独新建…网络. A private network (专网)
    # is not related: every text that names it names it apart, as a line or a lease.
    Item.LAN: (Item.NETWORK,),
    # A virtual cloud platform (虚拟云平台) is a cloud platform (云平台).
    Item.VIRTUAL_CLOUD_PLATFORM: (Item.CLOUD_PLATFORM,),
    # Desktop commercial software (桌面端通用商业软件) is an off-the-shelf product (成熟软件产品).
    Item.DESKTOP_SOFTWARE: (Item.COTS_SOFTWARE,),
}
"""Each item that is a kind of another, with the broader items it is a kind of. Only relations
the words themselves make and no text contradicts: two items that overlap without one being a
kind of the other in every text (office terminals and hardware, desktop office equipment and
consumables) are not related."""


def _narrower(broader: Mapping[Item, tuple[Item, ...]]) -> dict[Vocabulary, frozenset[Vocabulary]]:
    found: dict[Vocabulary, set[Vocabulary]] = {}
    for member, parents in broader.items():
        seen: set[Item] = set()
        stack = list(parents)
        while stack:
            parent = stack.pop()
            if parent == member:
                raise TypeError(f"{member!r} is a kind of itself")
            if parent not in seen:
                seen.add(parent)
                found.setdefault(parent, set()).add(member)
                stack.extend(broader.get(parent, ()))
    return {parent: frozenset(kinds) for parent, kinds in found.items()}


NARROWER: Mapping[Vocabulary, frozenset[Vocabulary]] = MappingProxyType(_narrower(_BROADER))
"""For each member that has kinds, every member that is a kind of it (transitively)."""


class Document(Vocabulary):
    """A document any of the five texts names (glossary 7.3)."""

    PROJECT_PROPOSAL = "project_proposal", "项目建议书", "project proposal"
    FEASIBILITY_STUDY_REPORT = "feasibility_study_report", "可行性研究报告", "feasibility study"
    PRELIMINARY_DESIGN = "preliminary_design", "初步设计方案", "preliminary design"
    IMPLEMENTATION_PLAN = "implementation_plan", "实施方案", "implementation plan"
    CONSTRUCTION_PLAN = "construction_plan", "建设方案", "construction plan"
    PROJECT_APPLICATION_REPORT = (
        "project_application_report",
        "项目申请报告",
        "project application report",
    )
    PROJECT_WORK_PLAN = "project_work_plan", "项目工程计划书", "project work plan"
    OVERALL_PROJECT_PLAN = "overall_project_plan", "项目整体方案", "overall project plan"
    FRAMEWORK_PLAN = "framework_plan", "统一框架方案", "framework plan"
    INVESTMENT_BUDGET = "investment_budget", "投资预算", "investment budget"
    FUNDING_SOURCE_AND_ESTIMATE = (
        "funding_source_and_estimate",
        "资金来源及概算",
        "funding source and budget estimate",
    )
    OM_COST_ESTIMATE = "om_cost_estimate", "运行维护费用概算", "O&M cost estimate"
    IT_HISTORY_REPORT = (
        "it_history_report",
        "政务信息系统项目投资、运行和应用情况",
        "IT investment, operation and use history",
    )
    PROJECT_INFORMATION_FORM = (
        "project_information_form",
        "项目建设情况表",
        "project information form",
    )
    BASIS_DOCUMENTS = "basis_documents", "项目建设依据", "construction basis documents"
    TECHNICAL_PLAN = "technical_plan", "项目建设技术方案", "technical plan"
    UPGRADE_PLAN = "upgrade_plan", "升级改造实施方案", "upgrade implementation plan"
    OM_IMPLEMENTATION_PLAN = "om_implementation_plan", "运维实施方案", "O&M implementation plan"
    SERVICE_PURCHASE_PLAN = "service_purchase_plan", "购买服务方案", "service purchase plan"
    CLASSIFIED_PROTECTION_PLAN = (
        "classified_protection_plan",
        "分级保护建设方案",
        "classified-protection construction plan",
    )
    DATA_SHARING_ANALYSIS_CHAPTER = (
        "data_sharing_analysis_chapter",
        "信息资源共享分析篇(章)",
        "data-sharing analysis chapter",
    )
    SHARING_IMPLEMENTATION_PLAN = (
        "sharing_implementation_plan",
        "信息资源共享实施方案",
        "information-resource-sharing implementation plan",
    )
    DATA_RESOURCE_CATALOGUE = "data_resource_catalogue", "数据资源目录", "data resource catalogue"
    CRYPTO_APPLICATION_PLAN = "crypto_application_plan", "密码应用方案", "crypto application plan"
    SECURE_RELIABLE_STATEMENT = (
        "secure_reliable_statement",
        "安全可靠情况说明",
        "secure-and-reliable statement",
    )
    EVALUATION_REPORT = "evaluation_report", "评估报告", "evaluation report"
    FISCAL_AFFORDABILITY_EVALUATION = (
        "fiscal_affordability_evaluation",
        "财政承受能力评估",
        "fiscal-affordability evaluation",
    )
    JOINT_REVIEW_OPINION = "joint_review_opinion", "联合会审意见", "joint-review opinion"
    TECHNICAL_REVIEW_OPINION = (
        "technical_review_opinion",
        "技术审查意见",
        "technical review opinion",
    )
    COUNTY_OFFICE_REVIEW_OPINION = (
        "county_office_review_opinion",
        "县政府办公室审核意见",
        "county office review opinion",
    )
    BUDGET_REVIEW_REPORT = "budget_review_report", "预算评审报告", "budget review report"
    APPROVAL_DOCUMENT = "approval_document", "批复文件", "approval document"
    PROCUREMENT_APPLICATION_FORM = (
        "procurement_application_form",
        "采购申请表",
        "procurement application form",
    )
    TENDER_DOCUMENTS = "tender_documents", "招投标文件", "tender / procurement documents"
    AWARD_NOTICE = "award_notice", "中标通知书", "award notice"
    CONTRACT = "contract", "合同", "contract"
    INVOICE_COPIES = "invoice_copies", "发票复印件", "invoice copies"
    CHANGE_PLAN = "change_plan", "变更方案", "change plan"
    PERFORMANCE_EVALUATION_REPORT = (
        "performance_evaluation_report",
        "绩效评价报告",
        "performance evaluation report",
    )
    PROGRESS_REPORT = "progress_report", "建设进度和预算执行情况报告", "progress report"
    COMPLETION_REPORT = "completion_report", "竣工报告", "completion report"
    SUPERVISION_REPORT = "supervision_report", "监理报告", "supervision report"
    TRIAL_RUN_AND_PRELIMINARY_ACCEPTANCE_REPORT = (
        "trial_run_and_preliminary_acceptance_report",
        "系统试运行和初步验收报告",
        "trial-run and preliminary-acceptance report",
    )
    USER_TRAINING_REPORT = "user_training_report", "用户受训报告", "user-training report"
    NETWORK_HW_SW_TEST_REPORT = (
        "network_hw_sw_test_report",
        "网络及软硬件测试报告",
        "network and hardware/software test report",
    )
    SECURITY_ANALYSIS_REPORT = (
        "security_analysis_report",
        "安全分析报告",
        "security analysis report",
    )
    PRODUCT_TEST_REPORT = "product_test_report", "产品测评报告或说明书", "product test report"
    THIRD_PARTY_TEST_REPORT = "third_party_test_report", "第三方测评报告", "third-party test report"
    THIRD_PARTY_AUDIT_REPORT = "third_party_audit_report", "第三方审计报告", "third-party audit"
    FINAL_ACCOUNTS_AUDIT_REPORT = (
        "final_accounts_audit_report",
        "决算审计报告",
        "final-accounts audit report",
    )
    SETTLEMENT_AUDIT_REPORT = "settlement_audit_report", "结算审计报告", "settlement audit report"
    SECURITY_RISK_ASSESSMENT_REPORT = (
        "security_risk_assessment_report",
        "信息安全风险评估报告",
        "security risk assessment report",
    )
    CRYPTO_SECURITY_EVALUATION_REPORT = (
        "crypto_security_evaluation_report",
        "密码应用安全性评估报告",
        "crypto application security evaluation report",
    )
    MLPS_TEST_REPORT = "mlps_test_report", "网络安全等级保护测评报告", "MLPS test report"
    CLASSIFIED_PROTECTION_TEST_REPORT = (
        "classified_protection_test_report",
        "分级保护测评报告",
        "classified-protection test report",
    )
    WORK_SECRET_INSPECTION_REPORT = (
        "work_secret_inspection_report",
        "工作秘密信息检测评估报告",
        "work-secret inspection report",
    )
    SECRECY_RISK_ASSESSMENT = "secrecy_risk_assessment", "保密风险评估", "secrecy risk assessment"
    ARCHIVE_ACCEPTANCE = "archive_acceptance", "档案专项验收", "archive acceptance"
    DATA_SHARING_REPORT = "data_sharing_report", "数据资源共享报告", "data-sharing report"
    DATA_SHARING_CONFIRMATION = (
        "data_sharing_confirmation",
        "数据共享情况确认书",
        "data-sharing confirmation",
    )
    VENDOR_ADAPTATION_CERTIFICATES = (
        "vendor_adaptation_certificates",
        "安全可靠适配证明",
        "secure-reliable adaptation certificates",
    )
    ACCEPTANCE_REQUEST_LETTER = (
        "acceptance_request_letter",
        "关于要求对数字化项目组织符合性验收的函",
        "acceptance request letter",
    )
    ACCEPTANCE_APPLICATION = "acceptance_application", "竣工验收申请", "acceptance application"
    ACCEPTANCE_EXTENSION_REQUEST = (
        "acceptance_extension_request",
        "延期验收申请",
        "deferred-acceptance request",
    )
    ACCEPTANCE_EXPERT_OPINION = "acceptance_expert_opinion", "验收专家意见", "acceptance opinion"
    ACCEPTANCE_EXPERT_LIST = "acceptance_expert_list", "验收专家名单", "acceptance expert list"
    ACCEPTANCE_REPORT = "acceptance_report", "验收报告", "acceptance report"
    RECTIFICATION_PLAN = "rectification_plan", "整改方案", "rectification plan"
    SELF_EVALUATION_REPORT = "self_evaluation_report", "自评价报告", "self-evaluation report"
    PERFORMANCE_TARGETS = "performance_targets", "绩效目标", "performance targets"
    CERTIFIED_THIRD_PARTY_TEST_REPORT = (
        "certified_third_party_test_report",
        "测评认证机构第三方检测报告(源代码、数据库系统、网络和信息安全保密)",
        "certified third-party test report (source code, database, network and security)",
    )


class Step(Vocabulary):
    """A procedural step or life-cycle event, recorded with its date and authority."""

    PLAN_INCLUSION = "plan_inclusion", "纳入年度计划", "inclusion in the annual plan"
    APPLICATION = "application", "申报", "application"
    FILING = "filing", "备案", "record filing"
    REPORT_FOR_RECORD = "report_for_record", "报备", "report for the record"
    COPY_FOR_RECORD = "copy_for_record", "抄送备案", "copy for the record"
    LIBRARY_ADMISSION = "library_admission", "入库", "admission to the project library"
    EXPERT_EVALUATION = "expert_evaluation", "专家论证评估", "expert evaluation"
    THIRD_PARTY_EVALUATION = "third_party_evaluation", "第三方评估", "third-party evaluation"
    FISCAL_AFFORDABILITY_EVALUATION = (
        "fiscal_affordability_evaluation",
        "财政承受能力评估",
        "fiscal-affordability evaluation",
    )
    CITY_CONSULTATION = "city_consultation", "征求市级对口部门意见", "consultation of the city"
    CITY_CONSENT = "city_consent", "市级对口部门书面同意", "written consent of the city counterpart"
    PROVINCIAL_CONSENT = (
        "provincial_consent",
        "省级对口部门书面同意",
        "written consent of the provincial counterpart",
    )
    JOINT_REVIEW = "joint_review", "联合会审", "joint review"
    CENTRAL_REVIEW = "central_review", "集中审核", "centralised review"
    TECHNICAL_REVIEW = "technical_review", "技术审查", "technical review"
    BUDGET_REVIEW = "budget_review", "预算评审/财政投资评审", "budget (fiscal) review"
    COST_EVALUATION = "cost_evaluation", "造价评估", "cost evaluation"
    SECRECY_REVIEW = "secrecy_review", "保密审查", "secrecy review"
    NETWORK_SECURITY_REVIEW = "network_security_review", "网络安全审查", "network security review"
    APPROVAL = "approval", "审批/立项批复", "approval"
    PROCUREMENT = "procurement", "招标采购", "tendering and procurement"
    CONTRACT_SIGNING = "contract_signing", "合同签订", "contract signing"
    CONTRACT_FILING = "contract_filing", "合同备案", "contract filing"
    SUPERVISION = "supervision", "监理", "supervision engaged"
    CONSTRUCTION_START = "construction_start", "开工", "start of construction"
    CHANGE_APPROVAL = "change_approval", "变更批准", "approval of a change"
    COMPLETION = "completion", "建成/竣工", "completion"
    TRIAL_RUN_START = "trial_run_start", "试运行开始", "start of trial run"
    TRIAL_RUN_END = "trial_run_end", "试运行结束", "end of trial run"
    THIRD_PARTY_TESTING = "third_party_testing", "第三方测评", "third-party testing"
    CRYPTO_EVALUATION = "crypto_evaluation", "密码应用安全性评估", "crypto security evaluation"
    MLPS_EVALUATION = "mlps_evaluation", "等级保护测评", "MLPS evaluation"
    PRELIMINARY_ACCEPTANCE = "preliminary_acceptance", "初步验收", "preliminary acceptance"
    ACCEPTANCE_APPLICATION = "acceptance_application", "验收申请", "acceptance application"
    ARCHIVE_ACCEPTANCE = "archive_acceptance", "档案专项验收", "archive acceptance"
    FINAL_ACCEPTANCE = "final_acceptance", "竣工验收", "completion acceptance"
    SETTLEMENT_AUDIT = "settlement_audit", "结算审计", "settlement audit"
    FINAL_ACCOUNTS_AUDIT = "final_accounts_audit", "决算审计", "final-accounts audit"
    OPERATION_START = "operation_start", "投入运行/使用", "start of operation"
    PROGRESS_REPORT = "progress_report", "年度进展报告", "year-end progress report"
    SELF_EVALUATION = "self_evaluation", "自评价", "self-evaluation"
    POST_EVALUATION = "post_evaluation", "后评价", "post-evaluation"
    PUBLICATION = "publication", "公开", "publication"
    FUNDS_RELEASE = "funds_release", "下达项目投资", "release of project investment"
    PREWORK_FUNDS = "prework_funds", "列支前期工作经费", "booking of preparatory-work funds"
    PERFORMANCE_EVALUATION = (
        "performance_evaluation",
        "绩效评价报告",
        "performance evaluation report",
    )
    PRE_ACCEPTANCE_CONFIRMATION = (
        "pre_acceptance_confirmation",
        "验收前经主管部门确认",
        "confirmation by the competent bureau before acceptance",
    )
    EGOV_CENTRE_CONSULTATION = (
        "egov_centre_consultation",
        "事先向电子政务中心咨询",
        "prior consultation of the e-government centre",
    )
    KEY_LIBRARY_SUBMISSION = (
        "key_library_submission",
        "报省、市领导小组办公室纳入省重点项目库",
        "submission for the provincial key-project library",
    )
    KEY_LIBRARY_ADMISSION = (
        "key_library_admission",
        "纳入省重点项目库",
        "admission to the provincial key-project library",
    )
    APPLICATION_NOTICE = (
        "application_notice",
        "发布项目申报通知",
        "publication of the annual application notice",
    )


class StepOutcome(Vocabulary):
    """The result of a step that can be refused or failed: an approval, review or acceptance."""

    PASSED = "passed", "通过", "passed"
    CONDITIONAL = "conditional", "有条件通过", "passed with conditions"
    FAILED = "failed", "未通过", "failed or refused"
    PENDING = "pending", "待定", "pending"

    @property
    def passed(self) -> bool | None:
        """Whether the step was passed: conditional counts as passed, pending as unknown."""
        if self is StepOutcome.PENDING:
            return None
        return self is not StepOutcome.FAILED


OUTCOME_STEPS: frozenset[Step] = frozenset(
    {
        Step.EXPERT_EVALUATION,
        Step.THIRD_PARTY_EVALUATION,
        Step.FISCAL_AFFORDABILITY_EVALUATION,
        Step.CITY_CONSENT,
        Step.PROVINCIAL_CONSENT,
        Step.JOINT_REVIEW,
        Step.CENTRAL_REVIEW,
        Step.TECHNICAL_REVIEW,
        Step.BUDGET_REVIEW,
        Step.COST_EVALUATION,
        Step.SECRECY_REVIEW,
        Step.NETWORK_SECURITY_REVIEW,
        Step.APPROVAL,
        Step.CHANGE_APPROVAL,
        Step.THIRD_PARTY_TESTING,
        Step.CRYPTO_EVALUATION,
        Step.MLPS_EVALUATION,
        Step.PRELIMINARY_ACCEPTANCE,
        Step.ARCHIVE_ACCEPTANCE,
        Step.FINAL_ACCEPTANCE,
        Step.PRE_ACCEPTANCE_CONFIRMATION,
    }
)
"""Steps whose outcome matters: taking one is not passing it (a refused approval, a negative
review opinion, a failed acceptance). A rule that relies on one must read `<step>_passed`, or say
that it judges the step whatever its outcome (`outcome_irrelevant`). Audits are not listed: they
report findings rather than pass or fail."""


class Authority(Vocabulary):
    """A body that performs or approves a step: who approved, reviewed, organised an acceptance.

    Named by function, not by each city's title for it, so that one project description serves
    every pack: Wuhan's 市政务服务和大数据管理局 and Zhanggong's 区数据局 are both the data bureau
    of their level, and the step's `authority_name` keeps the body's own name.
    """

    MUNICIPAL_GOVERNMENT = "municipal_government", "市人民政府", "municipal people's government"
    PREFECTURE_GOVERNMENT = "prefecture_government", "州人民政府", "prefecture people's government"
    COUNTY_GOVERNMENT = "county_government", "县/区人民政府", "county or district government"
    LEADING_GROUP = "leading_group", "领导小组(办公室)", "leading group (or its office)"
    MUNICIPAL_DATA_BUREAU = (
        "municipal_data_bureau",
        "市(州)数据局、政务服务和大数据管理局、电子政务办",
        "municipal or prefecture data bureau or e-government office",
    )
    COUNTY_DATA_BUREAU = (
        "county_data_bureau",
        "县/区数据局、电子政务办公室",
        "county or district data bureau or e-government office",
    )
    PROVINCIAL_DEPARTMENT = "provincial_department", "省级主管部门", "provincial department"
    DEVELOPMENT_REFORM = "development_reform", "发展改革部门", "development and reform commission"
    FINANCE = "finance", "财政部门", "finance bureau"
    AUDIT = "audit", "审计部门", "audit bureau"
    SECRECY = "secrecy", "保密部门", "secrecy bureau"
    CRYPTOGRAPHY = "cryptography", "密码管理部门", "cryptography administration"
    PUBLIC_SECURITY = "public_security", "公安机关", "public security (cyber security) bureau"
    SECTOR_AUTHORITY = "sector_authority", "行业主管部门", "sector authority"
    CAPITAL_CONSTRUCTION = (
        "capital_construction",
        "基本建设项目审批部门",
        "capital-construction approval authority",
    )
    OWNER_UNIT = "owner_unit", "项目建设单位", "the owner unit itself"
    EXPERT_PANEL = "expert_panel", "专家组", "expert panel"
    THIRD_PARTY = "third_party", "第三方机构", "third-party body"


class ApprovalRoute(Vocabulary):
    """How the project was authorised: the route it actually took (compare a pack's route table)."""

    FILING = "filing", "备案", "record filing"
    APPROVAL = "approval", "审批", "approval"
    CAPITAL_CONSTRUCTION = (
        "capital_construction",
        "随固定资产投资项目审批",
        "approved with a fixed-asset (capital construction) project",
    )
    SECTOR = "sector", "由行业主管部门审批", "approved by the sector authority"


class Consequence(Vocabulary):
    """What a failed rule entails for the project (glossary 7.9)."""

    NOT_APPROVED = "not_approved", "不予审批", "not approved"
    NOT_SUPPORTED = "not_supported", "原则上不予支持", "not supported"
    NO_APPLICATION = "no_application", "不得申报", "may not be applied for"
    NO_PROCUREMENT = "no_procurement", "不得采购", "may not be procured"
    ACCEPTANCE_REFUSED = "acceptance_refused", "不予验收", "acceptance refused"
    ACCEPTANCE_FAILED = "acceptance_failed", "验收不通过", "acceptance failed"
    NO_OPERATION = "no_operation", "不得投入运行", "may not enter operation"
    NO_FOLLOW_UP_FUNDS = (
        "no_follow_up_funds",
        "不得拨付后续建设资金和运行维护经费",
        "no follow-up construction or O&M funds",
    )
    NO_FOLLOW_UP_CONSTRUCTION_FUNDS = (
        "no_follow_up_construction_funds",
        "不安排后续建设资金",
        "no follow-up construction funds",
    )
    NO_OM_FUNDS = "no_om_funds", "不安排运维经费", "no O&M funds"
    NO_ADDITIONAL_FUNDS = "no_additional_funds", "超支不补/不予追加", "no additional funds"
    FUNDS_WITHDRAWN = "funds_withdrawn", "收回项目资金", "project funds withdrawn"
    FUNDS_POSTPONED = "funds_postponed", "暂缓拨付资金", "funds postponed"
    SURPLUS_RETURNED = "surplus_returned", "结余资金退回", "surplus returned"
    NO_NEXT_YEAR_PROJECTS = "no_next_year_projects", "不予安排下一年度项目", "no projects next year"
    NO_NEW_APPLICATIONS = "no_new_applications", "不得申报新项目", "no new applications"
    PLAN_POSTPONED = "plan_postponed", "暂缓安排年度计划", "annual plan postponed"
    SUSPENDED = "suspended", "暂停项目建设", "construction suspended"
    TERMINATED = "terminated", "终止项目", "project terminated"
    RECTIFICATION_ORDERED = "rectification_ordered", "限期整改", "rectification ordered"
    CIRCULATED_CRITICISM = "circulated_criticism", "通报批评", "circulated criticism"
    ACCOUNTABILITY = "accountability", "追究责任", "accountability"
    APPROVAL_VOID = "approval_void", "批复失效", "approval lapses"
    NO_BUDGET_THIS_YEAR = (
        "no_budget_this_year",
        "当年不能形成支出的, 当年不得安排预算",
        "no budget in the year for spending that cannot occur that year",
    )
    FUNDS_CUT_STOPPED_OR_RECOVERED = (
        "funds_cut_stopped_or_recovered",
        "核减、停止拨付或追回专项资金",
        "special funds reduced, stopped or recovered",
    )
    NO_PROJECT_FUNDS = "no_project_funds", "不予安排项目资金", "no project funds arranged"


class AdjustmentReason(Vocabulary):
    """Why the owner unit adjusted the main construction content itself (Wuhan art. 19)."""

    HIGHER_AUTHORITY_REQUIREMENT = (
        "higher_authority_requirement",
        "根据上级部门要求或者市委、市人民政府工作部署",
        "required by a higher authority or by the Party committee / government",
    )
    BUSINESS_DEVELOPMENT = (
        "business_development",
        "根据业务发展需要在已批复框架下调整",
        "business development within the approved framework",
    )
    OTHER = "other", "其他", "other reason"


STEP_STAGES: dict[Step, Stage] = {
    Step.PLAN_INCLUSION: Stage.PLANNING,
    Step.APPLICATION_NOTICE: Stage.PLANNING,
    Step.APPLICATION: Stage.APPLICATION,
    Step.FILING: Stage.APPLICATION,
    Step.REPORT_FOR_RECORD: Stage.APPLICATION,
    Step.COPY_FOR_RECORD: Stage.APPLICATION,
    Step.LIBRARY_ADMISSION: Stage.APPLICATION,
    Step.EGOV_CENTRE_CONSULTATION: Stage.APPLICATION,
    Step.KEY_LIBRARY_SUBMISSION: Stage.APPLICATION,
    Step.KEY_LIBRARY_ADMISSION: Stage.APPLICATION,
    Step.CITY_CONSULTATION: Stage.APPLICATION,
    Step.CITY_CONSENT: Stage.APPLICATION,
    Step.PROVINCIAL_CONSENT: Stage.APPLICATION,
    Step.PREWORK_FUNDS: Stage.APPLICATION,
    Step.EXPERT_EVALUATION: Stage.EVALUATION,
    Step.THIRD_PARTY_EVALUATION: Stage.EVALUATION,
    Step.FISCAL_AFFORDABILITY_EVALUATION: Stage.EVALUATION,
    Step.JOINT_REVIEW: Stage.EVALUATION,
    Step.CENTRAL_REVIEW: Stage.EVALUATION,
    Step.TECHNICAL_REVIEW: Stage.EVALUATION,
    Step.BUDGET_REVIEW: Stage.EVALUATION,
    Step.COST_EVALUATION: Stage.EVALUATION,
    Step.SECRECY_REVIEW: Stage.EVALUATION,
    Step.NETWORK_SECURITY_REVIEW: Stage.EVALUATION,
    Step.APPROVAL: Stage.APPROVAL,
    Step.FUNDS_RELEASE: Stage.APPROVAL,
    Step.PROCUREMENT: Stage.PROCUREMENT,
    Step.CONTRACT_SIGNING: Stage.PROCUREMENT,
    Step.CONTRACT_FILING: Stage.PROCUREMENT,
    Step.SUPERVISION: Stage.PROCUREMENT,
    Step.CONSTRUCTION_START: Stage.CONSTRUCTION,
    Step.PROGRESS_REPORT: Stage.CONSTRUCTION,
    Step.COMPLETION: Stage.CONSTRUCTION,
    Step.TRIAL_RUN_START: Stage.CONSTRUCTION,
    Step.TRIAL_RUN_END: Stage.CONSTRUCTION,
    Step.THIRD_PARTY_TESTING: Stage.CONSTRUCTION,
    Step.CRYPTO_EVALUATION: Stage.CONSTRUCTION,
    Step.MLPS_EVALUATION: Stage.CONSTRUCTION,
    Step.CHANGE_APPROVAL: Stage.CHANGE,
    Step.PRELIMINARY_ACCEPTANCE: Stage.ACCEPTANCE,
    Step.ACCEPTANCE_APPLICATION: Stage.ACCEPTANCE,
    Step.PRE_ACCEPTANCE_CONFIRMATION: Stage.ACCEPTANCE,
    Step.ARCHIVE_ACCEPTANCE: Stage.ACCEPTANCE,
    Step.FINAL_ACCEPTANCE: Stage.ACCEPTANCE,
    Step.OPERATION_START: Stage.OPERATION,
    Step.PUBLICATION: Stage.APPROVAL,
    Step.SELF_EVALUATION: Stage.SELF_EVALUATION,
    Step.PERFORMANCE_EVALUATION: Stage.CONSTRUCTION,
    Step.POST_EVALUATION: Stage.SELF_EVALUATION,
    Step.SETTLEMENT_AUDIT: Stage.AUDIT,
    Step.FINAL_ACCOUNTS_AUDIT: Stage.AUDIT,
}
"""The stage each step belongs to: a project whose stage is not stated is at the latest stage of
the steps it has taken. Steps that recur or straddle stages (a change approval, a progress report)
sit where they first become possible."""


def stage_reached(steps: Iterable[Step]) -> Stage | None:
    """The latest stage of `steps`, or None when there are none."""
    stages = [STEP_STAGES[step] for step in steps]
    return max(stages, key=lambda stage: stage.rank) if stages else None
