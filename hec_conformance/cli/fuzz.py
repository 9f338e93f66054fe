"""`hecc fuzz` and `hecc mutants`: differential fuzzing against the bundled reference server, and the
corpus against a catalogue of deliberately broken servers."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from hec_conformance.cli.errors import EXIT_HARNESS, EXIT_NONCONFORMANCE, EXIT_OK, CliError
from hec_conformance.cli.inputs import target_file, vendor_profile_beside
from hec_conformance.cli.server import probe, reference_server

if TYPE_CHECKING:
    from hec_conformance.corpus import Case
    from hec_conformance.fuzz.differential import Differential, FuzzResult
    from hec_conformance.fuzz.mutants import MutantResult

DEFAULT_BUDGET, DEFAULT_SEED = 200, 0


def _write_found(
    args: argparse.Namespace, result: FuzzResult, fuzzer: Differential, oracle_file: Path
) -> int:
    """Print the disagreements, write the shrunk example as a case file, lint it, then run it as a case
    (the engine, as `hecc run` would) on the oracle and on the target; the exit code."""
    from hec_conformance.corpus import check
    from hec_conformance.fuzz.casefile import write_case

    for found in result.disagreements:
        print(f"  {found}")
    assert result.request is not None and result.oracle is not None
    case_id = f"fuzz-seed-{args.seed}"
    path = write_case(
        Path(args.out) / f"{case_id}.yaml",
        case_id,
        result.request,
        result.oracle,
        result.disagreements,
        stored_checked=fuzzer.readback,
    )
    cases, errors = check([path])
    for error in errors:
        print(f"hecc fuzz: the written case does not lint: {error}", file=sys.stderr)
    print(f"wrote {path} (the shrunk example, expectations from the oracle)")
    if errors:
        return EXIT_HARNESS
    return confirm_case(cases, oracle_file, Path(args.target), args)


def confirm_case(cases: list[Case], oracle_file: Path, target: Path, args: argparse.Namespace) -> int:
    """Run the written case through the engine on both sides: it must pass on the oracle (its expectations
    hold) and fail on the target (it reproduces the disagreement as a verdict); say which it did."""
    from hec_conformance.fuzz.mutants import run_corpus

    oracle = run_corpus(oracle_file, cases, readback_timeout=args.readback_timeout)
    theirs = run_corpus(target, cases, readback_timeout=args.readback_timeout)
    rerun = f"  hecc run --target {args.target} --cases {Path(args.out)}"
    if oracle.mismatches or oracle.errors:
        print(
            "hecc fuzz: the written case does not pass on the oracle "
            f"({', '.join(oracle.mismatches + oracle.errors)}): its expectations are wrong",
            file=sys.stderr,
        )
        return EXIT_HARNESS
    if theirs.errors:
        print(
            f"run as a case, it errored on the target ({', '.join(theirs.errors)}); rerun it with:\n{rerun}"
        )
        return EXIT_HARNESS
    if not theirs.mismatches:
        print(
            "run as a case, it passes on the target too: the case's matchers do not reach this difference "
            f"(the disagreement above stands); rerun it with:\n{rerun}"
        )
        return EXIT_NONCONFORMANCE
    print(
        f"run as a case, it passes on the oracle and fails on the target ({', '.join(theirs.mismatches)}); "
        f"rerun it with:\n{rerun}"
    )
    return EXIT_NONCONFORMANCE


def cmd_fuzz(args: argparse.Namespace) -> int:
    """Differential fuzzing of the target against the bundled reference server (the oracle)."""
    from hec_conformance.fuzz.differential import Differential
    from hec_conformance.readback import ReadbackError
    from hec_conformance.transport import TransportError

    if args.budget < 1:
        raise CliError("--budget must be at least 1")
    target = target_file(args.target)
    probe(target.url)
    with reference_server(target.profile, all_caps=False) as oracle_file:
        fuzzer = Differential(
            target_file(oracle_file),
            target,
            vendor_profile_beside(Path(args.target)),
            readback_timeout=args.readback_timeout,
        )
        try:
            result = fuzzer.run(args.budget, args.seed)
        except (TransportError, ReadbackError) as exc:
            raise CliError(f"fuzzing stopped: {exc}", EXIT_HARNESS) from None
        finally:
            fuzzer.close()
        print(
            f"hecc fuzz: {result.examples} example(s) in {result.seconds:.1f}s, seed {args.seed}, "
            f"profile {target.profile}"
        )
        if result.request is None:
            print("no disagreement with the oracle")
            return EXIT_OK
        if not result.disagreements:
            print("a disagreement was found but did not reproduce on the shrunk example (flaky target?)")
            return EXIT_HARNESS
        return _write_found(args, result, fuzzer, oracle_file)


def _print_mutant(result: MutantResult, show: int) -> None:
    state = f"killed by {len(result.killers)}" if result.killed else "SURVIVED"
    print(f"{result.name:28} {result.rule:8} {state:14} {result.seconds:5.1f}s  {result.about}", flush=True)
    for killer in result.killers[:show]:
        print(f"    {killer}")
    if len(result.killers) > show:
        print(f"    ... {len(result.killers) - show} more")
    for error in result.errors[:3]:
        print(f"    error: {error}")


def _mutant_json(r: MutantResult) -> str:
    fields = {"name": r.name, "rule": r.rule, "about": r.about, "killed": r.killed}
    return json.dumps({**fields, "killers": list(r.killers), "errors": list(r.errors), "seconds": r.seconds})


def cmd_mutants(args: argparse.Namespace) -> int:
    """The corpus against every mutant of a catalogue; print the cases that killed each one."""
    from hec_conformance.fuzz.mutants import load_catalogue_file, run_mutants

    try:
        mutants = load_catalogue_file(Path(args.catalogue))
    except (FileNotFoundError, ImportError, AttributeError) as exc:
        raise CliError(f"--catalogue {args.catalogue}: {exc}") from None
    if args.only:
        wanted = set(args.only.split(","))
        unknown = sorted(wanted - {m.name for m in mutants})
        if unknown:
            names = ", ".join(m.name for m in mutants)
            raise CliError(f"--only: no mutant named {', '.join(unknown)}; the catalogue has: {names}")
        mutants = [m for m in mutants if m.name in wanted]
    show = sys.maxsize if args.all_killers else 5
    with tempfile.TemporaryDirectory(prefix="hecc-mutants-") as workdir:
        baseline, results = run_mutants(
            mutants,
            lambda: reference_server("humio", all_caps=False),
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
            print(_mutant_json(r))
    survivors = [r.name for r in results if not r.killed]
    print(
        f"{len(results) - len(survivors)}/{len(results)} mutant(s) killed"
        + (f"; survivors: {', '.join(survivors)}" if survivors else ""),
        file=sys.stderr,
    )
    return EXIT_NONCONFORMANCE if survivors else EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`hecc fuzz` and `hecc mutants`."""
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
        required=True,
        help="catalogue file, or a directory holding catalogue.py (the repository's tests/mutants: "
        "the catalogue is test code, not installed with the package)",
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
