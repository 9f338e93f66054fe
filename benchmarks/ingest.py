"""Benchmarks 1 and 6: ingest under wrk, the reference server against the bare app, interleaved."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass
from typing import Any

from .bodies import make_body
from .servers import Running, cpu_seconds, wait_idle
from .wrk import WrkResult, run_wrk

__all__ = ["Scenario", "Measured", "measure", "INGEST_SCENARIOS", "SCALING_SCENARIOS", "WORKER_SCENARIOS"]

EVENT_PATH = "/services/collector/event"


@dataclass(frozen=True)
class Scenario:
    """One load: body kind, events per request, gzip, connections; reference server processes."""

    kind: str
    events: int
    gzip: bool
    connections: int
    workers: int = 1

    @property
    def name(self) -> str:
        processes = f" workers {self.workers}" if self.workers > 1 else ""
        return f"{self.kind} x{self.events} {'gzip' if self.gzip else 'plain'} c{self.connections}{processes}"


INGEST_SCENARIOS = [Scenario(kind, 100, gz, 64) for kind in ("kv", "object") for gz in (False, True)]
SCALING_SCENARIOS = [Scenario("kv", n, False, 64) for n in (1, 10, 1000)] + [
    Scenario("kv", 100, False, c) for c in (1, 8, 256)
]
"""With the 100-event, 64-connection run of INGEST_SCENARIOS these make the two scaling curves."""
WORKER_SCENARIOS = [Scenario(kind, 100, False, 64, workers=2) for kind in ("kv", "object")]
"""``--workers 2`` (benchmarks/no-ack.yaml), to set beside the one-process rows of INGEST_SCENARIOS."""


@dataclass(frozen=True)
class Side:
    """One server's figures for one scenario (the median run when there were several)."""

    requests_per_s: float
    events_per_s: float
    mb_per_s: float  # request body bytes as sent
    p50_ms: float
    p99_ms: float
    errors: int
    non_2xx: int
    cpu_us_per_event: float  # the server's CPU (all processes and threads) per event: contention aside


@dataclass(frozen=True)
class Measured:
    scenario: Scenario
    reference: Side
    baseline: Side
    peer: Side | None = None  # Fluent Bit, when FLUENT_BIT names it

    @property
    def ratio(self) -> float:
        return self.reference.events_per_s / self.baseline.events_per_s if self.baseline.events_per_s else 0.0

    def to_json(self) -> dict[str, Any]:
        doc = {
            "scenario": asdict(self.scenario),
            "name": self.scenario.name,
            "reference": asdict(self.reference),
            "baseline": asdict(self.baseline),
            "ratio_events": round(self.ratio, 4),
        }
        if self.peer is not None:
            doc["peer"] = asdict(self.peer)
            doc["ratio_peer"] = round(self.reference.events_per_s / max(self.peer.events_per_s, 1e-9), 4)
        return doc


def _side(runs: list[tuple[WrkResult, float]], events: int, body_bytes: int) -> Side:
    """The median run by requests/s; CPU per event over all runs."""
    cpu = sum(seconds for _, seconds in runs) / max(sum(r.requests for r, _ in runs) * events, 1)
    run = sorted((r for r, _ in runs), key=lambda r: r.rps)[len(runs) // 2]
    return Side(
        requests_per_s=round(run.rps, 1),
        events_per_s=round(run.rps * events, 1),
        mb_per_s=round(run.rps * body_bytes / 1e6, 2),
        p50_ms=round(run.p50_ms, 2),
        p99_ms=round(statistics.median(r.p99_ms for r, _ in runs), 2),
        errors=sum(r.errors for r, _ in runs),
        non_2xx=sum(r.status_errors for r, _ in runs),
        cpu_us_per_event=round(cpu * 1e6, 2),
    )


def measure(
    scenario: Scenario,
    reference: Running,
    baseline: Running,
    *,
    seconds: float,
    rounds: int,
    peer: Running | None = None,
) -> Measured:
    """``rounds`` wrk runs on each server, alternating baseline, reference and (if given) the peer."""
    body = make_body(scenario.kind, scenario.events, gzip_it=scenario.gzip)
    servers = [("baseline", baseline), ("reference", reference)] + ([("peer", peer)] if peer else [])
    runs: dict[str, list[tuple[WrkResult, float]]] = {name: [] for name, _ in servers}
    for _ in range(rounds):
        for name, server in servers:
            wait_idle(*(running for _, running in servers))
            before = cpu_seconds(server.pid)
            result = run_wrk(
                server.url + EVENT_PATH,
                body.data,
                token=server.token,
                gzip=scenario.gzip,
                connections=scenario.connections,
                seconds=seconds,
            )
            runs[name].append((result, cpu_seconds(server.pid) - before))
    return Measured(
        scenario,
        reference=_side(runs["reference"], scenario.events, len(body.data)),
        baseline=_side(runs["baseline"], scenario.events, len(body.data)),
        peer=_side(runs["peer"], scenario.events, len(body.data)) if peer else None,
    )
