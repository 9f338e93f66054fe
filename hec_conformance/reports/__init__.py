"""Reports a vendor can act on: listeners on the engine's result events and writers of their document.

    collector = Collector(cases=cases, vendor_profile=profile, fail_on="must", secrets=target.secrets())
    engine.listeners.append(collector)
    ... run ...
    write_reports(collector.document(), Path("reports"))   # results.json, junit.xml, report.html, badges

Every writer renders the one results document (docs/results.md); `hecc report results.json` renders
the same files again from JSON.
"""

from __future__ import annotations

from hec_conformance.reports.badges import render_badges
from hec_conformance.reports.collect import Collector, Results
from hec_conformance.reports.compare import Change, compare, render_compare
from hec_conformance.reports.files import write_reports
from hec_conformance.reports.html import render_html
from hec_conformance.reports.json_results import ResultsError, load_results, render_json, validate
from hec_conformance.reports.junit import render_junit
from hec_conformance.reports.terminal import ProgressBar, render_terminal

__all__ = [
    "Change",
    "Collector",
    "ProgressBar",
    "Results",
    "ResultsError",
    "compare",
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
