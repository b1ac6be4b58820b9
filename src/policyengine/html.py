"""A single self-contained HTML report (no scripts, no network) for a reviewer.

One section per verdict: the headline, the route, findings grouped by stage with the quoted law,
and the deadlines on a timeline.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from html import escape

from .render import (
    assumption_lines,
    bracketed_citation,
    cite,
    deadline_word,
    due_dates_text,
    due_text,
    finding_word,
    printable,
    status_counts,
    status_word,
    summary_lines,
)
from .verdict import DeadlineResult, DeadlineState, Finding, Status, Verdict
from .vocabulary import Stage

CSS = """
body{font-family:system-ui,"Noto Sans CJK SC","PingFang SC",sans-serif;margin:2rem;color:#1b1b1b}
h1{font-size:1.4rem}h2{font-size:1.2rem;margin-top:2.5rem;border-bottom:2px solid #ccc}
h3{font-size:1rem;margin-top:1.2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
td,th{border:1px solid #ddd;padding:.3rem .5rem;vertical-align:top;text-align:left}
th{background:#f4f4f4}.quote{color:#444;font-size:.9rem}
.s-fail{background:#fde2e1}.s-error{background:#fbe3c4}.s-unknown{background:#fff6cc}
.s-pass{background:#e3f4e1}.s-not_applicable{color:#777}
.badge{display:inline-block;padding:.15rem .6rem;border-radius:.8rem;font-weight:600}
.compliant{background:#cdebc9}.non_compliant{background:#f6c3c0}.incomplete{background:#fbe7a1}
.out_of_scope{background:#ddd}
"""
"""The report's style sheet; other HTML renderings (`policyengine.explore`) build on it."""


def render_html(verdicts: Sequence[Verdict], *, lang: str = "en", title: str | None = None) -> str:
    """One HTML page for the verdicts of one or more projects and packs."""
    heading = title or ("合规评估报告" if lang == "zh" else "Compliance report")
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        f"<title>{escape(heading)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(heading)}</h1>",
        _summary(verdicts, lang),
    ]
    parts.extend(_section(v, lang) for v in verdicts)
    parts.append("</body></html>")
    # Control characters are not valid HTML text and would reach a terminal that shows the file.
    return printable("\n".join(parts), newlines=True) + "\n"


def _summary(verdicts: Sequence[Verdict], lang: str) -> str:
    names = {v.project_name or v.project_id or "—" for v in verdicts}
    # One project against several packs names the project once, above the table.
    one = names.pop() if len(names) == 1 else None
    head: tuple[str, ...] = (
        ("辖区", "项目", "结论", "审批方式")
        if lang == "zh"
        else ("jurisdiction", "project", "status", "route")
    )
    head = tuple(h for i, h in enumerate(head) if i != 1 or one is None)
    rows = (
        [f'<p class="project">{"项目" if lang == "zh" else "Project"}: {escape(one)}</p>']
        if one
        else []
    )
    rows.append('<table id="summary"><tr>' + "".join(f"<th>{h}</th>" for h in head) + "</tr>")
    for v in verdicts:
        route = v.route.label.get(lang) if v.route and v.route.label else "—"
        project = "" if one else f"<td>{escape(v.project_name or v.project_id or '—')}</td>"
        rows.append(
            f"<tr><td>{escape(v.jurisdiction.get(lang))}</td>{project}"
            f'<td><span class="badge {v.status.value}">{escape(status_word(v.status, lang))}'
            f"</span></td><td>{escape(route)}</td></tr>"
        )
    rows.append("</table>")
    return "\n".join(rows)


def _section(verdict: Verdict, lang: str) -> str:
    style = verdict.source.citation_style
    out = [
        f'<section class="verdict" data-pack="{escape(verdict.pack_id)}">',
        f"<h2>{escape(verdict.jurisdiction.zh)} {escape(verdict.jurisdiction.en)}: "
        f'<span class="badge {verdict.status.value}">{escape(status_word(verdict.status, lang))}'
        "</span></h2>",
        f"<p>{escape(verdict.source.title)}"
        + (f" ({escape(verdict.source.number)})" if verdict.source.number else "")
        + f" — {'评估日期' if lang == 'zh' else 'as of'} {verdict.as_of}</p>",
        f'<p class="counts">{escape(status_counts(verdict, lang))}</p>',
        *(f'<p class="summary">{escape(line)}</p>' for line in summary_lines(verdict, lang)),
    ]
    if verdict.exclusion is not None:
        out.append(
            f"<p>{'排除' if lang == 'zh' else 'Excluded'}: "
            f"{escape(verdict.exclusion.reason.get(lang))}"
            + escape(bracketed_citation(verdict.exclusion.citation, style=style, lang=lang))
            + "</p>"
        )
    out += [
        f'<p class="assumption">{escape(line)}</p>'
        for line in assumption_lines(verdict, lang=lang, style=style)
    ]
    for decision in verdict.decisions:
        if decision.label is not None:
            approver = f" — {escape(decision.approver.get(lang))}" if decision.approver else ""
            out.append(
                f"<p><b>{escape(decision.title.get(lang))}</b>: "
                f"{escape(decision.label.get(lang))}{approver}</p>"
            )
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for finding in verdict.findings:
        grouped[_stage_of(finding, verdict)].append(finding)
    for stage in [s.value for s in Stage] + ["all"]:
        if stage not in grouped:
            continue
        every = "全部阶段" if lang == "zh" else "all stages"
        label = Stage(stage).label(lang) if stage != "all" else every
        out.append(f"<h3>{escape(label)}</h3>")
        out.append(_findings_table(grouped[stage], style, lang))
    if verdict.deadlines:
        out.append("<h3>" + ("期限" if lang == "zh" else "Deadlines") + "</h3>")
        out.append(_timeline(verdict.deadlines, verdict.as_of, lang))
    out.append("</section>")
    return "\n".join(out)


def _stage_of(finding: Finding, verdict: Verdict) -> str:
    # A duty is shown under the stage it falls due, or the stage evaluated when it has none.
    if finding.due_from is not None:
        return finding.due_from.value
    return verdict.stage.value if verdict.stage is not None else "all"


_ATTENTION = {
    Status.ERROR: 0,
    Status.FAIL: 1,
    Status.UNKNOWN: 2,
    Status.PASS: 3,
    Status.NOT_APPLICABLE: 4,
}
"""The order of a stage's findings: what needs a reviewer's attention first, then pack order."""

_HEAD = ("status", "rule", "article", "message", "law")
_DEADLINE_HEAD = ("rule", "event", "due", "done", "state")


def _findings_table(findings: Sequence[Finding], style: str, lang: str) -> str:
    head = ("状态", "规则", "条款", "说明", "原文") if lang == "zh" else _HEAD
    rows = ["<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>"]
    for f in sorted(findings, key=lambda finding: _ATTENTION[finding.status]):
        message = f.message.get(lang) if f.message else f.title.get(lang)
        if f.status is Status.PASS and f.message is None:
            message = f.title.get(lang)
        rows.append(
            f'<tr class="s-{f.status.value}"><td>{finding_word(f.status, lang)}</td>'
            f"<td><code>{escape(f.rule_id)}</code></td>"
            f"<td>{escape(cite(f.citation, style=style, lang=lang))}</td>"
            f"<td>{escape(message)}</td>"
            f'<td class="quote">{escape(f.citation.quote)}</td></tr>'
        )
    rows.append("</table>")
    return "\n".join(rows)


def _timeline(deadlines: Sequence[DeadlineResult], as_of: dt.date | None, lang: str) -> str:
    dates = [d for r in deadlines for d in (r.anchor, r.window_start, r.due, r.event_date) if d]
    dates += [d.due for r in deadlines for d in r.due_dates]
    if as_of is not None:
        dates.append(as_of)
    if not dates:
        return ""
    start, end = min(dates), max(dates)
    span = max((end - start).days, 1)
    width, row = 900, 28

    def x(day: dt.date) -> float:
        return 20 + (day - start).days / span * (width - 40)

    height = row * (len(deadlines) + 1) + 20
    svg = [
        f'<svg class="timeline" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg" role="img">'
    ]
    for i, r in enumerate(deadlines):
        y = 20 + i * row
        if r.anchor and r.due:
            svg.append(
                f'<line x1="{x(r.anchor):.1f}" y1="{y}" x2="{x(r.due):.1f}" y2="{y}" '
                'stroke="#999" stroke-width="4"/>'
            )
        if r.due:
            svg.append(
                f'<circle cx="{x(r.due):.1f}" cy="{y}" r="5" fill="#c0392b">'
                f"<title>due {r.due}</title></circle>"
            )
        for d in r.due_dates:
            # Each due date of a recurring deadline: a small mark, green once met.
            fill = "#27ae60" if d.state is DeadlineState.MET else "#c0392b"
            svg.append(
                f'<rect x="{x(d.due) - 3:.1f}" y="{y - 9}" width="6" height="6" fill="{fill}">'
                f"<title>due {d.due}: {d.state.value}</title></rect>"
            )
        if r.event_date:
            svg.append(
                f'<circle cx="{x(r.event_date):.1f}" cy="{y}" r="5" fill="#27ae60">'
                f"<title>{escape(r.event.value)} {r.event_date}</title></circle>"
            )
        svg.append(
            f'<text x="{width - 15}" y="{y + 4}" text-anchor="end" font-size="11">'
            f"{escape(r.event.label(lang))}: {escape(deadline_word(r.state, lang))}</text>"
        )
    if as_of is not None:
        svg.append(
            f'<line x1="{x(as_of):.1f}" y1="5" x2="{x(as_of):.1f}" y2="{height - 5}" '
            'stroke="#2c3e50" stroke-dasharray="4"/>'
        )
    svg.append("</svg>")
    head = ("规则", "事项", "期限", "完成", "状态") if lang == "zh" else _DEADLINE_HEAD
    rows = ["<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>"]
    for r in deadlines:
        due = escape(due_text(r, lang))
        if r.due_dates:
            due += f"<br><small>{escape(due_dates_text(r, lang))}</small>"
        rows.append(
            f"<tr><td><code>{escape(r.rule_id)}</code></td>"
            f"<td>{escape(r.event.label(lang))}</td><td>{due}</td>"
            f"<td>{r.event_date or '—'}</td><td>{deadline_word(r.state, lang)}</td></tr>"
        )
    rows.append("</table>")
    return "\n".join(svg) + "\n" + "\n".join(rows)
