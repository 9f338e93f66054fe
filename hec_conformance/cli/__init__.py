"""Front end 2: the `hecc` command. Every command lives in this package, one module per group:

    run.py       hecc run                     the corpus through pytest (front end 1) against a target
    server.py    hecc serve                   the bundled reference server, as a process
    cases.py     hecc cases lint|list|coverage
    targets.py   hecc target init
    replay.py    hecc record, hecc replay
    capture.py   hecc capture import|curl|to-cases
    fuzz.py      hecc fuzz, hecc mutants
    reports.py   hecc report, hecc compare
    errors.py    CliError and the exit codes; inputs.py: the target file (and its neighbours) read once

A command returns its exit code or raises CliError; `main` prints `hecc: <message>` and exits with its
code. Feature packages (replay, fuzz, reports) never import this package.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from hec_conformance.cli import capture, cases, fuzz, replay, reports, run, server, targets
from hec_conformance.cli.errors import EXIT_CODES, EXIT_OK, EXIT_USAGE, CliError
from hec_conformance.waivers import suite_version

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The argparse tree of `hecc`."""
    parser = argparse.ArgumentParser(
        prog="hecc",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EXIT_CODES,
        description="Conformance suite for HTTP Event Collector (HEC) endpoints (SPEC.md).",
    )
    parser.add_argument("--version", action="version", version=f"hecc {suite_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in (run, server, cases, targets, replay, capture, fuzz, reports):
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `hecc` console script; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv[:1] == ["serve"]:  # everything after `serve` belongs to the server's own parser
            server.serve(argv[1:])
        parser = build_parser()
        args, extras = parser.parse_known_args(argv)
        if extras and args.command == "run":
            raise CliError(run.unknown_option_hint(extras))
        if extras:
            parser.error(f"unrecognized arguments: {' '.join(extras)}")
        if getattr(args, "pytest_args", None) and args.pytest_args[0] == "--":
            args.pytest_args = args.pytest_args[1:]
        return int(args.func(args))
    except CliError as exc:
        print(f"hecc: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("hecc: interrupted", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # the reader went away (`hecc cases list | head`): stop quietly
        _silence_stdout()
        return EXIT_OK


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush raises no second BrokenPipeError."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
