"""Run statistics: latency and schedule lag in HDR histograms, differences by class, throughput."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hdrh.histogram import HdrHistogram

MAX_US = 3_600_000_000  # one hour, in microseconds


class Histogram:
    """Microsecond values; percentiles reported in milliseconds.

    Values are counted first (one dict update per request, cheaper than HdrHistogram.record_value in
    Python) and go into the HDR histogram with their counts when the batch is full or when read."""

    BATCH = 4096  # distinct values held before they go into the HDR histogram

    def __init__(self) -> None:
        self._h = HdrHistogram(1, MAX_US, 3)
        self._pending: dict[int, int] = {}

    def _flush(self) -> None:
        record = self._h.record_value
        for value, count in self._pending.items():
            record(value, count)
        self._pending.clear()

    def encode(self) -> bytes:
        self._flush()
        return bytes(self._h.encode())

    def merge(self, encoded: bytes) -> None:
        """Add the values of an encoded histogram (another process's)."""
        self._flush()
        self._h.add(HdrHistogram.decode(encoded))

    def add(self, seconds: float) -> None:
        value = int(seconds * 1_000_000)
        value = 1 if value < 1 else MAX_US if value > MAX_US else value
        pending = self._pending
        pending[value] = pending.get(value, 0) + 1
        if len(pending) >= self.BATCH:
            self._flush()

    def summary(self) -> dict[str, float] | None:
        self._flush()
        if not self._h.get_total_count():
            return None
        out = {f"p{p}": self._h.get_value_at_percentile(p) / 1000 for p in (50, 90, 99)}
        out["max"] = self._h.get_max_value() / 1000
        return out


@dataclass
class Difference:
    """One difference beyond the ignore rules, with the request it belongs to."""

    seq: int
    kind: str
    request: str
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "class": self.kind, "request": self.request, "detail": self.detail}


@dataclass
class Stats:
    """Everything the summary shows."""

    requests: int = 0
    answered: int = 0
    compared: int = 0
    events: int = 0
    bytes_sent: int = 0
    elapsed: float = 0.0
    latency: Histogram = field(default_factory=Histogram)
    lag: Histogram = field(default_factory=Histogram)
    by_class: Counter[str] = field(default_factory=Counter)
    listed: list[Difference] = field(default_factory=list)
    max_listed: int = 200
    timed: bool = False

    def differ(self, seq: int, kind: str, request: str, detail: str) -> None:
        self.by_class[kind] += 1
        if len(self.listed) < self.max_listed:
            self.listed.append(Difference(seq, kind, request, detail))

    @property
    def differences(self) -> int:
        return sum(self.by_class.values())

    def export(self) -> dict[str, Any]:
        """Everything, as plain data, for the parent of a --processes run."""
        return {
            "counts": [self.requests, self.answered, self.compared, self.events, self.bytes_sent],
            "elapsed": self.elapsed,
            "latency": self.latency.encode(),
            "lag": self.lag.encode(),
            "by_class": dict(self.by_class),
            "listed": self.listed,
        }

    def merge(self, data: dict[str, Any]) -> None:
        """Add another process's export: sums, histograms, differences (listed in request order)."""
        for name, value in zip(
            ("requests", "answered", "compared", "events", "bytes_sent"), data["counts"], strict=True
        ):
            setattr(self, name, getattr(self, name) + value)
        self.elapsed = max(self.elapsed, data["elapsed"])
        self.latency.merge(data["latency"])
        self.lag.merge(data["lag"])
        self.by_class.update(data["by_class"])
        self.listed = sorted(self.listed + data["listed"], key=lambda d: d.seq)[: self.max_listed]

    def to_json(self) -> dict[str, Any]:
        rps = self.requests / self.elapsed if self.elapsed else 0.0
        return {
            "requests": self.requests,
            "answered": self.answered,
            "compared": self.compared,
            "events": self.events,
            "bytes_sent": self.bytes_sent,
            "seconds": round(self.elapsed, 3),
            "requests_per_second": round(rps, 1),
            "latency_ms": self.latency.summary(),
            "schedule_lag_ms": self.lag.summary() if self.timed else None,
            "differences": self.differences,
            "differences_by_class": dict(self.by_class),
            "listed": [d.to_json() for d in self.listed],
            "not_listed": self.differences - len(self.listed),
        }
