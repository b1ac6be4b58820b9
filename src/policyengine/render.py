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


MIN_WRAPPED_COLUMN = 16
"""The narrowest a wrapped column of a text table becomes, however narrow the terminal."""
MIN_LAST_COLUMN = 32
"""A wrapped last column (a message) narrower than this moves below its row instead."""


def columns(
    rows: Sequence[Sequence[str]],
    *,
    max_width: int | None = None,
    wrap: frozenset[int] = frozenset(),
    indent: str = "",
    gap: str = "  ",
    stack_last: bool = False,
) -> list[str]:
    """Rows of cells as aligned text lines, at most `max_width` display columns when it can.

    Cells are measured in display columns (CJK characters take two) and never cut: a column in
    `wrap` (free text) is narrowed, widest first, and its cells continue on following lines;
    the others (ids a reader pastes into another command) keep their full width. When even that
    is too wide (or, with `stack_last`, leaves the last column under `MIN_LAST_COLUMN`), a wrapped
    last column moves below its row, indented. The last column is not
    padded.
    """
    if not rows:
        return []
    count = len(rows[0])
    widths = _fitted(rows, max_width, wrap, width(indent), width(gap))
    last = count - 1
    natural = max(width(row[last]) for row in rows)
    floor = min(natural, MIN_LAST_COLUMN) if stack_last else 0
    roomy = widths is not None and widths[last] >= floor
    if max_width is None or roomy or last not in wrap or count == 1:
        return [line for row in rows for line in _row_lines(row, widths, wrap, indent, gap)]
    # Too narrow for the last column beside the others: it goes below each row.
    heads = [row[:last] for row in rows]
    below = indent + "    "
    head_widths = _fitted(heads, max_width, wrap, width(indent), width(gap))
    lines = []
    for head, row in zip(heads, rows, strict=True):
        lines += _row_lines(head, head_widths, wrap, indent, gap)
        lines += [below + part for part in _wrapped(row[last], max_width - width(below)) if part]
    return lines


def _fitted(
    rows: Sequence[Sequence[str]],
    max_width: int | None,
    wrap: frozenset[int],
    indent: int,
    gap: int,
) -> list[int] | None:
    """Column widths that fit `max_width` by narrowing the wrapped columns; None if none do."""
    count = len(rows[0])
    widths = [max(width(row[i]) for row in rows) for i in range(count)]
    if max_width is None:
        return widths
    excess = indent + sum(widths) + gap * (count - 1) - max_width
    while excess > 0:
        narrowable = [i for i in wrap if i < count and widths[i] > MIN_WRAPPED_COLUMN]
        if not narrowable:
            return None
        widest = max(narrowable, key=lambda i: widths[i])
        others = max([widths[i] for i in narrowable if i != widest] + [MIN_WRAPPED_COLUMN])
        cut = max(1, min(excess, widths[widest] - others, widths[widest] - MIN_WRAPPED_COLUMN))
        widths[widest] -= cut
        excess -= cut
    return widths


def _row_lines(
    row: Sequence[str], widths: list[int] | None, wrap: frozenset[int], indent: str, gap: str
) -> list[str]:
    sizes = widths or [width(cell) for cell in row]
    last = len(row) - 1
    cells = [_wrapped(cell, sizes[i]) if i in wrap else [cell] for i, cell in enumerate(row)]
    lines = []
    for depth in range(max(len(cell) for cell in cells)):
        parts = [cell[depth] if depth < len(cell) else "" for cell in cells]
        text = gap.join(pad(part, sizes[i]) if i < last else part for i, part in enumerate(parts))
        lines.append((indent + text).rstrip())
    return lines


def _wrapped(text: str, size: int) -> list[str]:
    """`text` in lines of at most `size` display columns, broken after a space where one is."""
    lines: list[str] = []
    while width(text) > size:
        cut, used = 0, 0
        for index, ch in enumerate(text):
            used += width(ch)
            if used > size:
                break
            cut = index + 1
        space = text.rfind(" ", 0, cut + 1)
        end = space if space > 0 else max(cut, 1)
        lines.append(text[:end].rstrip())
        text = text[end:].lstrip()
    return [*lines, text]


_FINDING_WORD = {
    Status.PASS: "通过",
    Status.FAIL: "不符合",
    Status.UNKNOWN: "待定",
    Status.NOT_APPLICABLE: "不适用",
    Status.ERROR: "出错",
}
_DEADLINE_WORD = {
    DeadlineState.MET: "按期",
    DeadlineState.LATE: "逾期完成",
    DeadlineState.EARLY: "早于期间",
    DeadlineState.OVERDUE: "已逾期",
    DeadlineState.PENDING: "未到期",
    DeadlineState.UNKNOWN: "待定",
}


def finding_word(status: Status, lang: str = "en") -> str:
    """A finding's status as shown to a reader: the value in English, a word in Chinese."""
    return _FINDING_WORD[status] if lang == "zh" else status.value


def deadline_word(state: DeadlineState, lang: str = "en") -> str:
    """A deadline's state as shown to a reader: the value in English, a word in Chinese."""
    return _DEADLINE_WORD[state] if lang == "zh" else state.value


def status_counts(verdict: Verdict, lang: str = "en") -> str:
    """ "6 pass, 2 fail, 1 unknown" (English) or "通过 6、不符合 2、待定 1" (Chinese)."""
    counts = {s: sum(1 for f in verdict.findings if f.status is s) for s in Status}
    if lang == "zh":
        return "、".join(f"{_FINDING_WORD[s]} {counts[s]}" for s in Status if counts[s])
    return ", ".join(f"{counts[s]} {s.value}" for s in Status if counts[s])


