"""Front end 2: the `hecc` command (run the suite, serve the reference server, inspect cases, targets)."""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

EXIT_OK, EXIT_NONCONFORMANCE, EXIT_USAGE, EXIT_HARNESS = 0, 1, 2, 3
EXIT_CODES = """\
exit codes:
  0  the target conforms at --fail-on (default must: no MUST requirement broken; waived ones do not count)
  1  non-conformance: a case failed at --fail-on (hecc cases lint/coverage: errors or gaps found)
  2  usage or configuration error: bad arguments, bad target file, invalid case corpus, nothing selected
  3  the target is unreachable, or a harness problem (read-back failed, the reference server did not start)
"""
SERVER_START_TIMEOUT = 30.0


class CliError(Exception):
    """A problem reported as one line and an exit code, never a traceback."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


# -- run ----------------------------------------------------------------------------------------------
def _server_configs() -> Path:
    """reference_server/configs, found without importing the server package."""
    spec = importlib.util.find_spec("reference_server")
    if spec is None or not spec.submodule_search_locations:
        raise CliError("the bundled reference server (package reference_server) is missing", EXIT_HARNESS)
    return Path(next(iter(spec.submodule_search_locations))) / "configs"


@contextlib.contextmanager
def reference_server(profile: str, all_caps: bool, timeout: float = SERVER_START_TIMEOUT) -> Iterator[Path]:
    """Start the bundled reference server on a free port with a temporary store; yield its target file."""
    config = _server_configs() / ("suite-all-caps.yaml" if all_caps else "suite.yaml")
    with tempfile.TemporaryDirectory(prefix="hecc-run-") as tmp:
        target_file = Path(tmp) / "target.yaml"
        log = open(Path(tmp) / "server.log", "wb")  # noqa: SIM115 - closed below, after the process
        argv = [
            sys.executable,
            "-m",
            "reference_server",
            "--config",
            str(config),
            "--profile",
            profile,
            "--port",
            "0",
            "--data",
            str(Path(tmp) / "data"),
            "--write-target",
            str(target_file),
        ]
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout
            delay = 0.02
            while not target_file.exists():
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    output = (Path(tmp) / "server.log").read_text("utf-8", "replace")[-2000:]
                    why = (
                        f"exited with {proc.returncode}"
                        if proc.returncode is not None
                        else f"wrote no target file within {timeout:g}s"
                    )
                    raise CliError(f"the reference server {why}:\n{output}", EXIT_HARNESS)
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
            print(f"hecc: started the reference server ({config.name}, profile {profile})", file=sys.stderr)
            yield target_file
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
            log.close()


def probe(url: str, timeout: float = 5.0) -> None:
    """Raise CliError(3) unless a TCP connection to the URL's host and port opens."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "localhost", port), timeout=timeout):
            return
    except OSError as exc:
        raise CliError(f"the target {url} is unreachable: {exc.strerror or exc}", EXIT_HARNESS) from None


