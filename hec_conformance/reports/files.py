"""The report files of one run, written from its results document."""

from __future__ import annotations

from pathlib import Path

from hec_conformance.reports.badges import render_badges
from hec_conformance.reports.collect import Results
from hec_conformance.reports.html import render_html
from hec_conformance.reports.json_results import render_json
from hec_conformance.reports.junit import render_junit

RESULTS_FILE, JUNIT_FILE, HTML_FILE = "results.json", "junit.xml", "report.html"


def write_text(path: Path, text: str) -> Path:
    """Write `text` to `path` (UTF-8), creating its directory. A lone surrogate (a read-back event may
    hold one) is written as its backslash escape (valid in JSON and
    in the embedded script) rather than failing the whole file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8", errors="backslashreplace")
    return path


def write_badges(doc: Results, directory: Path) -> list[Path]:
    """badge-must.json, badge-should.json and badge-may.json in `directory`."""
    return [write_text(directory / name, render_json(badge)) for name, badge in render_badges(doc).items()]


def write_reports(doc: Results, directory: Path) -> list[Path]:
    """Write results.json, junit.xml, report.html and one badge per level into `directory`."""
    files = [
        write_text(directory / RESULTS_FILE, render_json(doc)),
        write_text(directory / JUNIT_FILE, render_junit(doc)),
        write_text(directory / HTML_FILE, render_html(doc)),
    ]
    return files + write_badges(doc, directory)
