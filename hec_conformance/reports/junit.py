"""JUnit XML: a testcase per case variant, requirement ids and level as properties, diff in the message."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from itertools import groupby
from typing import Any

from hec_conformance.reports.collect import Results
from hec_conformance.reports.text import case_name, case_text, diff_line, failed_checks, waiver_line
from hec_conformance.verdict import Outcome, failing_mismatches

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    """Text XML 1.0 can hold (control characters as \\xNN)."""
    return _XML_BAD.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _message(case: dict[str, Any]) -> str:
    parts = [waiver_line(case) or ""] + list(case["messages"]) + [diff_line(d) for d in failed_checks(case)]
    return "; ".join(p for p in parts if p)


def _testcase(case: dict[str, Any], failing: frozenset[Outcome]) -> ET.Element:
    el = ET.Element(
        "testcase",
        classname=f"hec.{case['area']}",
        name=case_name(case),
        file=case["file"],
        time=f"{case['duration_ms'] / 1000:.3f}",
    )
    props = ET.SubElement(el, "properties")
    for rid in case["requirements"]:
        ET.SubElement(props, "property", name="requirement", value=rid)
    for rid, outcome in case["requirement_outcomes"].items():  # through the checks attributed to it
        ET.SubElement(props, "property", name="requirement_outcome", value=f"{rid} {outcome}")
    values = [
        ("level", case["level"] or "n/a"),
        ("outcome", case["outcome"]),
        ("engine_outcome", case["engine_outcome"]),
        ("content_hash", case["content_hash"] or ""),
    ]
    if case["waiver"]:
        values.append(("waiver", case["waiver"]["state"]))
    for name, value in values:
        ET.SubElement(props, "property", name=name, value=value)
    outcome = case["outcome"]
    if outcome == Outcome.ERROR or outcome in failing:
        tag = "error" if outcome == Outcome.ERROR else "failure"
        ET.SubElement(el, tag, message=_clean(_message(case)), type=outcome).text = _clean(case_text(case))
    elif outcome in (Outcome.UNSUPPORTED, Outcome.WAIVED):
        ET.SubElement(el, "skipped", message=_clean(f"{outcome}: {_message(case)}"))
    elif outcome != Outcome.PASS:  # warn or info below --fail-on: passes, with the diff kept for the reader
        ET.SubElement(el, "system-out").text = _clean(case_text(case))
    return el


def render_junit(doc: Results) -> str:
    """The JUnit XML text of a results document (one testsuite per area)."""
    failing = failing_mismatches(doc["fail_on"])
    root = ET.Element(
        "testsuites", name=f"hec-conformance {doc['suite']['version']}", time=f"{doc['duration_s']:.3f}"
    )
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for area, group in groupby(sorted(doc["cases"], key=lambda c: c["area"]), key=lambda c: c["area"]):
        cases = list(group)
        counts = {
            "tests": len(cases),
            "failures": sum(c["outcome"] in failing for c in cases),
            "errors": sum(c["outcome"] == Outcome.ERROR for c in cases),
            "skipped": sum(c["outcome"] in (Outcome.UNSUPPORTED, Outcome.WAIVED) for c in cases),
        }
        attributes = {
            "name": f"hec.{area}",
            "timestamp": doc["started_at"],
            "time": f"{sum(c['duration_ms'] for c in cases) / 1000:.3f}",
            **{k: str(v) for k, v in counts.items()},
        }
        suite = ET.SubElement(root, "testsuite", attributes)
        props = ET.SubElement(suite, "properties")
        target = doc["target"]
        for name, value in (
            ("target", target["url"] or ""),
            ("profile", target["profile"] or ""),
            ("fail_on", doc["fail_on"]),
        ):
            ET.SubElement(props, "property", name=name, value=value)
        suite.extend(_testcase(c, failing) for c in cases)
        for key, value in counts.items():
            totals[key] += value
    root.attrib.update({k: str(v) for k, v in totals.items()})
    ET.indent(root, space=" ")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
