"""`hecc run`: the corpus against a target through pytest, in this process (front end 1 does the work)."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hec_conformance.cli.errors import (
    EXIT_CODES,
    EXIT_HARNESS,
    EXIT_NONCONFORMANCE,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
)
from hec_conformance.cli.inputs import target_file, vendor_profile
from hec_conformance.cli.server import probe, reference_server
from hec_conformance.pytest import DEFAULT_MAX_ERRORS
from hec_conformance.target import Target, TargetError, with_timeout
from hec_conformance.verdict import FAIL_ON, Outcome, failing_mismatches
from hec_conformance.waivers import beside

if TYPE_CHECKING:
    from hec_conformance.pytest.tally import Tally

ENTRY_POINT = "hec_conformance.pytest.plugin"  # the pytest11 plugin, loaded by name when autoload is off


def exit_code(pytest_rc: int, tally: Tally, fail_on: str) -> int:
    """The exit code of a run from pytest's and the reported outcomes: a failing mismatch is
    non-conformance even when other cases errored (or the run stopped early); errors alone are 3."""
    counts = tally.counts()
    if any(counts[o] for o in failing_mismatches(fail_on)):
        return EXIT_NONCONFORMANCE
    if pytest_rc in (4, 5) or (pytest_rc == 2 and not tally.seen):  # usage, nothing collected, bad corpus
        return EXIT_USAGE
    if pytest_rc in (2, 3) or counts[Outcome.ERROR] or tally.unexplained:  # 2: stopped early: incomplete
        return EXIT_HARNESS
    return EXIT_OK


# The pytest options `hecc run` takes without `--`: (flags, argparse keywords).
PYTEST_OPTIONS: tuple[tuple[tuple[str, ...], dict[str, Any]], ...] = (
    (("-k",), {"metavar": "EXPR", "help": "pytest -k: only cases whose name matches EXPR (e.g. kv)"}),
    (("-m",), {"metavar": "EXPR", "help": "pytest -m: only cases with these markers (must, AUTH-1 ...)"}),
    (("-x", "--exitfirst"), {"action": "store_true", "help": "stop at the first failing or erroring case"}),
    (("--maxfail",), {"metavar": "N", "help": "stop after N failing or erroring cases"}),
    (("-n", "--numprocesses"), {"metavar": "N", "help": "run in N processes (pytest-xdist; auto: cores)"}),
    (("-v", "--verbose"), {"action": "count", "default": 0, "help": "more detail (-v: harness tracebacks)"}),
    (("-q", "--quiet"), {"action": "count", "default": 0, "help": "less detail"}),
    (("--tb",), {"metavar": "STYLE", "help": "pytest traceback style (long: harness tracebacks too)"}),
    (("--junitxml",), {"metavar": "FILE", "help": "pytest's JUnit XML (--report-dir writes the suite's)"}),
)


def _dest(flags: tuple[str, ...]) -> str:
    return "pytest_" + flags[-1].lstrip("-")


def _forwarded(args: argparse.Namespace) -> list[str]:
    """The pytest options given to `hecc run` itself, as pytest arguments."""
    out: list[str] = []
    for flags, spec in PYTEST_OPTIONS:
        value = getattr(args, _dest(flags))
        if spec.get("action") == "count":
            out += [flags[0]] * int(value or 0)
        elif spec.get("action") == "store_true":
            out += [flags[0]] if value else []
        elif value is not None:
            out += [flags[0], str(value)]
    return out


def unknown_option_hint(extras: list[str]) -> str:
    """The one-line answer to options `hecc run` does not know."""
    known = " ".join(flags[0] for flags, _ in PYTEST_OPTIONS)
    return (
        f"run: unknown option {' '.join(extras)}; hecc run takes {known} as they are, "
        f"any other pytest option after `--` (hecc run ... -- {' '.join(extras)})"
    )


def pytest_args(args: argparse.Namespace, target: Path, cases_dir: Path) -> list[str]:
    """The pytest command line of `hecc run` (pytest's own options, then those after `--`, last)."""
    argv = [str(cases_dir), "-c", os.devnull, "--rootdir", str(cases_dir.parent), "-p", "no:cacheprovider"]
    argv += [
        "-rfE",
        "--hec-target",
        str(target),
        "--hec-fail-on",
        args.fail_on,
        "--hec-cases",
        str(cases_dir),
        "--hec-max-errors",
        str(args.max_errors),
        "--hec-preflight",
        "off",  # hecc run has done it, before pytest starts
    ]
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        argv += ["-p", ENTRY_POINT]
    chosen = (
        ("--hec-profile", args.profile),
        ("--hec-level", args.level),
        ("--hec-req", args.req),
        ("--hec-report-dir", args.report_dir),
        ("--hec-vendor-profile", args.vendor_profile),
        ("--hec-timeout", None if args.timeout is None else str(args.timeout)),
    )
    for flag, value in chosen:
        if value:
            argv += [flag, value]
    return argv + _forwarded(args) + list(args.pytest_args)


def check_requirement_ids(value: str) -> None:
    """`--req` names SPEC requirement ids (TIME-1) or their prefixes (TIME); anything else is exit 2."""
    from hec_conformance.catalogue import load_catalogue

    known = load_catalogue()
    for wanted in (w.strip() for w in value.split(",") if w.strip()):
        if wanted not in known and not any(rid.startswith(wanted + "-") for rid in known):
            areas = sorted({rid.rsplit("-", 1)[0] for rid in known})
            raise CliError(
                f"--req {wanted}: not a SPEC requirement id (like TIME-1) or prefix; "
                f"prefixes: {', '.join(areas)}"
            )


def _check_preflight(target: Target) -> None:
    """Run the preflight; a failure is one line and exit status 3."""
    from hec_conformance.preflight import PreflightError, preflight

    try:
        preflight(target)
    except PreflightError as exc:
        raise CliError(str(exc), EXIT_HARNESS) from None


def cmd_run(args: argparse.Namespace) -> int:
    """Run the suite in-process with pytest; start the reference server when no target is given."""
    import pytest

    from hec_conformance.corpus import default_cases_dir
    from hec_conformance.pytest.progress import PytestProgress
    from hec_conformance.pytest.tally import Tally

    cases_dir = Path(args.cases or default_cases_dir()).resolve()
    if not cases_dir.is_dir():
        raise CliError(f"--cases {cases_dir}: not a directory")
    if args.req:
        check_requirement_ids(args.req)
    if args.max_errors < 0:
        raise CliError(f"--max-errors {args.max_errors}: 0 (never stop) or more expected")
    with contextlib.ExitStack() as stack:
        path = stack.enter_context(_target_path(args))
        target = target_file(path)
        if args.profile:
            target = dataclasses.replace(target, profile=args.profile)
        try:
            target = with_timeout(target, args.timeout)
        except TargetError as exc:
            raise CliError(str(exc)) from None
        profile_path = Path(args.vendor_profile) if args.vendor_profile else beside(path)
        if profile_path is not None:  # checked now: a bad one is exit 2 before any request
            vendor_profile(profile_path)
        probe(target.url)
        if not args.no_preflight:
            _check_preflight(target)
        tally = Tally()
        rc = int(pytest.main(pytest_args(args, path, cases_dir), plugins=[tally, PytestProgress()]))
    return exit_code(rc, tally, args.fail_on)


@contextlib.contextmanager
def _target_path(args: argparse.Namespace) -> Iterator[Path]:
    """The target file of the run: --target, a probed one for --url/--token, else the bundled server's."""
    if args.target:
        if args.url:
            raise CliError("--target and --url exclude each other")
        yield Path(args.target)
    elif args.url:
        from hec_conformance.cli.targets import ProbeTokens, probed_target_file

        with probed_target_file(args.url, ProbeTokens.of(args, "--url")) as path:
            yield path
    else:
        with reference_server(args.profile or "humio", args.all_caps) as path:
            yield path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`hecc run`."""
    run = sub.add_parser(
        "run",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EXIT_CODES + "\nexamples:\n  hecc run\n"
        "  hecc run --target prod.yaml --fail-on should -m must -k kv -n 2\n"
        "  hecc run --url https://hec.example.com:8088 --token T   # a first look: the target is probed\n"
        "  hecc run --target prod.yaml -- --lf   # any other pytest option after --\n",
        help="run the case corpus against a target (default: the bundled reference server)",
        description="Run every case against the target through pytest. Without --target the bundled "
        "reference server is started on a free loopback port with a temporary store and "
        "stopped at the end. Before the first case a preflight checks that the URL answers, the default "
        "token is accepted and the read-back finds what was sent; a failure stops the run with exit "
        "status 3. The common pytest options work as they are; any other goes after `--`.",
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
    run.add_argument("--url", help="a target by URL, probed first (hecc target probe), instead of --target")
    run.add_argument("--token", help="with --url: an ingest token (role default; default: $HEC_TOKEN)")
    run.add_argument(
        "--read-token", metavar="TOKEN", help="with --url: a read token of the §9 query API ($HEC_READ_TOKEN)"
    )
    run.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="seconds to wait for each answer of the target (default: the target file's, else 30)",
    )
    run.add_argument(
        "--max-errors",
        type=int,
        default=DEFAULT_MAX_ERRORS,
        metavar="N",
        help=f"stop after N harness errors (default {DEFAULT_MAX_ERRORS}; 0: never)",
    )
    run.add_argument(
        "--no-preflight",
        action="store_true",
        help="skip the preflight (the URL answers, the default token is accepted, the read-back works)",
    )
    pytest_group = run.add_argument_group("pytest options (more after `--`)")
    for flags, spec in PYTEST_OPTIONS:
        pytest_group.add_argument(*flags, dest=_dest(flags), **spec)
    run.add_argument("pytest_args", nargs=argparse.REMAINDER, help="after `--`: options passed to pytest")
    run.set_defaults(func=cmd_run)
