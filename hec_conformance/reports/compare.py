"""`hecc compare a.json b.json`: what changed between two runs, regressions first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hec_conformance.reports.collect import Results
from hec_conformance.reports.text import case_name
from hec_conformance.verdict import Outcome

# How bad an outcome is; `unsupported` has no rank (it says nothing about conformance).
BADNESS = {
    Outcome.PASS: 0,
    Outcome.INFO: 1,
    Outcome.WARN: 2,
    Outcome.WAIVED: 3,
    Outcome.FAIL: 4,
    Outcome.ERROR: 5,
}
# Kinds of change, in the order they are listed.
KINDS = ("regression", "fixed", "case changed", "now unsupported", "now supported", "added", "removed")


@dataclass(frozen=True)
class Change:
    """One case variant whose outcome or content differs between run A and run B."""

    kind: str
    name: str
    before: str | None
    after: str | None
    requirements: tuple[str, ...]
    note: str = ""

    def __str__(self) -> str:
        outcomes = f"{self.before or '-'} -> {self.after or '-'}"
        note = f"; {self.note}" if self.note else ""
        return f"{self.kind.upper():16} {self.name}: {outcomes} ({', '.join(self.requirements)}){note}"


def _kind(before: str, after: str) -> str | None:
    if before == after:
        return None
    if after == Outcome.UNSUPPORTED:
        return "now unsupported"
    if before == Outcome.UNSUPPORTED:  # a case that now runs and fails is a regression, not news
        return "regression" if BADNESS[Outcome(after)] >= BADNESS[Outcome.FAIL] else "now supported"
    return "regression" if BADNESS[Outcome(after)] > BADNESS[Outcome(before)] else "fixed"


def _change(a: dict[str, Any] | None, b: dict[str, Any] | None) -> Change | None:
    case = b or a
    assert case is not None
    name, reqs = case_name(case), tuple(case["requirements"])
    if a is None:
        return Change("added", name, None, case["outcome"], reqs)
    if b is None:
        return Change("removed", name, case["outcome"], None, reqs)
    edited = a["content_hash"] != b["content_hash"]
    note = "the case itself changed" if edited else ""
    kind = _kind(a["outcome"], b["outcome"]) or ("case changed" if edited else None)
    return Change(kind, name, a["outcome"], b["outcome"], reqs, note) if kind else None


def compare(a: Results, b: Results) -> list[Change]:
    """Every case variant that differs from A to B: regressions first, then the other kinds (KINDS)."""
    before = {(c["id"], c["variant"]): c for c in a["cases"]}
    after = {(c["id"], c["variant"]): c for c in b["cases"]}
    keys = list(before) + [k for k in after if k not in before]
    changes = [c for c in (_change(before.get(k), after.get(k)) for k in keys) if c is not None]
    return sorted(changes, key=lambda c: (KINDS.index(c.kind), c.name))


def _run_line(label: str, doc: Results) -> str:
    counts = ", ".join(f"{doc['counts'][o]} {o}" for o in Outcome if doc["counts"][o])
    target = doc["target"]
    return (
        f"{label}: {target['url']} ({target['profile']}), suite {doc['suite']['version']}, "
        f"started {doc['started_at']}: {counts}"
    )


def render_compare(
    a: Results, b: Results, changes: list[Change], labels: tuple[str, str] = ("A", "B")
) -> str:
    """The comparison as text: both runs in one line each, then one line per change."""
    lines = [_run_line(labels[0], a), _run_line(labels[1], b)]
    if a["target"]["profile"] != b["target"]["profile"]:
        lines.append(
            f"note: the runs used different profiles ({a['target']['profile']} and "
            f"{b['target']['profile']}); outcomes are not comparable one to one"
        )
    lines += [str(c) for c in changes]
    per_kind = {k: sum(c.kind == k for c in changes) for k in KINDS}
    summary = ", ".join(f"{n} {k}" for k, n in per_kind.items() if n)
    lines.append(summary or "no change")
    return "\n".join(lines) + "\n"
