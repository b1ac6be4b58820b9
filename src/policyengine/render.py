"""Human renderings of verdicts: plain text tables and Markdown. The data is the Verdict."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

from .pack import Citation, Recurrence
from .verdict import DeadlineResult, DeadlineState, Finding, OverallStatus, Status, Verdict

_DIGITS = "零一二三四五六七八九"

# C0 and C1 controls and DEL (terminal escape sequences start with ESC, CSI or OSC and end with BEL
# or ST), the Unicode line and paragraph separators, and the bidirectional overrides and isolates,
# which reorder what a reader sees.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_CONTROL_BUT_NEWLINE = re.compile(
    r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


_NAMED = {"\t": " ", "\n": "\\n", "\r": "\\r"}


def _shown(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str, *, newlines: bool = False) -> str:
    """`text` safe to write to a terminal: control characters shown as escapes such as `\\x1b`.

    A project's name or a fact's value comes from outside and could otherwise clear the screen,
    retitle the window or conceal the rest of the report. Tabs become spaces. Newlines are
    escaped too unless `newlines` is set, so that a one-line field cannot start a line of its own
    (a forged "Status:" line). JSON output keeps the exact string; only the human renderings call
    this.
    """
    pattern = _CONTROL_BUT_NEWLINE if newlines else _CONTROL
    return pattern.sub(_shown, text)


def chinese_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 21 -> 二十一, 105 -> 一百零五 (article numbering)."""
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    rest = n % 100
    tail = (
        ""
        if rest == 0
        else (
            "零" + chinese_number(rest)
            if rest < 10
            else ("一" + chinese_number(rest) if rest < 20 else chinese_number(rest))
        )
    )
    return _DIGITS[n // 100] + "百" + tail


def cite(citation: Citation, *, style: str = "article", lang: str = "zh") -> str:
    """A citation in the form the text uses: 第八条(一)2 / 三、第二款; art. 8(1)2 / s. 3 para. 2."""
    if lang == "zh":
        head = (
            f"{chinese_number(citation.article)}、"
            if style == "section"
            else f"第{chinese_number(citation.article)}条"
        )
        if citation.para:
            head += f"第{chinese_number(citation.para)}款"
        if citation.item:
            head += f"({chinese_number(citation.item)})"
        if citation.sub:
            head += str(citation.sub)
        return head
    head = f"s. {citation.article}" if style == "section" else f"art. {citation.article}"
    if citation.para:
        head += f" para. {citation.para}"
    if citation.item:
        head += f"({citation.item})"
    if citation.sub:
        head += f".{citation.sub}"
    return head


_STATUS_WORD = {
    OverallStatus.COMPLIANT: ("合规", "COMPLIANT"),
    OverallStatus.NON_COMPLIANT: ("不合规", "NON-COMPLIANT"),
    OverallStatus.INCOMPLETE: ("待补充事实", "INCOMPLETE"),
    OverallStatus.OUT_OF_SCOPE: ("不适用", "OUT OF SCOPE"),
}
_ORDER = {
    Status.FAIL: 0,
    Status.ERROR: 1,
    Status.UNKNOWN: 2,
    Status.PASS: 3,
    Status.NOT_APPLICABLE: 4,
}


def width(text: str) -> int:
    """Display width: East Asian wide characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, size: int) -> str:
    """Left-justify `text` to `size` display columns, truncating with an ellipsis."""
    if width(text) > size:
        out = ""
        for ch in text:
            if width(out + ch) > size - 1:
                break
            out += ch
        text = out + "…"
    return text + " " * (size - width(text))


def status_word(status: OverallStatus, lang: str = "en") -> str:
    """The overall status as shown to a reader."""
    zh, en = _STATUS_WORD[status]
    return zh if lang == "zh" else en


def render_text(
    verdict: Verdict, *, lang: str = "en", style: str = "article", show_passes: bool = False
) -> str:
    """A readable plain-text report of one verdict."""
    t = _chooser(lang)
    lines = []
    number = f" ({verdict.source.number})" if verdict.source.number else ""
    lines.append(
        f"{verdict.jurisdiction.zh} {verdict.jurisdiction.en} — {verdict.source.title}{number}"
    )
    project = verdict.project_name or verdict.project_id or t("(未命名项目)", "(unnamed project)")
    project = printable(project)
    stage = verdict.stage.label(lang) if verdict.stage else t("全部阶段", "all stages")
    lines.append(
        f"{t('项目', 'Project')}: {project}   {t('阶段', 'Stage')}: {stage}   "
        f"{t('评估日期', 'As of')}: {verdict.as_of}"
    )
    scope = {True: t("是", "yes"), False: t("否", "no"), None: t("未定", "undecided")}
    lines.append(
        f"{t('适用', 'In scope')}: {scope[verdict.in_scope]}   "
        f"{t('结论', 'Status')}: {status_word(verdict.status, lang)}"
    )
    if verdict.exclusion is not None:
        lines.append(
            f"{t('排除', 'Excluded')}: {verdict.exclusion.reason.get(lang)}"
            + bracketed_citation(verdict.exclusion.citation, style=style, lang=lang)
        )
    if verdict.scope_missing_facts:
        lines.append(
            f"{t('适用性缺少事实', 'Scope needs')}: {', '.join(verdict.scope_missing_facts)}"
        )
    lines.extend(assumption_lines(verdict, lang=lang, style=style))
    for decision in verdict.decisions:
        if decision.status is Status.PASS and decision.label is not None:
            approver = f" — {decision.approver.get(lang)}" if decision.approver else ""
            lines.append(
                f"{decision.title.get(lang)}: {decision.label.get(lang)}{approver} "
                f"[{cite(decision.citation, style=style, lang=lang)}]"
            )
        elif decision.status is Status.UNKNOWN:
            lines.append(
                f"{decision.title.get(lang)}: {t('未定', 'undecided')} "
                f"({t('缺少', 'unknown')}: {', '.join(decision.missing_facts)})"
            )
    findings = sorted(verdict.findings, key=lambda f: _ORDER[f.status])
    shown = [
        f for f in findings if show_passes or f.status not in (Status.PASS, Status.NOT_APPLICABLE)
    ]
    counts = {s: sum(1 for f in verdict.findings if f.status is s) for s in Status}
    lines.append(", ".join(f"{counts[s]} {s.value}" for s in Status if counts[s]))
    if shown:
        lines.append("")
        lines.extend(_table(shown, lang=lang, style=style))
    if verdict.missing_documents:
        lines.append("")
        lines.append(
            t("缺少文件: ", "Missing documents: ")
            + ("、" if lang == "zh" else ", ").join(
                d.label(lang) for d in verdict.missing_documents
            )
        )
    if verdict.consequences:
        lines.append(
            t("后果: ", "Consequences: ")
            + ("、" if lang == "zh" else ", ").join(c.label(lang) for c in verdict.consequences)
        )
    if verdict.deadlines:
        lines.append("")
        lines.append(t("期限", "Deadlines"))
        for d in verdict.deadlines:
            done = f", {t('实际', 'done')} {d.event_date}" if d.event_date else ""
            lines.append(
                f"  {pad(d.state.value, 8)} {pad(d.event.label(lang), 22)} "
                f"{due_text(d, lang)}{done}"
            )
            if d.due_dates:
                lines.append(f"  {' ' * 8} {due_dates_text(d, lang)}")
    return printable("\n".join(lines), newlines=True)


def due_text(result: DeadlineResult, lang: str = "en") -> str:
    """When a deadline is due, in a few words: "due 2026-02-28", "due before approval"."""
    t = _chooser(lang)
    if result.before is not None:
        on = f" ({result.due})" if result.due else ""
        return f"{t('须早于', 'due before')} {result.before.label(lang)}{on}"
    when = f"{result.window_start} .. {result.due}" if result.window_start else f"{result.due}"
    return f"{t('期限', 'due')} {when}"


_EVERY = {
    Recurrence.YEAR_END: ("每年年底", "every year-end"),
    Recurrence.HALF_YEAR_END: ("每半年末", "every half-year end"),
    Recurrence.QUARTER_END: ("每季度末", "every quarter end"),
}
MAX_DUE_DATES_SHOWN = 6
"""Most due dates listed one by one; past that, those met are counted and the others listed."""


def due_dates_text(result: DeadlineResult, lang: str = "en") -> str:
    """A recurring deadline's due dates on one line, each with its state (and the date that met
    it): "every year-end 2025-05-01 .. 2026-03-31: 2025-12-31 met (2025-12-20); 2026-12-31
    overdue". A long list counts the due dates met and lists the others."""
    t = _chooser(lang)
    zh, en = _EVERY[result.every] if result.every is not None else ("", "")
    head = f"{t(zh, en)} {result.anchor} .. {result.until or '?'}"
    dues = result.due_dates
    if len(dues) > MAX_DUE_DATES_SHOWN:
        met = sum(1 for d in dues if d.state is DeadlineState.MET)
        others = [d for d in dues if d.state is not DeadlineState.MET]
        listed = [f"{met} met"] if met else []
        listed += [f"{d.due} {d.state.value}" for d in others[:MAX_DUE_DATES_SHOWN]]
        if len(others) > MAX_DUE_DATES_SHOWN:
            listed.append(f"... {len(others) - MAX_DUE_DATES_SHOWN} {t('项', 'more')}")
    else:
        listed = [
            f"{d.due} {d.state.value}" + (f" ({d.event_date})" if d.event_date else "")
            for d in dues
        ]
    return f"{head}: " + "; ".join(listed)


