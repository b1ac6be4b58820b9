"""The pages of the law explorer (`policyengine.explore`): HTML in English or Chinese.

One page per clause, rule, decision table and case file, an index with the search box, a page
for the pack's scope, thresholds, definitions and ledger, and one listing the case files. Every
string of the pack, the clause list and the cases is escaped; the interface's words come from
`_WORDS` in both languages, and the law's text stays as written.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any, Literal

from .clauses import Clause
from .html import CSS
from .mutants import Mutant
from .mutate import MutantResult
from .pack import (
    RULE_SECTIONS,
    AcceptanceFailure,
    AnyOf,
    AnyRule,
    Band,
    Citation,
    Deadline,
    DecisionTable,
    Exclusion,
    LedgerEntry,
    Period,
    ProhibitedItems,
    RequiredDocuments,
    Rule,
    RuleException,
    Threshold,
)
from .render import chinese_number, cite, printable

if TYPE_CHECKING:
    from .explore import CaseFile, CaseLink, Encoding, Material, Target

Lang = Literal["en", "zh"]

# --- words ---------------------------------------------------------------------------------------

_WORDS: dict[str, tuple[str, str]] = {
    # key: (English, Chinese). Every word of the interface; the law's text stays as written.
    "site": ("Law explorer", "法规审阅"),
    "clauses": ("Clauses", "条款"),
    "rules": ("Rules", "规则"),
    "tables": ("Decision tables", "决策表"),
    "pack": ("Pack", "规则包"),
    "cases": ("Cases", "测试用例"),
    "search": ("Search clause text, rule ids and titles", "搜索条款原文、规则编号和标题"),
    "search_button": ("Search", "搜索"),
    "matches": ("shown", "条显示"),
    "clause_text": ("Text of the clause", "条款原文"),
    "encoded_by": ("What the pack makes of it", "规则包中的编码"),
    "nothing_encodes": (
        "Nothing in the pack cites or ledgers this clause.",
        "规则包未引用或登记本条款。",
    ),
    "state": ("state", "状态"),
    "state_encoded": ("encoded", "已编码"),
    "state_partly": ("encoded in part", "部分编码"),
    "state_ledgered": ("ledgered as not computable", "登记为不可计算"),
    "state_open": ("open: not yet encoded", "待编码"),
    "state_unaccounted": ("unaccounted", "未处理"),
    "state_not_normative": ("not normative", "非规范性"),
    "kind": ("kind", "类型"),
    "modality": ("modal words", "情态词"),
    "cite": ("place", "位置"),
    "previous": ("previous clause", "上一条款"),
    "next": ("next clause", "下一条款"),
    "author_cases": ("Author cases", "编写者用例"),
    "blind_cases": ("Blind cases (second reader)", "盲测用例(第二读者)"),
    "no_cases": ("No case exercises this.", "没有用例涉及此项。"),
    "exercises": ("exercises", "涉及"),
    "expects": ("expectation", "预期"),
    "mutants": ("Mutants", "变异体"),
    "not_measured": ("not measured", "未测量"),
    "not_measured_hint": (
        "Run `policyengine mutate PACK` first, or `policyengine explore PACK --mutate`.",
        "请先运行 `policyengine mutate PACK`,或使用 `policyengine explore PACK --mutate`。",
    ),
    "from_cache": ("outcomes of an earlier run, from the cache", "结果取自先前运行的缓存"),
    "from_run": ("outcomes of a run made for this site", "结果来自本次运行"),
    "no_mutant_clause": (
        "No mutant alters the reading of this clause.",
        "没有变异体改变本条款的解读。",
    ),
    "no_mutant_rule": ("No mutant alters this.", "没有变异体改变此项。"),
    "mutant": ("mutant", "变异体"),
    "outcome": ("outcome", "结果"),
    "killed": ("killed", "已杀死"),
    "survived": ("survived", "存活"),
    "invalid": ("invalid", "无效"),
    "equivalent": ("equivalent", "等价"),
    "unmeasured": ("not measured", "未测量"),
    "survivors": (
        "Survivors: wrong readings no case notices",
        "存活的变异体:没有用例发现的错误解读",
    ),
    "none": ("none", "无"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    "id": ("id", "编号"),
    "title": ("title", "标题"),
    "section": ("section", "部分"),
    "category": ("category", "分类"),
    "severity": ("severity", "严重程度"),
    "due_from": ("due from", "起始阶段"),
    "when": ("applies when", "适用条件"),
    "check": ("passes when", "通过条件"),
    "condition": ("acceptance fails when", "验收不通过条件"),
    "documents": ("documents required", "所需文件"),
    "one_of": ("one of", "其中之一"),
    "items": ("prohibited items", "禁止事项"),
    "event": ("event", "事项"),
    "anchor": ("counted from", "起算"),
    "period": ("period", "期限"),
    "window_start": ("window opens after", "窗口起点"),
    "fixed": ("fixed date", "固定日期"),
    "recurs": ("recurs", "周期"),
    "until": ("until", "截至"),
    "before": ("before the step", "早于步骤"),
    "same_day": ("the same day counts", "当日亦可"),
    "roll": ("a due date on a rest day moves to the next working day", "遇休息日顺延至下一工作日"),
    "message": ("message", "提示"),
    "exceptions": ("exceptions", "例外"),
    "exception": ("exception", "例外"),
    "consequences": ("consequences", "后果"),
    "source_gap": ("the source cannot decide when", "原文缺漏,无法判断的情形"),
    "severity_reading": ("why this severity", "严重程度的理由"),
    "negation_reading": ("why the negation is the rule's own", "否定条件的理由"),
    "outcome_irrelevant": ("steps judged whatever their outcome", "不论结果的步骤"),
    "citation": ("citation", "引用"),
    "quote": ("quote", "原文引述"),
    "note": ("reading", "解读"),
    "value": ("value", "数值"),
    "unit": ("unit", "单位"),
    "direction": ("direction", "方向"),
    "boundary": ("boundary", "边界"),
    "description": ("description", "说明"),
    "input": ("input", "输入"),
    "primary": ("the verdict's approval route", "主审批方式"),
    "bands": ("bands", "区间"),
    "band": ("band", "区间"),
    "range": ("range", "范围"),
    "label": ("route", "方式"),
    "approver": ("approver", "审批机关"),
    "requires": ("requires", "须经"),
    "duty": ("the route is a duty", "审批方式为义务"),
    "scope": ("Scope", "适用范围"),
    "applies_when": ("applies when", "适用条件"),
    "exclusions": ("Exclusions", "排除情形"),
    "reason": ("reason", "理由"),
    "definitions": ("Definitions", "定义"),
    "expression": ("expression", "表达式"),
    "thresholds": ("Thresholds", "标准"),
    "ledger": ("Ledger: provisions not encoded", "未编码清单"),
    "summary": ("what it says", "内容"),
    "status": ("status", "状态"),
    "stage": ("stage", "阶段"),
    "as_of": ("as of", "评估日期"),
    "file": ("file", "文件"),
    "facts": ("facts the case states", "用例所述事实"),
    "base": ("base project of the file", "文件的基础项目"),
    "case_files": ("Case files", "用例文件"),
    "case_dirs": ("cases read from", "用例来源"),
    "kind_author": ("author", "编写者"),
    "kind_blind": ("blind", "盲测"),
    "source": ("source", "来源"),
    "number": ("document number", "文号"),
    "issuer": ("issuer", "发布机关"),
    "issued": ("issued", "发布日期"),
    "effective": ("in force", "施行日期"),
    "normative": ("normative clauses", "规范性条款"),
    "all_clauses": ("clauses in all", "条款总数"),
    "coverage": ("Coverage", "覆盖情况"),
    "h_citation": ("Citation", "引用"),
    "h_bands": ("Bands", "区间"),
    "h_duty": ("The route is a duty", "审批方式为义务"),
    "h_exceptions": ("Exceptions", "例外"),
    "clause_ids": ("clauses", "条款"),
    "n_rules": ("rules", "规则"),
    "n_tables": ("decision tables", "决策表"),
    "n_author": ("author cases", "编写者用例"),
    "n_blind": ("blind cases (second reader)", "盲测用例(第二读者)"),
    "n_mutants": ("mutants", "变异体"),
    "preamble": ("Preamble", "序言"),
    "w_finding": ("finding", "结论"),
    "w_missing_facts": ("missing facts", "缺少事实"),
    "w_citation": ("citation", "引用"),
    "w_deadline": ("deadline", "期限"),
    "w_decision": ("decision", "决定"),
    "w_route": ("route", "审批方式"),
    "w_in_scope": ("in scope", "适用"),
    "w_exclusion": ("exclusion", "排除"),
    "w_assumption": ("assumption", "假设"),
    "w_failing_clause": ("failing clause", "不合规条款"),
    "w_named": ("named by the case", "用例名称所列"),
    "e_scope": ("scope", "适用范围"),
    "e_exclusion": ("exclusion", "排除情形"),
    "e_threshold": ("threshold", "标准"),
    "e_table": ("decision table", "决策表"),
    "e_band": ("band of a decision table", "决策表区间"),
    "e_rule": ("rule", "规则"),
    "e_exception": ("exception of a rule", "规则例外"),
    "e_ledger": ("ledger entry", "未编码清单条目"),
}
_ENUM_WORDS: dict[str, tuple[str, str]] = {
    # Clause kinds, rule categories, severities, sections and the values of thresholds.
    "scope": ("scope", "适用范围"),
    "exclusion": ("exclusion", "排除"),
    "definition": ("definition", "定义"),
    "duty": ("duty", "义务"),
    "prohibition": ("prohibition", "禁止"),
    "permission": ("permission", "许可"),
    "procedure": ("procedure", "程序"),
    "threshold": ("threshold", "标准"),
    "deadline": ("deadline", "期限"),
    "consequence": ("consequence", "后果"),
    "effective_date": ("effective date", "施行日期"),
    "principle": ("principle", "原则"),
    "organisation": ("organisation", "组织"),
    "purpose": ("purpose", "目的"),
    "basis": ("basis", "依据"),
    "approval_threshold": ("approval threshold", "审批限额"),
    "approval_route": ("approval route", "审批方式"),
    "application_deadline": ("application deadline", "申报期限"),
    "required_document": ("required document", "必备文件"),
    "required_content": ("required content", "必备内容"),
    "prohibited_item": ("prohibited item", "禁止事项"),
    "not_supported": ("not supported", "不予支持"),
    "precondition": ("precondition", "前置条件"),
    "implementation_duty": ("implementation duty", "实施义务"),
    "change_control": ("change control", "变更控制"),
    "acceptance_requirement": ("acceptance requirement", "验收要求"),
    "acceptance_document": ("acceptance document", "验收文件"),
    "acceptance_failure": ("acceptance failure", "验收不通过"),
    "funding_consequence": ("funding consequence", "资金后果"),
    "operations": ("operations", "运行维护"),
    "evaluation": ("evaluation", "评价"),
    "security": ("security", "安全"),
    "data_sharing": ("data sharing", "数据共享"),
    "supervision": ("supervision", "监督"),
    "penalty": ("penalty", "处罚"),
    "organisational": ("organisational", "组织"),
    "error": ("error", "错误"),
    "warning": ("warning", "警告"),
    "info": ("info", "提示"),
    "rules": ("checks", "检查规则"),
    "required_documents": ("required documents", "必备文件"),
    "prohibited_items": ("prohibited items", "禁止事项"),
    "acceptance_failures": ("acceptance failures", "验收不通过情形"),
    "deadlines": ("deadlines", "期限"),
    "at_least": ("reached at or above", "达到即适用(以上)"),
    "at_most": ("a limit not to exceed", "不得超过"),
    "inclusive": ("the number itself included", "含本数"),
    "exclusive": ("the number itself excluded", "不含本数"),
    "CNY": ("yuan", "元"),
    "ratio": ("ratio", "比例"),
    "years": ("years", "年"),
    "months": ("months", "个月"),
    "days": ("days", "日"),
    "working_days": ("working days", "个工作日"),
    "count": ("count", "个"),
    "year_end": ("at every year end", "每年年底"),
    "half_year_end": ("at every half-year end", "每半年末"),
    "quarter_end": ("at every quarter end", "每季度末"),
    "not_computable": ("not computable", "不可计算"),
    "not_yet_encoded": ("not yet encoded", "尚未编码"),
}


@dataclass(frozen=True)
class _Words:
    lang: Lang

    def __call__(self, key: str) -> str:
        en, zh = _WORDS[key]
        return escape(zh if self.lang == "zh" else en)

    def enum(self, value: str) -> str:
        """A localised label for a vocabulary value of the pack format (kept as is if unknown)."""
        en, zh = _ENUM_WORDS.get(value, (value, value))
        return escape(zh if self.lang == "zh" else en)


# --- pages ---------------------------------------------------------------------------------------

_STYLE = (
    CSS
    + """
