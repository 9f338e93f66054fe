"""Badges in the shields.io endpoint format (https://shields.io/badges/endpoint-badge), one per level."""

from __future__ import annotations

from hec_conformance.reports.collect import Results
from hec_conformance.verdict import LEVELS, Outcome

SHIELDS_SCHEMA_VERSION = 1


def _badge(doc: Results, level: str) -> dict[str, object]:
    cases = [c for c in doc["cases"] if c["level"] == level and c["outcome"] != Outcome.UNSUPPORTED]
    passed = sum(c["outcome"] == Outcome.PASS for c in cases)
    waived = sum(c["outcome"] == Outcome.WAIVED for c in cases)
    broken = len(cases) - passed - waived
    message = f"{passed}/{len(cases)} pass" + (f", {waived} waived" if waived else "")
    if not cases:
        color, message = "lightgrey", "no cases"
    elif broken:
        color = "red" if level == "MUST" else "orange" if level == "SHOULD" else "yellow"
    else:
        color = "green" if waived else "brightgreen"
    profile = doc["target"]["profile"] or "?"
    return {
        "schemaVersion": SHIELDS_SCHEMA_VERSION,
        "label": f"HEC {level} ({profile})",
        "message": message,
        "color": color,
    }


def render_badges(doc: Results) -> dict[str, dict[str, object]]:
    """File name -> badge JSON object: badge-must.json, badge-should.json, badge-may.json."""
    return {f"badge-{level.lower()}.json": _badge(doc, level) for level in LEVELS}