def bracketed_citation(citation: Citation | None, *, style: str, lang: str) -> str:
    """' [art. N]', or nothing for an exclusion no article states (a regulation not in force)."""
    return f" [{cite(citation, style=style, lang=lang)}]" if citation is not None else ""


def assumption_lines(verdict: Verdict, *, lang: str = "en", style: str = "article") -> list[str]:
    """What the verdict rests on beyond observed facts: one line per exception assumed not to
    apply because its facts are unknown, and one naming the judgements (attestations) relied on."""
    t = _chooser(lang)
    lines = []
    if verdict.attestations:
        lines.append(
            f"{t('依据的判断', 'Relies on the judgement that')}: " + ", ".join(verdict.attestations)
        )
    for a in verdict.assumptions:
        where = a.rule_id or t("适用范围", "scope")
        cited = f" [{cite(a.citation, style=style, lang=lang)}]" if a.citation else ""
        unknown = ", ".join(a.missing_facts) or t("事实", "a fact")
        lines.append(
            f"{t('假定例外不适用', 'Exception assumed not to apply')} ({where}): "
            f"{a.reason.get(lang)}{cited} — {t('未说明', 'unknown')}: {unknown}"
        )
    return lines


def _chooser(lang: str) -> Callable[[str, str], str]:
    def choose(zh: str, en: str) -> str:
        return zh if lang == "zh" else en

    return choose


