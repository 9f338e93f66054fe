"""The reports of a pytest session, in one object: the vendor profile, the collector, the report files.

reporting = Reporting.start(target, cases, fail_on="must", report_dir=Path("out"), vendor_profile=None)
engine.listeners.append(reporting.collector)
result = suite.run(case, variant)   # the next case variant of the session's Engine.execute run
reporting.verdict(result)          # the collector's verdict of it: waived / stale / expired applied
reporting.case_text(result)        # its plain-text account (reports/text.py), as JUnit shows it
reporting.finish()                 # writes the report files, returns them
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from hec_conformance.reports.collect import CaseInfo, Collector, Results
from hec_conformance.reports.files import write_reports
from hec_conformance.reports.terminal import requirements_line, summary_table
from hec_conformance.reports.text import case_text
from hec_conformance.results import CaseFinished
from hec_conformance.target import Target
from hec_conformance.verdict import Verdict
from hec_conformance.waivers import VendorProfile, beside, load_vendor_profile

NOT_APPLICABLE = "n/a"  # the level of a case whose requirements do not apply in the target's profile
NOT_APPLICABLE_NOTE = (
    "level n/a: the area's requirements do not apply in profile {profile}; its cases are unsupported here"
)


@dataclass
class Reporting:
    """The collector of one run, the vendor profile it applies, and where its files go."""

    collector: Collector
    report_dir: Path | None = None

    @classmethod
    def start(
        cls,
        target: Target,
        cases: Iterable[CaseInfo],
        *,
        fail_on: str,
        report_dir: str | Path | None,
        vendor_profile: str | Path | None,
        catalogue: Mapping[str, Any] | None = None,
    ) -> Reporting:
        """Load the vendor profile (the given file, else the one beside the target file) and set up.

        Raises VendorProfileError for a profile that cannot be used.
        """
        cases = list(cases)
        path = Path(vendor_profile) if vendor_profile else (beside(target.source) if target.source else None)
        profile: VendorProfile | None = None
        if path is not None:
            if catalogue is None:
                from hec_conformance.catalogue import load_catalogue

                catalogue = load_catalogue()
            profile = load_vendor_profile(path, requirement_ids=catalogue, case_ids=[c.id for c in cases])
        collector = Collector(
            cases=cases,
            vendor_profile=profile,
            fail_on=fail_on,
            secrets=target.secrets(),
            catalogue=catalogue,
        )
        return cls(collector, Path(report_dir) if report_dir else None)

    def verdict(self, result: CaseFinished) -> Verdict:
        """The reported outcome of a case variant the collector heard finish (the vendor profile applied)."""
        return self.collector.verdict_of(result.case_id, result.variant)

    def case_text(self, result: CaseFinished, line: int = 0) -> str:
        """The plain-text account of a finished case variant (`line`: the case's line in its file)."""
        return case_text(self.collector.record(result.case_id, result.variant), line)

    def document(self) -> Results:
        """The results document so far."""
        return self.collector.document()

    def table_text(self, markup: bool) -> str:
        """The areas x levels table, then the requirements failed checks count against, as text for
        another writer's terminal (ANSI colours if `markup`).

        Empty when this process ran no case (the pytest-xdist controller: its workers run them).
        """
        if not self.collector.records:
            return ""
        out = io.StringIO()
        width = shutil.get_terminal_size().columns
        console = Console(file=out, force_terminal=markup, no_color=not markup, width=width)
        doc = self.document()
        console.print(summary_table(doc))
        console.print(requirements_line(doc))
        if any(row["level"] == NOT_APPLICABLE for row in doc["areas"]):
            console.print(NOT_APPLICABLE_NOTE.format(profile=doc["target"]["profile"]))
        return out.getvalue()

    def finish(self) -> list[Path]:
        """Write every report file into the report directory (none without one); return their paths."""
        if self.report_dir is None:
            return []
        return write_reports(self.document(), self.report_dir)
