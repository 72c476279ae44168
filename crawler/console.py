"""The crawl report on a terminal (`ogi crawl`, `ogi health`): rich markup, a block per
portal, one line per fact, so that a log or a pipe keeps each line whole. The report itself
is made by crawler/report.py."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

PARTS = [
    ("pages", "list pages"),
    ("details", "detail pages"),
    ("attachments", "attachments"),
    ("documents", "report documents"),
    ("reports", "reports archived"),
    ("stored", "files stored"),
    ("not_modified", "unchanged (304)"),
]
EVENTS = ["new", "changed", "moved", "removed"]


def health_lines(name: str, fig: dict) -> list[str]:
    """One portal's health, as rich markup lines that read at any width."""
    family = fig.get("family_detected")
    head = f"[bold]{escape(name)}[/]" + (f" [dim]({escape(family)}, detected)[/]" if family else "")
    out = [head]
    parts = [
        f"{fig[k]} {label}"
        for k, label in PARTS
        if k in fig and (fig[k] or k in ("documents", "reports"))
    ]
    out.append("  " + " · ".join(parts))
    events = [f"{fig[k]} {k}" for k in EVENTS if fig.get(k)]
    if events:
        out.append("  events: " + " · ".join(events))
    problems = dict(fig.get("errors", {}))
    for k in ("blocked", "robots_denied", "offsite"):
        if fig.get(k):
            problems[k] = fig[k]
    if problems:
        out.append(
            "  [yellow]not fetched or refused:[/] "
            + " · ".join(f"{escape(k)} {v}" for k, v in sorted(problems.items()))
        )
    for e in fig.get("lists", []):
        if e["found"] < e["declared"]:
            n = e["declared"] - e["found"]
            out.append(
                f"  [yellow]list short by {n} {e['unit'][:-1] if n == 1 else e['unit']}:[/] "
                f"{escape(e['column'])} ({escape(e['kind'])}): {e['declared']} declared, "
                f"{e['found']} found"
            )
    if fig.get("incomplete"):
        out.append(
            f"  [yellow]list not read to its end[/] ({escape(fig['incomplete'])}): "
            "no report concluded removed"
        )
    if fig.get("robots_unreachable"):
        why = fig.get("note") or fig["robots_unreachable"]
        out.append(f"  [yellow]robots_unreachable:[/] {escape(why)}")
    if fig.get("alert"):
        out.append(f"  [bold red]ALERT[/] {escape(fig['alert'])}")
    return out


def print_report(report: dict, console: Console | None = None) -> None:
    # one line per fact: a log or a pipe keeps each line whole (a terminal wraps it itself)
    console = console or Console(highlight=False, soft_wrap=True)
    portals = report.get("portals", {})
    alerts = len(report.get("alerts", []))
    console.print(
        f"[bold]crawl {report.get('crawl_id')}[/] · {report.get('status')} · "
        f"{len(portals)} portal(s), {report.get('reached', len(portals))} answered"
        + (f" · [bold red]{alerts} alert(s)[/]" if alerts else "")
    )
    for name, fig in portals.items():
        for line in health_lines(name, fig):
            console.print(line)
    t = report.get("totals", {})
    if len(portals) > 1 and t:
        console.print(
            "[bold]total[/]: "
            + " · ".join(f"{t.get(k, 0)} {label}" for k, label in PARTS if k in t)
            + "; "
            + " · ".join(f"{t.get(k, 0)} {k}" for k in EVENTS)
        )
    for node, n in report.get("nodes", {}).items():
        line = (
            f"[bold]node[/] {escape(node)}: {n['portals']} portals, {n['captures']} "
            f"captures merged from {n['merged']} of {n['jobs']} job(s)"
        )
        console.print(line)
        for f in n.get("failed_jobs", []):
            console.print(f"  [yellow]shard {f['shard']} failed here:[/] {escape(f['why'] or '')}")
        if n.get("failed"):
            console.print(f"  [bold red]NODE FAILED[/] {escape(n['failed'])}")
    if report.get("wacz"):
        console.print(f"[dim]WACZ: {escape(report['wacz'])} (in the archive directory)[/]")