def _table(findings: Sequence[Finding], *, lang: str, style: str) -> list[str]:
    header = (
        f"  {pad('status', 8)} {pad('rule', 34)} {pad('article', 14)} message"
        if lang == "en"
        else f"  {pad('状态', 8)} {pad('规则', 34)} {pad('条款', 14)} 说明"
    )
    rows = [header]
    for f in findings:
        message = f.message.get(lang) if f.message else f.title.get(lang)
        if f.error:
            message = f"{message} ({f.error})"
        rows.append(
            f"  {pad(f.status.value, 8)} {pad(f.rule_id, 34)} "
            f"{pad(cite(f.citation, style=style, lang=lang), 14)} {message}"
        )
    return rows


def _route_label(verdict: Verdict, lang: str) -> str:
    route = verdict.route
    return route.label.get(lang) if route is not None and route.label is not None else "—"


def render_markdown(verdict: Verdict, *, lang: str = "en", style: str = "article") -> str:
    """A Markdown report: headline, then a table of every finding with its quote."""
    rows = [
        f"## {verdict.jurisdiction.get(lang)}: {status_word(verdict.status, lang)}",
        "",
        f"- source: {verdict.source.title}"
        + (f" ({verdict.source.number})" if verdict.source.number else ""),
        f"- in scope: {verdict.in_scope}",
        f"- route: {_route_label(verdict, lang)}",
        *(f"- {line}" for line in assumption_lines(verdict, lang=lang, style=style)),
        "",
        "| status | rule | article | message | quote |",
        "| --- | --- | --- | --- | --- |",
    ]
    for f in verdict.findings:
        message = (f.message.get(lang) if f.message else f.title.get(lang)).replace("|", "\\|")
        quote = f.citation.quote.replace("|", "\\|")
        rows.append(
            f"| {f.status.value} | `{f.rule_id}` | "
            f"{cite(f.citation, style=style, lang=lang)} | {message} | {quote} |"
        )
    if verdict.deadlines:
        rows += ["", "### " + ("期限" if lang == "zh" else "Deadlines"), ""]
        for d in verdict.deadlines:
            done = f", {d.event_date}" if d.event_date else ""
            rows.append(
                f"- `{d.rule_id}` {d.event.label(lang)}: {d.state.value}, {due_text(d, lang)}"
                f"{done}" + (f"; {due_dates_text(d, lang)}" if d.due_dates else "")
            )
    return printable("\n".join(rows), newlines=True) + "\n"
