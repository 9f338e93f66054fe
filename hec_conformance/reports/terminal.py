"""The terminal: a progress bar while the run goes, then the summary table and every failure (rich)."""

from __future__ import annotations

import json
from types import TracebackType
from typing import Any

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from hec_conformance.reports.collect import Results
from hec_conformance.reports.text import (
    case_name,
    diff_line,
    failed_checks,
    unchecked_lines,
    waiver_line,
    wire_lines,
)
from hec_conformance.results import CaseFinished, ResultEvent
from hec_conformance.verdict import MISMATCHES, Outcome, failing_outcomes

SHORT = {Outcome.UNSUPPORTED: "unsup."}
STYLE = {
    Outcome.PASS: "green",
    Outcome.FAIL: "bold red",
    Outcome.WARN: "yellow",
    Outcome.INFO: "cyan",
    Outcome.UNSUPPORTED: "dim",
    Outcome.WAIVED: "magenta",
    Outcome.ERROR: "bold red",
}


class ProgressBar:
    """A listener drawing a progress bar of case variants (a context manager: the bar ends with it)."""

    def __init__(self, console: Console, total: int | None) -> None:
        self._progress = Progress(
            TextColumn("[bold]HEC conformance"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failed]} failing"),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=console,
            transient=True,
        )
        self._task = self._progress.add_task("", total=total, failed=0)
        self._failed = 0

    def __enter__(self) -> ProgressBar:
        self._progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._progress.stop()

    def __call__(self, event: ResultEvent) -> None:
        if isinstance(event, CaseFinished):
            self._failed += event.outcome in (Outcome.FAIL, Outcome.ERROR)
            self._progress.update(
                self._task, advance=1, failed=self._failed, description=f"{event.case_id}[{event.variant}]"
            )


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _counts_row(counts: dict[str, int]) -> list[Text]:
    return [Text(str(counts[o]), style=STYLE[o] if counts[o] else "dim") for o in Outcome]


def summary_table(doc: Results) -> Table:
    """Areas x levels with the count of every outcome, and a total row."""
    table = Table(box=box.SIMPLE_HEAD, title="Outcomes by area and level", title_justify="left")
    table.add_column("area")
    table.add_column("level")
    for outcome in Outcome:
        table.add_column(SHORT.get(outcome, outcome), justify="right")
    for row in doc["areas"]:
        table.add_row(Text(row["area"]), row["level"], *_counts_row(row["counts"]))
    table.add_section()
    table.add_row(Text("total", style="bold"), "", *_counts_row(doc["counts"]))
    return table


def _headline(doc: Results) -> Text:
    verdict, target = doc["verdict"], doc["target"]
    text = Text()
    text.append(f"{target['url']} ({target['profile']}) ")
    if verdict["conforms"]:
        text.append(f"CONFORMS at --fail-on {verdict['fail_on']}", style="bold green")
    else:
        text.append(
            f"DOES NOT CONFORM at --fail-on {verdict['fail_on']}: {verdict['failing']} failing",
            style="bold red",
        )
    text.append(
        f"  ({len(doc['cases'])} case variants, {doc['duration_s']:.1f} s, suite {doc['suite']['version']})"
    )
    for key, label in (
        ("waived", "waived"),
        ("stale_waivers", "stale waiver(s)"),
        ("expired_waivers", "expired waiver(s)"),
    ):
        if verdict[key]:
            text.append(f"; {verdict[key]} {label}", style="magenta")
    return text


def failure_panel(case: dict[str, Any], titles: dict[str, str]) -> Panel:
    """One failing case: its requirements (with titles), the field diff, then request and response."""
    parts: list[Any] = []
    for rid in case["requirements"]:
        parts.append(Text(f"{rid}: {titles.get(rid, '')}", style="bold"))
    if case["title"]:
        parts.append(Text(case["title"], style="italic"))
    waiver = waiver_line(case)
    if waiver:
        parts.append(Text(waiver, style="magenta"))
    parts += [Text(m) for m in case["messages"]]
    if failed_checks(case):
        diffs = Table(box=box.MINIMAL, show_header=True, padding=(0, 1))
        for column in ("request", "requirements", "part", "path", "expected", "actual", "why"):
            diffs.add_column(column, overflow="fold")
        for d in failed_checks(case):
            diffs.add_row(
                *(
                    Text(v)
                    for v in (
                        str(d["index"]),
                        ", ".join(d["requirements"]),
                        d["part"],
                        d["path"],
                        _json(d["expected"]),
                        _json(d["actual"]),
                        d["reason"],
                    )
                )
            )
        parts.append(diffs)
    parts += [Text(line, style="dim") for line in unchecked_lines(case)]
    parts.append(Text("\n".join(wire_lines(case)), style="dim", overflow="fold"))
    title = Text(f"{case['outcome'].upper()} {case_name(case)} ({case['level'] or '-'}) {case['file']}")
    return Panel(Group(*parts), title=title, title_align="left", border_style=STYLE[Outcome(case["outcome"])])


def requirements_line(doc: Results) -> str:
    """The requirements that failed checks count against, each with its outcomes (issue 10: a case
    fails a requirement only through a check attributed to it), and how many went partly unchecked."""
    broken = []
    unchecked = 0
    for r in doc["requirements"]:
        bad = {o: n for o, n in r["counts"].items() if n and o in (*MISMATCHES, Outcome.ERROR)}
        if bad:
            broken.append(f"{r['id']} ({', '.join(f'{n} {o}' for o, n in bad.items())})")
        unchecked += bool(r["checks"]["not_checked"])
    text = "no requirement has a failed check"
    if broken:
        text = f"requirements with failed checks: {', '.join(broken)}"
    return text + (f"; {unchecked} requirement(s) with checks not made" if unchecked else "")


def render_terminal(doc: Results, console: Console) -> None:
    """The end-of-run summary: headline, the areas x levels table, each failure, notes on warn/info."""
    failing = failing_outcomes(doc["fail_on"])
    titles = {r["id"]: r["title"] for r in doc["requirements"]}
    console.print(summary_table(doc))
    for case in doc["cases"]:
        if case["outcome"] in failing:
            console.print(failure_panel(case, titles))
    for case in doc["cases"]:
        note = waiver_line(case) if case["waiver"] and case["waiver"]["state"] == "stale" else None
        if case["outcome"] in MISMATCHES and case["outcome"] not in failing:
            note = "; ".join(diff_line(d) for d in failed_checks(case)[:3])
        if note:
            console.print(
                Text(
                    f"{case['outcome'].upper():5} {case_name(case)} "
                    f"({', '.join(case['requirements'])}): {note}",
                    style=STYLE[Outcome(case["outcome"])],
                )
            )
    console.print(Text(requirements_line(doc)))
    console.print(_headline(doc))