header nav{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;border-bottom:1px solid #ccc;
padding-bottom:.5rem}
header nav form{margin-left:auto}
input[type=search]{width:22rem;max-width:60vw;padding:.3rem}
.beside{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1.4fr);gap:1.5rem}
@media (max-width:900px){.beside{grid-template-columns:1fr}}
blockquote.law{font-size:1.1rem;line-height:1.9;border-left:4px solid #a33;margin:0;
padding:.6rem 1rem;background:#faf8f5}
.card{border:1px solid #ddd;border-radius:.3rem;padding:.4rem .8rem;margin:.6rem 0}
.card h3{margin:.2rem 0 .4rem}
dl.fields{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.2rem .8rem;margin:.3rem 0}
dl.fields dt{color:#555}dl.fields dd{margin:0}
code,pre{font-family:ui-monospace,"SFMono-Regular",monospace;font-size:.85rem}
pre{white-space:pre-wrap;background:#f7f7f7;padding:.4rem;margin:.2rem 0}
.st-encoded{background:#cdebc9}.st-partly{background:#e6efb8}.st-ledgered{background:#dde6f6}
.st-open{background:#fbe7a1}.st-unaccounted{background:#f6c3c0}.st-not_normative{background:#eee}
.o-survived{background:#f6c3c0}.o-killed{background:#e3f4e1}.o-equivalent,.o-invalid{background:#eee}
.o-unmeasured{background:#fff6cc}
th.group{background:#e9e9e9}
h1 code{font-size:inherit}.card h2{margin-top:.3rem}
table.search td:first-child{white-space:nowrap}
.muted{color:#666}
"""
)
_SEARCH_SCRIPT = """(function(){
var box=document.getElementById('q');
var rows=Array.prototype.slice.call(document.querySelectorAll('tr[data-search]'));
var groups=Array.prototype.slice.call(document.querySelectorAll('tbody.group'));
function apply(){
var terms=box.value.toLowerCase().split(/\\s+/).filter(Boolean);var shown=0;
rows.forEach(function(row){
var text=row.getAttribute('data-search');
var hit=terms.every(function(term){return text.indexOf(term)>=0;});
row.hidden=!hit;if(hit){shown++;}});
groups.forEach(function(group){group.hidden=!group.querySelector('tr[data-search]:not([hidden])');});
document.getElementById('shown').textContent=String(shown);}
var asked=new URLSearchParams(window.location.search).get('q');
if(asked){box.value=asked;}
box.addEventListener('input',apply);apply();})();"""


def _csp(script: str | None) -> str:
    # Only the page's own script may run, known by its hash: a string that escaped escaping
    # could still not run code. Nothing is fetched: there is nothing to fetch.
    scripts = "'none'"
    if script is not None:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        scripts = f"'sha256-{digest}'"
    return f"default-src 'none'; style-src 'unsafe-inline'; script-src {scripts}; img-src data:"


def render_site(material: Material, *, lang: Lang = "en") -> dict[str, str]:
    """The site's pages, by path relative to its root (index.html first)."""
    site = _Site(material, _Words(lang), lang)
    pages = {
        "index.html": site.index(),
        "pack.html": site.pack_page(),
        "cases.html": site.cases_index(),
    }
    for clause in material.clauses.clauses:
        pages[f"clause/{clause.id}.html"] = site.clause_page(clause)
    for section, rule in site.spec_rules:
        pages[f"rule/{rule.id}.html"] = site.rule_page(section, rule)
    for table in material.pack.spec.decision_tables:
        pages[f"table/{table.id}.html"] = site.table_page(table)
    for case_file in material.case_files:
        pages[case_file.page] = site.case_file_page(case_file)
    return pages


class _Site:
    """Renders the pages of one pack's site in one language."""

    def __init__(self, material: Material, words: _Words, lang: Lang) -> None:
        self.m = material
        self.w = words
        self.lang = lang
        spec = material.pack.spec
        self.style = spec.source.citation_style
        self.spec_rules: list[tuple[str, AnyRule]] = [
            (section, rule) for section in RULE_SECTIONS for rule in getattr(spec, section)
        ]
        self.known: set[Target] = {("scope", "")}
        self.known |= {("rule", rule.id) for _, rule in self.spec_rules}
        self.known |= {("table", table.id) for table in spec.decision_tables}
        self.known |= {("exclusion", e.id) for e in spec.scope.exclusions}
        self.known |= {("threshold", name) for name in spec.thresholds}
        self.headings = {h.article: h.text for h in material.clauses.headings}
        self.order = [clause.id for clause in material.clauses.clauses]

    # --- the frame ---

    def page(self, title: str, body: Iterable[str], *, up: str, script: str | None = None) -> str:
        w = self.w
        spec = self.m.pack.spec
        nav = [
            f'<a href="{up}index.html"><b>{w("site")}: {escape(spec.jurisdiction.get(self.lang))}'
            "</b></a>",
            f'<a href="{up}index.html#clauses">{w("clauses")}</a>',
            f'<a href="{up}index.html#rules">{w("rules")}</a>',
            f'<a href="{up}pack.html">{w("pack")}</a>',
            f'<a href="{up}cases.html">{w("cases")}</a>',
            f'<form action="{up}index.html" method="get" role="search">'
            f'<input type="search" id="q" name="q" placeholder="{w("search")}" '
            f'aria-label="{w("search")}"> <button type="submit">{w("search_button")}</button>'
            "</form>",
        ]
        parts = [
            "<!DOCTYPE html>",
            f'<html lang="{"zh-CN" if self.lang == "zh" else "en"}"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{_csp(script)}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
            "<header><nav>" + "".join(nav) + "</nav></header><main>",
            *body,
            "</main>",
        ]
        if script is not None:
            parts.append(f"<script>{script}</script>")
        parts.append("</body></html>")
        return printable("\n".join(parts), newlines=True) + "\n"

    # --- links ---

    def clause_link(self, clause_id: str, up: str) -> str:
        if clause_id not in self.m.clauses.by_id:
            return f"<code>{escape(clause_id)}</code>"
        return f'<a href="{up}clause/{escape(clause_id)}.html"><code>{escape(clause_id)}</code></a>'

    def clause_links(self, clause_ids: Iterable[str], up: str) -> str:
        return ", ".join(self.clause_link(c, up) for c in clause_ids) or self.w("none")

    def target_href(self, target: Target, up: str) -> str | None:
        if target not in self.known:
            return None
        kind, name = target
        name = escape(name)
        return {
            "rule": f"{up}rule/{name}.html",
            "table": f"{up}table/{name}.html",
            "exclusion": f"{up}pack.html#exclusion-{name}",
            "threshold": f"{up}pack.html#threshold-{name}",
            "scope": f"{up}pack.html#scope",
        }[kind]

    def target_link(self, target: Target, up: str) -> str:
        text = self.w("scope") if target[0] == "scope" else f"<code>{escape(target[1])}</code>"
        href = self.target_href(target, up)
        return text if href is None else f'<a href="{href}">{text}</a>'

    def case_href(self, index: int, up: str) -> str:
        case = self.m.cases[index]
        return f"{up}{case.page}#{case.anchor}"

    # --- shared blocks ---

    def fields(self, rows: Iterable[tuple[str, str | None]]) -> str:
        """A definition list of (word key, HTML) rows; rows without a value are left out."""
        items = [f"<dt>{self.w(key)}</dt><dd>{value}</dd>" for key, value in rows if value]
        return '<dl class="fields">' + "".join(items) + "</dl>" if items else ""

    def code(self, text: str) -> str:
        """An expression, identifier or other text of the pack's language, as code."""
        return f"<code>{escape(text)}</code>"

    def expr(self, text: str | None) -> str | None:
        return None if text is None else self.code(text)

    def text(self, value: Any) -> str:
        """A bilingual text of the pack in the site's language."""
        return escape(value.get(self.lang))

    def citation(self, citation: Citation, up: str) -> str:
        return self.fields(self.citation_rows(citation, up))

    def citation_rows(self, citation: Citation | None, up: str) -> list[tuple[str, str | None]]:
        """The rows of a citation, to follow the rows of what it is the citation of."""
        if citation is None:
            return []
        return [
            ("cite", escape(cite(citation, style=self.style, lang=self.lang))),
            ("quote", f'<span class="quote" lang="zh">{escape(citation.quote)}</span>'),
            ("note", escape(citation.note) if citation.note else None),
            ("clause_ids", self.clause_links(citation.clauses, up) if citation.clauses else None),
        ]

    def state(self, clause: Clause) -> str:
        cov = self.m.coverage
        if not clause.normative:
            key = "not_normative"
        elif clause.id in cov.encoded:
            key = "partly" if clause.id in cov.open else "encoded"
        elif clause.id in cov.ledgered:
            key = "ledgered"
        elif clause.id in cov.open:
            key = "open"
        else:
            key = "unaccounted"
        return f'<span class="badge st-{key}">{self.w("state_" + key)}</span>'

    def article_label(self, clause: Clause) -> str:
        if clause.article is None:
            return self.w("preamble")
        number = chinese_number(clause.article)
        label = f"{number}、" if self.style == "section" else f"第{number}条"
        heading = self.headings.get(clause.article)
        return escape(label + (f" {heading}" if heading else ""))

    # --- encodings ---

    def rule_condition(self, rule: AnyRule) -> list[tuple[str, str | None]]:
        w = self.w
        if isinstance(rule, Rule):
            return [("check", self.expr(rule.check))]
        if isinstance(rule, AcceptanceFailure):
            return [("condition", self.expr(rule.condition))]
        if isinstance(rule, RequiredDocuments):
            docs = [
                f"{w('one_of')}: " + " / ".join(escape(d.label(self.lang)) for d in entry.any_of)
                if isinstance(entry, AnyOf)
                else escape(entry.label(self.lang))
                for entry in rule.documents
            ]
            return [("documents", "<br>".join(docs))]
        if isinstance(rule, ProhibitedItems):
            return [("items", "<br>".join(escape(i.label(self.lang)) for i in rule.items))]
        return self.deadline_rows(rule)

    def deadline_rows(self, rule: Deadline) -> list[tuple[str, str | None]]:
        w = self.w
        recurs = None
        if rule.recurs is not None:
            recurs = f"{w.enum(rule.recurs.every.value)}: {self.expr(rule.recurs.from_)}"
            if rule.recurs.until is not None:
                recurs += f" — {w('until')} {self.expr(rule.recurs.until)}"
        before = None
        if rule.before is not None:
            before = escape(rule.before.step.label(self.lang))
            before += f" ({w('same_day')})" if rule.before.inclusive else ""
        fixed = None
        if rule.fixed is not None:
            fixed = escape(f"{rule.fixed.month}-{rule.fixed.day} ") + self.code(rule.fixed.year)
        return [
            ("event", escape(rule.event.label(self.lang))),
            ("anchor", self.expr(rule.anchor)),
            ("period", self.period(rule.period)),
            ("window_start", self.period(rule.window_start)),
            ("fixed", fixed),
            ("recurs", recurs),
            ("before", before),
            ("roll", w("yes") if rule.roll_to_working_day else None),
        ]

    def period(self, period: Period | None) -> str | None:
        if period is None:
            return None
        for unit in ("years", "months", "days", "working_days"):
            value = getattr(period, unit)
            if value is not None:
                return f"{value} {self.w.enum(unit)}"
        return None

    def rule_rows(self, section: str, rule: AnyRule) -> list[tuple[str, str | None]]:
        w = self.w
        return [
            ("title", self.text(rule.title)),
            ("section", w.enum(section)),
            ("category", w.enum(rule.category.value)),
            ("severity", w.enum(rule.severity.value)),
            ("due_from", escape(rule.due_from.label(self.lang))),
            ("when", self.expr(rule.when)),
            *self.rule_condition(rule),
            ("message", self.text(rule.message) if rule.message is not None else None),
        ]

    def section_of(self, rule: AnyRule) -> str:
        return next(section for section, r in self.spec_rules if r is rule)

    def encoding_card(self, encoding: Encoding, up: str) -> str:
        w = self.w
        head = w("e_" + encoding.kind)
        spec = encoding.spec
        rows: list[tuple[str, str | None]]
        citation: Citation | None = None
        if encoding.kind == "scope":
            rows = [("description", self.text(spec.description))]
            rows.append(("applies_when", self.expr(spec.applies_when)))
            citation = spec.citation
        elif encoding.kind == "exclusion":
            assert isinstance(spec, Exclusion)
            rows = [("when", self.expr(spec.when)), ("reason", self.text(spec.reason))]
            citation = spec.citation
        elif encoding.kind == "threshold":
            _, threshold = spec
            rows = self.threshold_rows(threshold)
            citation = threshold.citation
        elif encoding.kind == "table":
            assert isinstance(spec, DecisionTable)
            rows = self.table_rows(spec)
            citation = spec.citation
        elif encoding.kind == "band":
            assert isinstance(spec, Band)
            rows = self.band_rows(spec)
            citation = spec.citation
        elif encoding.kind == "rule":
            rows = self.rule_rows(self.section_of(spec), spec)
            citation = spec.citation
        elif encoding.kind == "exception":
            assert isinstance(spec, RuleException)
            head += f" {encoding.index + 1}"
            rows = [("when", self.expr(spec.when)), ("reason", self.text(spec.reason))]
            citation = spec.citation
        else:
            assert isinstance(spec, LedgerEntry)
            return (
                f'<div class="card" id="ledger-{encoding.index + 1}"><h3>{head} '
                f'<a href="{up}pack.html#ledger-{encoding.index + 1}">{encoding.index + 1}</a></h3>'
                + self.ledger_fields(spec, up)
                + "</div>"
            )
        assert encoding.target is not None
        title = f"{head}: {self.target_link(encoding.target, up)}"
        if encoding.kind == "band":
            title += f" / <code>{escape(spec.id)}</code>"
        return (
            f'<div class="card"><h3>{title}</h3>'
            + self.fields(rows + self.citation_rows(citation, up))
            + "</div>"
        )

    def ledger_fields(self, entry: LedgerEntry, up: str) -> str:
        w = self.w
        return self.fields(
            [
                ("cite", escape(cite(_ledger_citation(entry), style=self.style, lang=self.lang))),
                ("category", w.enum(entry.category.value)),
                ("status", w.enum(entry.status)),
                ("summary", escape(entry.summary)),
                ("reason", escape(entry.reason)),
                ("clause_ids", self.clause_links(entry.clauses, up)),
            ]
        )

    def threshold_rows(self, threshold: Threshold) -> list[tuple[str, str | None]]:
        w = self.w
        return [
            ("value", f"<b>{escape(str(threshold.value))}</b> {w.enum(threshold.unit)}"),
            ("direction", w.enum(threshold.direction)),
            ("boundary", w.enum(threshold.boundary)),
            ("description", self.text(threshold.description)),
            ("note", escape(threshold.reading) if threshold.reading else None),
        ]

    def table_rows(self, table: DecisionTable) -> list[tuple[str, str | None]]:
        w = self.w
        return [
            ("title", self.text(table.title)),
            ("input", self.expr(table.input)),
            ("when", self.expr(table.when)),
            ("primary", w("yes") if table.primary else None),
            ("due_from", escape(table.due_from.label(self.lang)) if table.due_from else None),
            ("duty", self.text(table.duty.title) if table.duty is not None else None),
        ]

    def band_rows(self, band: Band) -> list[tuple[str, str | None]]:
        return [
            ("range", f"<code>{escape(_interval(band))}</code>" + self.named_bounds(band)),
            ("label", self.text(band.label)),
            ("approver", self.text(band.approver) if band.approver else None),
            ("requires", self.expr(band.requires)),
        ]

    def named_bounds(self, band: Band) -> str:
        """The values of the thresholds a band's bounds name (`approval_threshold = 500000`)."""
        values = self.m.pack.thresholds
        named = [b for b in (band.min, band.max) if isinstance(b, str) and b in values]
        return "".join(
            f"; <code>{escape(name)} = {escape(str(values[name]))}</code>" for name in named
        )

    # --- cases and mutants ---

    def cases_block(self, links: Sequence[CaseLink], up: str) -> str:
        w = self.w
        parts: list[str] = []
        for blind, key in ((False, "author_cases"), (True, "blind_cases")):
            chosen = [link for link in links if self.m.cases[link.case].blind is blind]
            count = len({link.case for link in chosen})
            parts.append(f"<h3>{w(key)} ({count})</h3>")
            if not chosen:
                parts.append(f'<p class="muted">{w("no_cases")}</p>')
                continue
            rows = [f"<table><tr><th>{w('cases')}</th><th>{w('expects')}</th>"]
            rows[0] += f"<th>{w('file')}</th></tr>"
            grouped: dict[int, list[tuple[str, str]]] = {}
            for link in chosen:
                grouped.setdefault(link.case, []).append(link.what)
            for index, whats in grouped.items():
                case = self.m.cases[index].case
                rows.append(
                    f'<tr><td><a href="{self.case_href(index, up)}">{escape(case.name)}</a></td>'
                    f"<td>{'; '.join(self.what(what) for what in whats)}</td>"
                    f"<td><code>{escape(case.file.name)}</code></td></tr>"
                )
            parts.append("\n".join(rows) + "</table>")
        return "\n".join(parts)

    def what(self, what: tuple[str, str]) -> str:
        word, value = what
        return self.w("w_" + word) + (f": <code>{escape(value)}</code>" if value else "")

    def mutants_block(
        self, chosen: Sequence[tuple[Mutant, MutantResult | None]], empty: str
    ) -> str:
        w = self.w
        mutation = self.m.mutation
        if mutation is None:
            return (
                f'<p class="o-unmeasured"><b>{w("not_measured")}</b>. {w("not_measured_hint")}</p>'
            )
        if not chosen:
            return f'<p class="muted">{w(empty)}</p>'
        counts: dict[str, int] = defaultdict(int)
        for _, result in chosen:
            counts[_outcome(result)] += 1
        summary = ", ".join(
            f"{counts[key]} {w(key)}"
            for key in ("killed", "survived", "equivalent", "invalid", "unmeasured")
            if counts[key]
        )
        source = w("from_cache" if mutation.source == "cache" else "from_run")
        parts = [
            f"<p>{len(chosen)} {w('n_mutants')}: {summary} <span class='muted'>({source})</span></p>"
        ]
        survivors = [(m, r) for m, r in chosen if _outcome(r) == "survived"]
        if survivors:
            parts.append(f"<h3>{w('survivors')}</h3>" + self.mutant_table(survivors))
        parts.append(
            f"<details><summary>{w('mutants')} ({len(chosen)})</summary>"
            + self.mutant_table(chosen)
            + "</details>"
        )
        return "\n".join(parts)

    def mutant_table(self, chosen: Sequence[tuple[Mutant, MutantResult | None]]) -> str:
        w = self.w
        rows = [
            f"<table><tr><th>{w('mutant')}</th><th>{w('kind')}</th><th>{w('description')}</th>"
            f"<th>{w('outcome')}</th></tr>"
        ]
        for mutant, result in chosen:
            outcome = _outcome(result)
            detail = (
                f"<br><small>{escape(result.detail)}</small>" if result and result.detail else ""
            )
            rows.append(
                f'<tr class="o-{outcome}"><td><code>{escape(mutant.id)}</code></td>'
                f"<td>{escape(mutant.kind)}</td><td>{escape(mutant.description)}</td>"
                f"<td>{w(outcome)}{detail}</td></tr>"
            )
        return "\n".join(rows) + "</table>"

    def clause_mutants(self, clause_id: str) -> list[tuple[Mutant, MutantResult | None]]:
        mutation = self.m.mutation
        if mutation is None:
            return []
        return [(m, r) for m, r in mutation.outcomes if clause_id in m.clauses]

    def target_mutants(self, target: Target) -> list[tuple[Mutant, MutantResult | None]]:
        mutation = self.m.mutation
        if mutation is None:
            return []
        kind, name = target
        name = "scope" if kind == "scope" else name
        return [
            (m, r)
            for m, r in mutation.outcomes
            # A route duty's mutants target '<table>.duty'.
            if m.target == name or (kind == "table" and m.target.startswith(name + "."))
        ]

    # --- the pages ---

    def index(self) -> str:
        w, m = self.w, self.m
        spec = m.pack.spec
        source = spec.source
        cov = m.coverage.to_dict()
        blind = sum(1 for case in m.cases if case.blind)
        body = [
            f"<h1>{escape(spec.jurisdiction.get(self.lang))}: "
            f'<span lang="zh">{escape(source.title)}</span></h1>',
            self.fields(
                [
                    # The heading has the Chinese title; an English reader gets the translation.
                    ("source", escape(source.title_en) if self.lang == "en" else None),
                    ("number", escape(source.number) if source.number else None),
                    ("issuer", escape(source.issuer) if source.issuer else None),
                    ("issued", escape(str(source.issued)) if source.issued else None),
                    ("effective", escape(str(source.effective)) if source.effective else None),
                ]
            ),
            f"<h2>{w('coverage')}</h2>",
            self.fields(
                [
                    ("all_clauses", str(len(m.clauses.clauses))),
                    ("normative", str(cov["clauses"])),
                    ("state_encoded", str(cov["encoded"])),
                    ("state_ledgered", str(cov["ledgered"])),
                    ("state_open", str(len(m.coverage.still_open))),
                    ("state_unaccounted", str(len(m.coverage.unaccounted))),
                    ("n_rules", str(len(self.spec_rules))),
                    ("n_tables", str(len(spec.decision_tables))),
                    ("n_author", str(len(m.cases) - blind)),
                    ("n_blind", str(blind)),
                    ("case_dirs", ", ".join(f"<code>{escape(d)}</code>" for d in m.case_dirs)),
                    ("n_mutants", self.mutation_summary()),
                ]
            ),
            f'<p><span id="shown">{len(m.clauses.clauses) + len(self.spec_rules)}</span> / '
            f"{len(m.clauses.clauses) + len(self.spec_rules)} {w('matches')}</p>",
            f'<h2 id="clauses">{w("clauses")}</h2>',
            self.clause_table(),
            f'<h2 id="rules">{w("rules")}</h2>',
            self.rule_table(),
        ]
        if spec.decision_tables:
            rows = [
                f"<table><tr><th>{w('id')}</th><th>{w('title')}</th><th>{w('clauses')}</th></tr>"
            ]
            for table in spec.decision_tables:
                clauses = m.target_clauses(("table", table.id))
                rows.append(
                    f"<tr><td>{self.target_link(('table', table.id), '')}</td>"
                    f"<td>{self.text(table.title)}</td><td>{self.clause_links(clauses, '')}</td></tr>"
                )
            body += [f'<h2 id="tables">{w("tables")}</h2>', "\n".join(rows) + "</table>"]
        title = f"{w('site')}: {spec.jurisdiction.get(self.lang)}"
        return self.page(title, body, up="", script=_SEARCH_SCRIPT)

    def mutation_summary(self) -> str:
        w = self.w
        mutation = self.m.mutation
        if mutation is None:
            return f"{w('not_measured')}. {w('not_measured_hint')}"
        counts: dict[str, int] = defaultdict(int)
        for _, result in mutation.outcomes:
            counts[_outcome(result)] += 1
        parts = [f"{len(mutation.outcomes)}"]
        parts += [
            f"{counts[key]} {w(key)}"
            for key in ("killed", "survived", "equivalent", "invalid", "unmeasured")
            if counts[key]
        ]
        source = w("from_cache" if mutation.source == "cache" else "from_run")
        return f"{parts[0]}: {', '.join(parts[1:])} <span class='muted'>({source})</span>"

    def clause_table(self) -> str:
        w = self.w
        head = (
            f"<table class='search'><thead><tr><th>{w('id')}</th><th>{w('cite')}</th>"
            f"<th>{w('kind')}</th><th>{w('state')}</th><th>{w('clause_text')}</th>"
            f"<th>{w('encoded_by')}</th></tr></thead>"
        )
        groups: dict[int | None, list[Clause]] = {}
        for clause in self.m.clauses.clauses:
            groups.setdefault(clause.article, []).append(clause)
        parts = [head]
        for clauses in groups.values():
            parts.append(
                f'<tbody class="group"><tr><th class="group" colspan="6">'
                f"{self.article_label(clauses[0])}</th></tr>"
            )
            for clause in clauses:
                targets = self.clause_targets(clause.id)
                search = " ".join([clause.id, clause.cite, clause.text, *(t[1] for t in targets)])
                ledgers = [e for e in self.m.encodings.get(clause.id, ()) if e.kind == "ledger"]
                encoded = ", ".join(
                    [self.target_link(t, "") for t in targets]
                    + [
                        f'<a href="pack.html#ledger-{e.index + 1}">{w("e_ledger")} {e.index + 1}</a>'
                        for e in ledgers
                    ]
                )
                parts.append(
                    f'<tr data-search="{escape(search.lower())}" id="c-{escape(clause.id)}">'
                    f"<td>{self.clause_link(clause.id, '')}</td><td>{escape(clause.cite)}</td>"
                    f"<td>{w.enum(clause.kind.value)}</td><td>{self.state(clause)}</td>"
                    f'<td lang="zh">{escape(clause.text)}</td><td>{encoded}</td></tr>'
                )
            parts.append("</tbody>")
        return "\n".join(parts) + "</table>"

    def clause_targets(self, clause_id: str) -> list[Target]:
        found = [e.target for e in self.m.encodings.get(clause_id, ()) if e.target is not None]
        return list(dict.fromkeys(found))

    def rule_table(self) -> str:
        w = self.w
        parts = [
            f"<table class='search'><thead><tr><th>{w('id')}</th><th>{w('title')}</th>"
            f"<th>{w('section')}</th><th>{w('severity')}</th><th>{w('clauses')}</th></tr></thead>"
            '<tbody class="group">'
        ]
        for section, rule in self.spec_rules:
            clauses = self.m.target_clauses(("rule", rule.id))
            search = " ".join([rule.id, rule.title.zh, rule.title.en, *clauses])
            parts.append(
                f'<tr data-search="{escape(search.lower())}">'
                f"<td>{self.target_link(('rule', rule.id), '')}</td><td>{self.text(rule.title)}</td>"
                f"<td>{w.enum(section)}</td><td>{w.enum(rule.severity.value)}</td>"
                f"<td>{self.clause_links(clauses, '')}</td></tr>"
            )
        return "\n".join(parts) + "</tbody></table>"

    def clause_page(self, clause: Clause) -> str:
        w, up = self.w, "../"
        position = self.order.index(clause.id)
        neighbours = []
        if position > 0:
            neighbours.append(f"{w('previous')}: {self.clause_link(self.order[position - 1], up)}")
        if position + 1 < len(self.order):
            neighbours.append(f"{w('next')}: {self.clause_link(self.order[position + 1], up)}")
        encodings = self.m.encodings.get(clause.id, [])
        law = [
            f"<h2>{w('clause_text')}</h2>",
            f'<blockquote class="law" lang="zh">{escape(clause.text)}</blockquote>',
            self.fields(
                [
                    ("cite", escape(clause.cite)),
                    ("kind", w.enum(clause.kind.value)),
                    ("modality", escape("、".join(clause.modality)) if clause.modality else None),
                    ("state", self.state(clause)),
                ]
            ),
            "<p>" + " · ".join(neighbours) + "</p>",
        ]
        pack = [f"<h2>{w('encoded_by')}</h2>"]
        pack += [self.encoding_card(e, up) for e in encodings] or [
            f'<p class="muted">{w("nothing_encodes")}</p>'
        ]
        body = [
            f"<h1><code>{escape(clause.id)}</code> {self.article_label(clause)} "
            f"<small>{escape(clause.cite)}</small></h1>",
            '<div class="beside"><section class="law">' + "\n".join(law) + "</section>",
            '<section class="encodings">' + "\n".join(pack) + "</section></div>",
            f'<h2 id="cases">{w("cases")}</h2>',
            self.cases_block(self.m.clause_cases(clause.id), up),
            f'<h2 id="mutants">{w("mutants")}</h2>',
            self.mutants_block(self.clause_mutants(clause.id), "no_mutant_clause"),
        ]
        return self.page(f"{clause.id} {clause.cite}", body, up=up)

    def clause_texts(self, clause_ids: Sequence[str], up: str) -> str:
        """The clauses a rule or table cites, each with its text: the law beside the rule."""
        rows = []
        for clause_id in clause_ids:
            clause = self.m.clauses.by_id.get(clause_id)
            text = escape(clause.text) if clause is not None else ""
            rows.append(
                f"<tr><td>{self.clause_link(clause_id, up)}</td>"
                f'<td lang="zh" class="quote">{text}</td></tr>'
            )
        return "<table>" + "\n".join(rows) + "</table>" if rows else ""

    def rule_page(self, section: str, rule: AnyRule) -> str:
        w, up = self.w, "../"
        target: Target = ("rule", rule.id)
        rows = self.rule_rows(section, rule)
        rows += [
            ("consequences", ", ".join(escape(c.label(self.lang)) for c in rule.consequences)),
            (
                "outcome_irrelevant",
                ", ".join(escape(s.label(self.lang)) for s in rule.outcome_irrelevant),
            ),
            ("severity_reading", escape(rule.severity_reading) if rule.severity_reading else None),
            ("negation_reading", escape(rule.negation_reading) if rule.negation_reading else None),
        ]
        if isinstance(rule, Rule) and rule.source_gap is not None:
            gap = self.code(rule.source_gap.when) + ": " + self.text(rule.source_gap.reason)
            rows.append(("source_gap", gap))
        body = [
            f"<h1><code>{escape(rule.id)}</code>: {self.text(rule.title)}</h1>",
            self.fields(rows),
            f"<h2>{w('h_citation')}</h2>",
            self.citation(rule.citation, up),
            self.clause_texts(self.m.target_clauses(target), up),
        ]
        if rule.exceptions:
            body.append(f"<h2>{w('h_exceptions')}</h2>")
            for number, exception in enumerate(rule.exceptions, 1):
                body.append(
                    f'<div class="card" id="exception-{number}"><h3>{w("exception")} {number}</h3>'
                    + self.fields(
                        [
                            ("when", self.expr(exception.when)),
                            ("reason", self.text(exception.reason)),
                            *self.citation_rows(exception.citation, up),
                        ]
                    )
                    + "</div>"
                )
        body += self.cases_and_mutants(target, up)
        return self.page(f"{rule.id}: {rule.title.get(self.lang)}", body, up=up)

    def cases_and_mutants(self, target: Target, up: str) -> list[str]:
        w = self.w
        return [
            f'<h2 id="cases">{w("cases")}</h2>',
            self.cases_block(self.m.target_cases(target), up),
            f'<h2 id="mutants">{w("mutants")}</h2>',
            self.mutants_block(self.target_mutants(target), "no_mutant_rule"),
        ]

    def table_page(self, table: DecisionTable) -> str:
        w, up = self.w, "../"
        target: Target = ("table", table.id)
        body = [
            f"<h1><code>{escape(table.id)}</code>: {self.text(table.title)}</h1>",
            self.fields(self.table_rows(table) + self.citation_rows(table.citation, up)),
            f"<h2>{w('h_bands')}</h2>",
        ]
        for band in table.bands:
            body.append(
                f'<div class="card" id="band-{escape(band.id)}"><h3>{w("band")}: '
                f"<code>{escape(band.id)}</code></h3>"
                + self.fields(self.band_rows(band) + self.citation_rows(band.citation, up))
                + "</div>"
            )
        if table.duty is not None:
            duty = table.duty
            body += [
                f"<h2>{w('h_duty')}</h2>",
                self.fields(
                    [
                        ("title", self.text(duty.title)),
                        ("message", self.text(duty.message)),
                        ("due_from", escape(duty.due_from.label(self.lang))),
                        ("severity", w.enum(duty.severity.value)),
                        (
                            "consequences",
                            ", ".join(escape(c.label(self.lang)) for c in duty.consequences),
                        ),
                    ]
                ),
            ]
        body += [
            f"<h2>{w('clauses')}</h2>",
            self.clause_texts(self.m.target_clauses(target), up),
            *self.cases_and_mutants(target, up),
        ]
        return self.page(f"{table.id}: {table.title.get(self.lang)}", body, up=up)

    def pack_page(self) -> str:
        w, spec, up = self.w, self.m.pack.spec, ""
        scope = spec.scope
        body = [
            f"<h1>{w('pack')}: <code>{escape(spec.id)}</code> "
            f"{escape(spec.jurisdiction.get(self.lang))}</h1>",
            f'<h2 id="scope">{w("scope")}</h2>',
            self.fields(
                [
                    ("description", self.text(scope.description)),
                    ("applies_when", self.expr(scope.applies_when)),
                    *self.citation_rows(scope.citation, up),
                ]
            ),
        ]
        if scope.exclusions:
            body.append(f"<h2>{w('exclusions')}</h2>")
        for exclusion in scope.exclusions:
            body.append(
                f'<div class="card" id="exclusion-{escape(exclusion.id)}">'
                f"<h3><code>{escape(exclusion.id)}</code></h3>"
                + self.fields(
                    [
                        ("when", self.expr(exclusion.when)),
                        ("reason", self.text(exclusion.reason)),
                        *self.citation_rows(exclusion.citation, up),
                    ]
                )
                + "</div>"
            )
        if spec.thresholds:
            body.append(f"<h2>{w('thresholds')}</h2>")
        for name, threshold in spec.thresholds.items():
            body.append(
                f'<div class="card" id="threshold-{escape(name)}"><h3><code>{escape(name)}</code></h3>'
                + self.fields(
                    self.threshold_rows(threshold) + self.citation_rows(threshold.citation, up)
                )
                + "</div>"
            )
        if spec.definitions:
            rows = [f"<table><tr><th>{w('id')}</th><th>{w('expression')}</th>"]
            rows[0] += f"<th>{w('description')}</th></tr>"
            for name, definition in spec.definitions.items():
                rows.append(
                    f'<tr id="definition-{escape(name)}"><td><code>{escape(name)}</code></td>'
                    f"<td><code>{escape(definition.expression)}</code></td>"
                    f"<td>{escape(definition.description)}</td></tr>"
                )
            body += [f"<h2>{w('definitions')}</h2>", "\n".join(rows) + "</table>"]
        if spec.not_computable:
            body.append(f'<h2 id="ledger">{w("ledger")}</h2>')
        for number, entry in enumerate(spec.not_computable, 1):
            body.append(
                f'<div class="card" id="ledger-{number}"><h3>{w("e_ledger")} {number}</h3>'
                + self.ledger_fields(entry, up)
                + "</div>"
            )
        if spec.equivalent_mutants:
            rows = [f"<table><tr><th>{w('mutant')}</th><th>{w('reason')}</th></tr>"]
            rows += [
                f"<tr><td><code>{escape(e.id)}</code></td><td>{escape(e.reason)}</td></tr>"
                for e in spec.equivalent_mutants
            ]
            body += [f"<h2>{w('equivalent')}</h2>", "\n".join(rows) + "</table>"]
        return self.page(f"{w('pack')}: {spec.id}", body, up=up)

    def cases_index(self) -> str:
        w = self.w
        rows = [f"<table><tr><th>{w('file')}</th><th>{w('kind')}</th><th>{w('cases')}</th></tr>"]
        for case_file in self.m.case_files:
            kind = w("kind_blind" if case_file.blind else "kind_author")
            rows.append(
                f'<tr><td><a href="{escape(case_file.page)}"><code>{escape(str(case_file.path))}'
                f"</code></a></td><td>{kind}</td><td>{len(case_file.cases)}</td></tr>"
            )
        body = [f"<h1>{w('case_files')}</h1>"]
        body.append("\n".join(rows) + "</table>" if self.m.case_files else f"<p>{w('none')}</p>")
        return self.page(w("case_files"), body, up="")

    def case_file_page(self, case_file: CaseFile) -> str:
        w, up = self.w, "../"
        kind = w("kind_blind" if case_file.blind else "kind_author")
        body = [
            f"<h1><code>{escape(str(case_file.path))}</code> <small>({kind})</small></h1>",
            f"<details><summary>{w('base')}</summary><pre>{_data(case_file.base)}</pre></details>",
        ]
        for index in case_file.cases:
            explored = self.m.cases[index]
            case = explored.case
            exercised = [
                self.target_link(t, up) + ": " + self.what(what) for t, what in explored.targets
            ]
            exercised += [
                self.clause_link(c, up) + ": " + self.what(what) for c, what in explored.clauses
            ]
            body.append(
                f'<section class="card" id="{explored.anchor}"><h2>{escape(case.name)}</h2>'
                + self.fields(
                    [
                        ("stage", escape(case.stage) if case.stage else None),
                        ("as_of", escape(str(case.as_of)) if case.as_of else None),
                        ("file", f"<code>{escape(str(case.location))}</code>"),
                        (
                            "facts",
                            f"<pre>{_data(explored.project)}</pre>" if explored.project else None,
                        ),
                        ("expects", f"<pre>{_data(case.expect)}</pre>"),
                        ("exercises", "<br>".join(exercised) if exercised else None),
                    ]
                )
                + "</section>"
            )
        return self.page(str(case_file.path), body, up=up)


def _outcome(result: MutantResult | None) -> str:
    return "unmeasured" if result is None else result.outcome.value


def _interval(band: Band) -> str:
    low = "(-∞" if band.min is None else ("[" if band.min_inclusive else "(") + str(band.min)
    high = "+∞)" if band.max is None else str(band.max) + ("]" if band.max_inclusive else ")")
    return f"{low}, {high}"


def _ledger_citation(entry: LedgerEntry) -> Citation:
    return Citation(article=entry.article, item=entry.item, para=entry.para, quote="-")


def _data(value: Any) -> str:
    """Case data (facts, expectations) as indented JSON, escaped."""
    return escape(json.dumps(value, ensure_ascii=False, indent=1, default=str))
