"""`hecc run`: the corpus against a target through pytest, in this process (front end 1 does the work)."""

from __future__ import annotations

import argparse
import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from hec_conformance.cli.errors import (
    EXIT_CODES,
    EXIT_HARNESS,
    EXIT_NONCONFORMANCE,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
)
from hec_conformance.cli.inputs import target_file
from hec_conformance.cli.server import probe, reference_server
from hec_conformance.verdict import FAIL_ON, Outcome, failing_mismatches

if TYPE_CHECKING:
    from hec_conformance.pytest.tally import Tally

ENTRY_POINT = "hec_conformance.pytest.plugin"  # the pytest11 plugin, loaded by name when autoload is off


def exit_code(pytest_rc: int, tally: Tally, fail_on: str) -> int:
    """The exit code of a run from pytest's and the reported outcomes."""
    if pytest_rc in (2, 4, 5):  # interrupted / collection errors, usage error, nothing collected
        return EXIT_USAGE
    counts = tally.counts()
    if pytest_rc == 3 or counts[Outcome.ERROR] or tally.unexplained:
        return EXIT_HARNESS
    if any(counts[o] for o in failing_mismatches(fail_on)):
        return EXIT_NONCONFORMANCE
    return EXIT_OK


def pytest_args(args: argparse.Namespace, target: Path, cases_dir: Path) -> list[str]:
    """The pytest command line of `hecc run` (the options after `--` last)."""
    argv = [str(cases_dir), "-c", os.devnull, "--rootdir", str(cases_dir.parent), "-p", "no:cacheprovider"]
    argv += [
        "-rfE",
        "--hec-target",
        str(target),
        "--hec-fail-on",
        args.fail_on,
        "--hec-cases",
        str(cases_dir),
    ]
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        argv += ["-p", ENTRY_POINT]
    chosen = (
        ("--hec-profile", args.profile),
        ("--hec-level", args.level),
        ("--hec-req", args.req),
        ("--hec-report-dir", args.report_dir),
        ("--hec-vendor-profile", args.vendor_profile),
    )
    for flag, value in chosen:
        if value:
            argv += [flag, value]
    return argv + list(args.pytest_args)


def cmd_run(args: argparse.Namespace) -> int:
    """Run the suite in-process with pytest; start the reference server when no target is given."""
    import pytest

    from hec_conformance.corpus import default_cases_dir
    from hec_conformance.pytest.progress import PytestProgress
    from hec_conformance.pytest.tally import Tally

    cases_dir = Path(args.cases or default_cases_dir()).resolve()
    if not cases_dir.is_dir():
        raise CliError(f"--cases {cases_dir}: not a directory")
    with contextlib.ExitStack() as stack:
        if args.target:
            path = Path(args.target)
        else:
            path = stack.enter_context(reference_server(args.profile or "humio", args.all_caps))
        probe(target_file(path).url)
        tally = Tally()
        rc = int(pytest.main(pytest_args(args, path, cases_dir), plugins=[tally, PytestProgress()]))
    return exit_code(rc, tally, args.fail_on)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`hecc run`."""
    run = sub.add_parser(
        "run",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EXIT_CODES + "\nexamples:\n  hecc run\n"
        "  hecc run --target prod.yaml --fail-on should -- -m must -k kv -n 2\n",
        help="run the case corpus against a target (default: the bundled reference server)",
        description="Run every case against the target through pytest. Without --target the bundled "
        "reference server is started on a free loopback port with a temporary store and "
        "stopped at the end. Options after `--` go to pytest (-k, -m, -x, -n, --junitxml ...).",
    )
    run.add_argument("--target", metavar="FILE", help="target file (docs/targets.md); see `hecc target init`")
    run.add_argument(
        "--profile",
        choices=["humio", "splunk"],
        help="profile (overrides the target file's; default humio for the bundled server)",
    )
    run.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default="must",
        help="lowest level whose breach counts as non-conformance (default must)",
    )
    run.add_argument("--level", choices=FAIL_ON, help="run only cases at this level or stricter")
    run.add_argument("--req", metavar="IDS", help="run only cases of these requirement ids (TIME-1,AUTH)")
    run.add_argument("--cases", metavar="DIR", help="case directory (default: the bundled corpus)")
    run.add_argument(
        "--all-caps",
        "--config-all-caps",
        dest="all_caps",
        action="store_true",
        help="bundled server only: use configs/suite-all-caps.yaml (query-string-auth, "
        "basic-auth, change-repo-on-events)",
    )
    run.add_argument(
        "--report-dir",
        metavar="DIR",
        help="write results.json, junit.xml, report.html and badges here (docs/results.md)",
    )
    run.add_argument(
        "--vendor-profile",
        metavar="FILE",
        help="known deviations: covered failures are waived (docs/vendor-profiles.md; default "
        "<target>.vendor-profile.yaml beside the target file, if any)",
    )
    run.add_argument("pytest_args", nargs=argparse.REMAINDER, help="after `--`: options passed to pytest")
    run.set_defaults(func=cmd_run)
