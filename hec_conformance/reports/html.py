"""The HTML report: one self-contained file (no network, works from disk) around the results document.

The page (report.html) carries its own CSS and script and a Content-Security-Policy that forbids
every fetch; the results document is embedded as JSON and rendered in the browser.
"""

from __future__ import annotations

import json
from pathlib import Path

from hec_conformance.reports.collect import Results

TEMPLATE = Path(__file__).with_name("report.html")
PLACEHOLDER = "/*__RESULTS__*/"


def render_html(doc: Results) -> str:
    """The report page with `doc` embedded (every `<` escaped, so no text can end the script)."""
    data = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    data = data.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return TEMPLATE.read_text("utf-8").replace(PLACEHOLDER, data, 1)