def status_word(status: OverallStatus, lang: str = "en") -> str:
    """The overall status as shown to a reader."""
    zh, en = _STATUS_WORD[status]
    return zh if lang == "zh" else en


def render_text(
    verdict: Verdict,
    *,
    lang: str = "en",
    style: str = "article",
    show_passes: bool = False,
    max_width: int | None = None,
) -> str:
    """A readable plain-text report of one verdict.

    `max_width` (the terminal's width) narrows the findings' messages to fit, continuing them on
    the next lines; rule ids are never cut.
    """
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
    lines.append(status_counts(verdict, lang))
    if shown:
        lines.append("")
        lines.extend(_table(shown, lang=lang, style=style, max_width=max_width))
    summary = summary_lines(verdict, lang)
    if summary:
        lines.append("")
        lines.extend(summary)
    if verdict.deadlines:
        lines.append("")
        lines.append(t("期限", "Deadlines"))
        for d in verdict.deadlines:
            done = f", {t('实际', 'done')} {d.event_date}" if d.event_date else ""
            lines.append(
                f"  {pad(deadline_word(d.state, lang), 8)} {pad(d.event.label(lang), 22)} "
                f"{due_text(d, lang)}{done}"
            )
            if d.due_dates:
                lines.append(f"  {' ' * 8} {due_dates_text(d, lang)}")
    return printable("\n".join(lines), newlines=True)


def summary_lines(verdict: Verdict, lang: str = "en") -> list[str]:
    """The missing documents and the consequences, one line each when there are any."""
    t = _chooser(lang)
    join = "、" if lang == "zh" else ", "
    lines = []
    if verdict.missing_documents:
        missing = join.join(d.label(lang) for d in verdict.missing_documents)
        lines.append(t("缺少文件: ", "Missing documents: ") + missing)
    if verdict.consequences:
        consequences = join.join(c.label(lang) for c in verdict.consequences)
        lines.append(t("后果: ", "Consequences: ") + consequences)
    return lines


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


def _table(
    findings: Sequence[Finding], *, lang: str, style: str, max_width: int | None = None
) -> list[str]:
    header = (
        ["status", "rule", "article", "message"]
        if lang == "en"
        else ["状态", "规则", "条款", "说明"]
    )
    rows = [header]
    for f in findings:
        message = f.message.get(lang) if f.message else f.title.get(lang)
        if f.error:
            message = f"{message} ({f.error})"
        rows.append(
            [
                finding_word(f.status, lang),
                f.rule_id,
                cite(f.citation, style=style, lang=lang),
                message,
            ]
        )
    return columns(rows, max_width=max_width, wrap=frozenset({3}), indent="  ", stack_last=True)


def _route_label(verdict: Verdict, lang: str) -> str:
    route = verdict.route
    return route.label.get(lang) if route is not None and route.label is not None else "—"


def render_markdown(verdict: Verdict, *, lang: str = "en", style: str = "article") -> str:
    """A Markdown report: headline, then a table of every finding with its quote."""
    t = _chooser(lang)
    scope = {True: t("是", "yes"), False: t("否", "no"), None: t("未定", "undecided")}
    project = verdict.project_name or verdict.project_id or t("(未命名项目)", "(unnamed project)")
    stage = verdict.stage.label(lang) if verdict.stage else t("全部阶段", "all stages")
    head = t(
        "| 状态 | 规则 | 条款 | 说明 | 原文 |", "| status | rule | article | message | quote |"
    )
    rows = [
        f"## {verdict.jurisdiction.get(lang)}: {status_word(verdict.status, lang)}",
        "",
        f"- {t('项目', 'project')}: {project}",
        f"- {t('阶段', 'stage')}: {stage}",
        f"- {t('评估日期', 'as of')}: {verdict.as_of}",
        f"- {t('依据', 'source')}: {verdict.source.title}"
        + (f" ({verdict.source.number})" if verdict.source.number else ""),
        f"- {t('适用', 'in scope')}: {scope[verdict.in_scope]}",
        f"- {t('审批方式', 'route')}: {_route_label(verdict, lang)}",
        f"- {t('结果', 'findings')}: {status_counts(verdict, lang)}",
        *(f"- {line}" for line in summary_lines(verdict, lang)),
        *(f"- {line}" for line in assumption_lines(verdict, lang=lang, style=style)),
        "",
        head,
        "| --- | --- | --- | --- | --- |",
    ]
    for f in verdict.findings:
        message = (f.message.get(lang) if f.message else f.title.get(lang)).replace("|", "\\|")
        quote = f.citation.quote.replace("|", "\\|")
        rows.append(
            f"| {finding_word(f.status, lang)} | `{f.rule_id}` | "
            f"{cite(f.citation, style=style, lang=lang)} | {message} | {quote} |"
        )
    if verdict.deadlines:
        rows += ["", "### " + ("期限" if lang == "zh" else "Deadlines"), ""]
        for d in verdict.deadlines:
            done = f", {d.event_date}" if d.event_date else ""
            rows.append(
                f"- `{d.rule_id}` {d.event.label(lang)}: {deadline_word(d.state, lang)}, "
                f"{due_text(d, lang)}"
                f"{done}" + (f"; {due_dates_text(d, lang)}" if d.due_dates else "")
            )
    return printable("\n".join(rows), newlines=True) + "\n"