class _Outcomes:
    """A pytest plugin object that counts case outcomes from the reports (works with pytest-xdist)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.unexplained = 0

    def pytest_runtest_logreport(self, report: Any) -> None:
        from hec_conformance.pytest_plugin import OUTCOME_PROPERTY

        if report.when != "teardown":
            if report.failed and OUTCOME_PROPERTY not in dict(report.user_properties):
                self.unexplained += 1
            return
        outcome = dict(report.user_properties).get(OUTCOME_PROPERTY)
        if outcome:
            self.counts[outcome] += 1


def _exit_code(pytest_rc: int, outcomes: _Outcomes, fail_on: str) -> int:
    from hec_conformance.pytest_plugin import FAILING

    if pytest_rc in (2, 4, 5):  # interrupted / collection errors, usage error, nothing collected
        return EXIT_USAGE
    if pytest_rc == 3 or outcomes.counts["error"] or outcomes.unexplained:
        return EXIT_HARNESS
    if any(outcomes.counts[o] for o in FAILING[fail_on]):
        return EXIT_NONCONFORMANCE
    return EXIT_OK


def _pytest_args(args: argparse.Namespace, target_file: Path, cases_dir: Path) -> list[str]:
    argv = [
        str(cases_dir),
        "-c",
        os.devnull,
        "--rootdir",
        str(cases_dir.parent),
        "-p",
        "no:cacheprovider",
        "-rfE",
        "--hec-target",
        str(target_file),
        "--hec-fail-on",
        args.fail_on,
        "--hec-cases",
        str(cases_dir),
    ]
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        argv += ["-p", "hec_conformance.pytest_plugin"]
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
    from hec_conformance.reports.pytest_progress import PytestProgress
    from hec_conformance.target import TargetError, load_target

    cases_dir = Path(args.cases or default_cases_dir()).resolve()
    if not cases_dir.is_dir():
        raise CliError(f"--cases {cases_dir}: not a directory")
    with contextlib.ExitStack() as stack:
        if args.target:
            target_file = Path(args.target)
        else:
            target_file = stack.enter_context(reference_server(args.profile or "humio", args.all_caps))
        try:
            target = load_target(target_file)
        except TargetError as exc:
            raise CliError(str(exc)) from None
        probe(target.url)
        outcomes = _Outcomes()
        plugins = [outcomes, PytestProgress()]
        rc = int(pytest.main(_pytest_args(args, target_file, cases_dir), plugins=plugins))
    return _exit_code(rc, outcomes, args.fail_on)


# -- serve --------------------------------------------------------------------------------------------
def cmd_serve(args: argparse.Namespace) -> int:
    """Hand over to the reference server's own command line."""
    from reference_server.cli import main as server_main

    return int(server_main(list(args.server_args)) or 0)


# -- cases --------------------------------------------------------------------------------------------
def _checked(paths: Sequence[str]) -> tuple[list[Any], list[Any]]:
    from hec_conformance.corpus import check

    return check(list(paths) or None)


def cmd_cases_lint(args: argparse.Namespace) -> int:
    """Print every problem of the case files; exit 1 when there is one."""
    cases, errors = _checked(args.paths)
    for error in errors:
        print(error)
    print(f"{len(cases)} valid case(s), {len(errors)} error(s)", file=sys.stderr)
    return EXIT_NONCONFORMANCE if errors else EXIT_OK


def cmd_cases_list(args: argparse.Namespace) -> int:
    """One line (or JSON object) per case: id, levels per profile, requirements, variants, title."""
    from hec_conformance.catalogue import load_catalogue
    from hec_conformance.engine import case_variants

    cases, errors = _checked(args.paths)
    if errors:
        for error in errors:
            print(error, file=sys.stderr)
        return EXIT_USAGE
    catalogue = load_catalogue()
    items = 0
    for case in cases:
        levels = {}
        for profile in case.profiles:
            with contextlib.suppress(ValueError):
                levels[profile] = case.level_for(profile, catalogue)
        variants = case_variants(case.variants, case.requests)
        items += len(variants)
        if args.json:
            print(
                json.dumps(
                    {
                        "id": case.id,
                        "area": case.area,
                        "title": case.title,
                        "levels": levels,
                        "requirements": list(case.requirements),
                        "variants": list(variants),
                        "tags": list(case.tags),
                        "file": str(case.file),
                        "line": case.line,
                    }
                )
            )
        else:
            shown = " ".join(f"{p}:{lv}" for p, lv in levels.items())
            print(
                f"{case.id:40} {shown:28} {','.join(case.requirements):18} "
                f"{len(variants)} variant(s)  {case.title}"
            )
    print(f"{len(cases)} case(s), {items} item(s)", file=sys.stderr)
    return EXIT_OK


