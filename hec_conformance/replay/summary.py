"""The end-of-run summary (terminal, via rich) and the progress bar."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hec_conformance.replay.stats import Stats


def progress_bar(console: Console) -> Progress:
    """Requests done out of the capture's total."""
    return Progress(
        TextColumn("replay"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.speed} req/s"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def _ms(values: dict[str, float] | None) -> str:
    if not values:
        return "-"
    return "  ".join(f"{k} {v:.2f}" for k, v in values.items())


def _throughput(answered: int, data: dict[str, Any]) -> str:
    if not answered:  # nothing came back: a rate would only say how fast requests failed
        return f"- (no answers, over {data['seconds']} s)"
    return f"{data['requests_per_second']} requests/s over {data['seconds']} s"


def print_summary(stats: Stats, console: Console, extra: dict[str, Any] | None = None) -> None:
    """Counts, throughput, latency percentiles, differences by class, then each listed difference."""
    data = stats.to_json()
    table = Table(show_header=False, box=None, pad_edge=False)
    rows = [
        (
            "requests",
            f"{stats.requests} sent, {stats.answered} answered, {stats.compared} compared "
            "with a recorded answer",
        ),
        ("events", str(stats.events) if stats.events else "- (count known with --mark)"),
        ("throughput", _throughput(stats.answered, data)),
        ("latency ms", _ms(data["latency_ms"])),
        ("schedule |sent - due| ms", _ms(data["schedule_lag_ms"])),
    ]
    rows += [(k, str(v)) for k, v in (extra or {}).items()]
    rows.append(("differences", ", ".join(f"{k} {v}" for k, v in sorted(stats.by_class.items())) or "none"))
    for name, value in rows:
        table.add_row(f"[bold]{name}[/bold]", value)
    console.print(table)
    for diff in stats.listed:
        console.print(
            f"  #{diff.seq} [red]{diff.kind}[/red] {diff.request}: {diff.detail}",
            markup=True,
            highlight=False,
        )
    if data["not_listed"]:
        console.print(f"  ... and {data['not_listed']} more")
