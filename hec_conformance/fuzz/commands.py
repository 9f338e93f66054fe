"""`hecc fuzz` and `hecc mutants`: registered into the `hecc` parser by `register`."""

from __future__ import annotations

import argparse
import functools
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hec_conformance.fuzz.mutants import MutantResult

DEFAULT_BUDGET, DEFAULT_SEED = 200, 0


def _cli() -> Any:
    """hec_conformance.cli, imported when a command runs (it imports this module to register)."""
    from hec_conformance import cli

    return cli


def _reporting(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn CliError into its one-line message and exit code here: under `python -m hec_conformance.cli`
    the running module is __main__, whose CliError is another class than the one raised below."""

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        cli = _cli()
        try:
            return command(args)
        except cli.CliError as exc:
            print(f"hecc: {exc}", file=sys.stderr)
            return int(exc.code)

    return run


def _load_target(path: str) -> Any:
    from hec_conformance.target import TargetError, load_target

    try:
        return load_target(path)
    except TargetError as exc:
        raise _cli().CliError(str(exc)) from None


def _vendor_profile(target_file: Path) -> Any:
    from hec_conformance.catalogue import load_catalogue
    from hec_conformance.waivers import VendorProfileError, beside, load_vendor_profile

    path = beside(target_file)
    if path is None:
        return None
    try:
        return load_vendor_profile(path, requirement_ids=load_catalogue())
    except VendorProfileError as exc:
        raise _cli().CliError(str(exc)) from None


@_reporting
def cmd_fuzz(args: argparse.Namespace) -> int:
    """Differential fuzzing of the target against the bundled reference server (the oracle)."""
    from hec_conformance.corpus import check
    from hec_conformance.fuzz.casefile import write_case
    from hec_conformance.fuzz.differential import Differential
    from hec_conformance.readback import ReadbackError
    from hec_conformance.transport import TransportError

    cli = _cli()
    if args.budget < 1:
        raise cli.CliError("--budget must be at least 1")
    target = _load_target(args.target)
    cli.probe(target.url)
    with cli.reference_server(target.profile, all_caps=False) as oracle_file:
        fuzzer = Differential(
            _load_target(str(oracle_file)),
            target,
            _vendor_profile(Path(args.target)),
            readback_timeout=args.readback_timeout,
        )
        try:
            result = fuzzer.run(args.budget, args.seed)
        except (TransportError, ReadbackError) as exc:
            raise cli.CliError(f"fuzzing stopped: {exc}", cli.EXIT_HARNESS) from None
        finally:
            fuzzer.close()
    print(
        f"hecc fuzz: {result.examples} example(s) in {result.seconds:.1f}s, seed {args.seed}, "
        f"profile {target.profile}"
    )
    if result.request is None:
        print("no disagreement with the oracle")
        return cli.EXIT_OK
    if not result.disagreements:
        print("a disagreement was found but did not reproduce on the shrunk example (flaky target?)")
        return cli.EXIT_HARNESS
    for found in result.disagreements:
        print(f"  {found}")
    assert result.oracle is not None
    case_id = f"fuzz-seed-{args.seed}"
    path = write_case(
        Path(args.out) / f"{case_id}.yaml",
        case_id,
        result.request,
        result.oracle,
        result.disagreements,
        stored_checked=fuzzer.readback,
    )
    _, errors = check([path])
    for error in errors:
        print(f"hecc fuzz: the written case does not lint: {error}", file=sys.stderr)
    print(
        f"wrote {path} (the shrunk example, expectations from the oracle); replay it with:\n"
        f"  hecc run --target {args.target} --cases {path.parent}"
    )
    return cli.EXIT_HARNESS if errors else cli.EXIT_NONCONFORMANCE


def _print_mutant(result: MutantResult, show: int) -> None:
    state = f"killed by {len(result.killers)}" if result.killed else "SURVIVED"
    print(f"{result.name:28} {result.rule:8} {state:14} {result.seconds:5.1f}s  {result.about}", flush=True)
    for killer in result.killers[:show]:
        print(f"    {killer}")
    if len(result.killers) > show:
        print(f"    ... {len(result.killers) - show} more")
    for error in result.errors[:3]:
        print(f"    error: {error}")


@_reporting
def cmd_mutants(args: argparse.Namespace) -> int:
    """The corpus against every mutant of a catalogue; print the cases that killed each one."""
    from hec_conformance.fuzz.mutants import load_catalogue_file, run_mutants

    cli = _cli()
    try:
        mutants = load_catalogue_file(Path(args.catalogue))
    except (FileNotFoundError, ImportError, AttributeError) as exc:
        raise cli.CliError(f"--catalogue {args.catalogue}: {exc}") from None
    if args.only:
        wanted = set(args.only.split(","))
        mutants = [m for m in mutants if m.name in wanted]
        if not mutants:
            raise cli.CliError(f"--only {args.only}: no such mutant")
    show = sys.maxsize if args.all_killers else 5
    with tempfile.TemporaryDirectory(prefix="hecc-mutants-") as workdir:
        baseline, results = run_mutants(
            mutants,
            lambda: cli.reference_server("humio", all_caps=False),
            Path(workdir),
            Path(args.cases) if args.cases else None,
            args.workers,
            args.first_kill,
            progress=None if args.json else lambda r: _print_mutant(r, show),
        )
    if baseline.mismatches or baseline.errors:
        print(
            f"hecc mutants: {len(baseline.mismatches) + len(baseline.errors)} case variant(s) do not pass "
            f"on the real server; they kill nothing",
            file=sys.stderr,
        )
    if args.json:
        for r in results:
            print(
                json.dumps(
                    {
                        "name": r.name,
                        "rule": r.rule,
                        "about": r.about,
                        "killed": r.killed,
                        "killers": list(r.killers),
                        "errors": list(r.errors),
                        "seconds": r.seconds,
                    }
                )
            )
    survivors = [r.name for r in results if not r.killed]
    print(
        f"{len(results) - len(survivors)}/{len(results)} mutant(s) killed"
        + (f"; survivors: {', '.join(survivors)}" if survivors else ""),
        file=sys.stderr,
    )
    return cli.EXIT_NONCONFORMANCE if survivors else cli.EXIT_OK


def register(sub: Any) -> None:
    """Add `fuzz` and `mutants` to the `hecc` subcommands (`sub` from add_subparsers)."""
    fuzz = sub.add_parser(
        "fuzz",
        help="differential fuzzing against the bundled reference server (the oracle)",
        description="Send Hypothesis-generated HEC requests to the target and to the bundled reference "
        "server; their answers and stored events must agree within the target's profile, "
        "capabilities and vendor-profile waivers. A disagreement is shrunk, checked again "
        "and written as a case file. Exit 0: no disagreement; 1: one found (case written).",
    )
    fuzz.add_argument("--target", metavar="FILE", required=True, help="target file (docs/targets.md)")
    fuzz.add_argument(
        "--budget",
        type=int,
        default=DEFAULT_BUDGET,
        metavar="N",
        help=f"number of generated examples (default {DEFAULT_BUDGET})",
    )
    fuzz.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        metavar="S",
        help=f"Hypothesis seed; the same seed replays the same search (default {DEFAULT_SEED})",
    )
    fuzz.add_argument(
        "--out",
        metavar="DIR",
        default="fuzz-cases",
        help="where the shrunk case file is written (default ./fuzz-cases)",
    )
    fuzz.add_argument(
        "--readback-timeout",
        type=float,
        default=10.0,
        metavar="S",
        help="seconds to wait for the target's stored events (default 10)",
    )
    fuzz.set_defaults(func=cmd_fuzz)

    mutants = sub.add_parser(
        "mutants",
        help="run the corpus against deliberately broken servers; print what killed each",
        description="Run the full corpus against the bundled reference server (humio), then against every "
        "mutant of the catalogue, each in front of its own reference server. Exit 1 when a "
        "mutant survives.",
    )
    mutants.add_argument(
        "--catalogue",
        metavar="PATH",
        default="tests/mutants",
        help="catalogue file or directory holding catalogue.py (default tests/mutants)",
    )
    mutants.add_argument("--only", metavar="NAMES", help="comma-separated mutant names")
    mutants.add_argument("--workers", type=int, default=2, metavar="N", help="parallel processes (default 2)")
    mutants.add_argument("--cases", metavar="DIR", help="case directory (default: the bundled corpus)")
    mutants.add_argument(
        "--first-kill",
        action="store_true",
        help="stop each mutant at its first killing case (CI; survivors run everything)",
    )
    mutants.add_argument("--all-killers", action="store_true", help="list every killing case (default 5)")
    mutants.add_argument("--json", action="store_true", help="one JSON object per mutant")
    mutants.set_defaults(func=cmd_mutants)