def cmd_cases_coverage(args: argparse.Namespace) -> int:
    """Which requirement/profile pairs no case checks; exit 1 on any gap."""
    from hec_conformance.catalogue import load_catalogue
    from hec_conformance.corpus import coverage, gaps

    cases, errors = _checked(args.paths)
    for error in errors:
        print(error, file=sys.stderr)
    if errors:
        return EXIT_USAGE
    catalogue = load_catalogue()
    missing = gaps(coverage(cases, catalogue))
    for rid, profile in missing:
        print(f"gap: {rid} ({catalogue[rid].level_for(profile)} in {profile}): {catalogue[rid].title}")
    pairs = sum(len(req.levels) for req in catalogue.values())
    print(
        f"{pairs - len(missing)}/{pairs} requirement-profile pairs covered by {len(cases)} case(s)",
        file=sys.stderr,
    )
    return EXIT_NONCONFORMANCE if missing else EXIT_OK


# -- target -------------------------------------------------------------------------------------------
def cmd_target_init(args: argparse.Namespace) -> int:
    """Write the annotated example target file (to stdout without FILE)."""
    from hec_conformance.target import EXAMPLE

    if args.file is None:
        sys.stdout.write(EXAMPLE)
        return EXIT_OK
    path = Path(args.file)
    if path.exists() and not args.force:
        raise CliError(f"{path} exists; use --force to overwrite it")
    try:
        path.write_text(EXAMPLE, "utf-8")
    except OSError as exc:
        raise CliError(f"{path}: {exc.strerror}") from None
    print(f"wrote {path}; fill in the URL and tokens, then: hecc run --target {path}", file=sys.stderr)
    return EXIT_OK


# -- parser -------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    """The argparse tree of `hecc`."""
    fmt = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="hecc",
        formatter_class=fmt,
        epilog=EXIT_CODES,
        description="Conformance suite for HTTP Event Collector (HEC) endpoints (SPEC.md).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser(
        "run",
        formatter_class=fmt,
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
        choices=["must", "should", "may"],
        default="must",
        help="lowest level whose breach counts as non-conformance (default must)",
    )
    run.add_argument(
        "--level", choices=["must", "should", "may"], help="run only cases at this level or stricter"
    )
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

    serve = sub.add_parser(
        "serve", help="run the reference server (all options go to it; see hecc serve -h)", add_help=False
    )
    serve.add_argument("server_args", nargs=argparse.REMAINDER)
    serve.set_defaults(func=cmd_serve)

    cases = sub.add_parser("cases", help="inspect the case corpus").add_subparsers(
        dest="cases_command", required=True, metavar="ACTION"
    )
    for name, func, text in (
        ("lint", cmd_cases_lint, "validate case files (exit 1 on any error)"),
        ("list", cmd_cases_list, "list cases with levels, requirements and variants"),
        ("coverage", cmd_cases_coverage, "requirement/profile pairs with no case (exit 1 on any gap)"),
    ):
        p = cases.add_parser(name, help=text, description=text)
        p.add_argument("paths", nargs="*", help="case files or directories (default: the bundled corpus)")
        if name == "list":
            p.add_argument("--json", action="store_true", help="one JSON object per line")
        p.set_defaults(func=func)

    target = sub.add_parser("target", help="target files").add_subparsers(
        dest="target_command", required=True, metavar="ACTION"
    )
    init = target.add_parser(
        "init",
        help="write an annotated example target file",
        description="Write an annotated example target file to FILE (stdout without).",
    )
    init.add_argument("file", nargs="?", metavar="FILE")
    init.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    init.set_defaults(func=cmd_target_init)

    from hec_conformance.replay.cli import register as register_replay  # record, replay, capture

    register_replay(sub)
    from hec_conformance.fuzz.commands import register as register_fuzz  # fuzz, mutants

    register_fuzz(sub)
    from hec_conformance.reports.commands import register as register_reports  # report, compare

    register_reports(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `hecc` console script; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve"]:  # everything after `serve` belongs to the server's own parser
        return cmd_serve(argparse.Namespace(server_args=argv[1:]))
    args = build_parser().parse_args(argv)
    if getattr(args, "pytest_args", None) and args.pytest_args[0] == "--":
        args.pytest_args = args.pytest_args[1:]
    try:
        return int(args.func(args))
    except CliError as exc:
        print(f"hecc: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("hecc: interrupted", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
