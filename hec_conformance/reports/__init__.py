"""Reports a vendor can act on: listeners on the engine's result events and writers of their document.

    collector = Collector(cases=cases, vendor_profile=profile, fail_on="must", secrets=target.secrets())
    engine.listeners.append(collector)
    ... run ...
    write_reports(collector.document(), Path("reports"))   # results.json, junit.xml, report.html, badges

Every writer renders the one results document (docs/results.md); `hecc report results.json` renders
the same files again from JSON.
"""

from __future__ import annotations

from pathlib import Path

from hec_conformance.reports.badges import render_badges
from hec_conformance.reports.collect import REPORTED, Collector, Results, failing_outcomes
from hec_conformance.reports.compare import Change, compare, render_compare
from hec_conformance.reports.html import render_html
from hec_conformance.reports.json_results import ResultsError, load_results, render_json, validate
from hec_conformance.reports.junit import render_junit
from hec_conformance.reports.terminal import ProgressBar, render_terminal

RESULTS_FILE, JUNIT_FILE, HTML_FILE = "results.json", "junit.xml", "report.html"


def write_reports(doc: Results, directory: Path) -> list[Path]:
    """Write results.json, junit.xml, report.html and one badge per level into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {RESULTS_FILE: render_json(doc), JUNIT_FILE: render_junit(doc), HTML_FILE: render_html(doc)}
    files.update({name: render_json(badge) for name, badge in render_badges(doc).items()})
    written = []
    for name, text in files.items():
        path = directory / name
        path.write_text(text, "utf-8")
        written.append(path)
    return written


__all__ = [
    "REPORTED",
    "Change",
    "Collector",
    "ProgressBar",
    "Results",
    "ResultsError",
    "compare",
    "failing_outcomes",
    "load_results",
    "render_badges",
    "render_compare",
    "render_html",
    "render_json",
    "render_junit",
    "render_terminal",
    "validate",
    "write_reports",
]
