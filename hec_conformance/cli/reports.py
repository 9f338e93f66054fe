"""`hecc report` and `hecc compare`: render again from results.json, and compare two runs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console

from hec_conformance.cli.errors import EXIT_NONCONFORMANCE, EXIT_OK, CliError
from hec_conformance.reports.collect import Results
from hec_conformance.reports.compare import compare, render_compare
from hec_conformance.reports.files import write_badges, write_reports, write_text
from hec_conformance.reports.html import render_html
from hec_conformance.reports.json_results import ResultsError, load_results
from hec_conformance.reports.junit import render_junit
from hec_conformance.reports.terminal import render_terminal

REPORT_EPILOG = """\
examples:
  hecc report out/results.json --html report.html
  hecc report out/results.json --dir again/        # every file hecc run --report-dir writes
  hecc report out/results.json                     # the terminal summary only

exit codes: 0 rendered; 2 the results file is missing or invalid, or an output cannot be written
"""
COMPARE_EPILOG = """\
Lists every case variant whose outcome or case content changed, regressions first (then fixed,
case changed, now unsupported, now supported, added, removed).

exit codes: 0 no regression; 1 at least one regression; 2 a results file is missing or invalid
"""


def _results(path: str) -> Results:
    try:
        return load_results(path)
    except ResultsError as exc:
        raise CliError(str(exc)) from None


def _write(args: argparse.Namespace, doc: Results) -> list[Path]:
    """The report files asked for, written."""
    written = []
    try:
        if args.dir:
            written += write_reports(doc, Path(args.dir))
        if args.html:
            written.append(write_text(Path(args.html), render_html(doc)))
        if args.junit:
            written.append(write_text(Path(args.junit), render_junit(doc)))
        if args.badges:
            written += write_badges(doc, Path(args.badges))
    except OSError as exc:
        raise CliError(f"{exc.filename}: cannot write ({exc.strerror})") from None
    return written


def cmd_report(args: argparse.Namespace) -> int:
    """Render report files (or the terminal summary) again from a results.json."""
    doc = _results(args.results)
    written = _write(args, doc)
    if not written or args.terminal:
        render_terminal(doc, Console())
    for path in written:
        print(f"wrote {path}", file=sys.stderr)
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    """Print what changed from run A to run B; exit 1 on any regression."""
    a, b = _results(args.a), _results(args.b)
    changes = compare(a, b)
    sys.stdout.write(render_compare(a, b, changes, (args.a, args.b)))
    return EXIT_NONCONFORMANCE if any(c.kind == "regression" for c in changes) else EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `report` and `compare` to the `hecc` subcommands."""
    fmt = argparse.RawDescriptionHelpFormatter
    report = sub.add_parser(
        "report",
        formatter_class=fmt,
        epilog=REPORT_EPILOG,
        help="render reports again from a results.json (HTML, JUnit, badges, terminal)",
        description="Render report files again from a results.json written by "
        "`hecc run --report-dir` (docs/results.md). Nothing is re-run.",
    )
    report.add_argument("results", metavar="RESULTS_JSON")
    report.add_argument("--html", metavar="FILE", help="write the self-contained HTML report")
    report.add_argument("--junit", metavar="FILE", help="write JUnit XML")
    report.add_argument("--badges", metavar="DIR", help="write badge-{must,should,may}.json")
    report.add_argument("--dir", metavar="DIR", help="write every report file (as hecc run --report-dir)")
    report.add_argument("--terminal", action="store_true", help="also print the terminal summary")
    report.set_defaults(func=cmd_report)
    comp = sub.add_parser(
        "compare",
        formatter_class=fmt,
        epilog=COMPARE_EPILOG,
        help="what changed between two results.json files (regressions first)",
        description="Compare two runs, A (before) and B (after).",
    )
    comp.add_argument("a", metavar="A_JSON")
    comp.add_argument("b", metavar="B_JSON")
    comp.set_defaults(func=cmd_compare)
