"""``python -m benchmarks [--quick | --smoke] [--only NAMES]``: run the benchmarks, write the results.

Results go to benchmarks/results/<date>.json and .md (``--out`` elsewhere); a full or quick run also
puts the table into benchmarks/README.md. ``FLUENT_BIT=/path/to/fluent-bit`` adds Fluent Bit's HEC
input to the 100-event ingest runs as the C receiver to compare with (optional: it is in no registry
here).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import ingest, profile, replay, results, soak, suite
from .servers import FLUENT_BIT, bare_app, fluent_bit, reference_server

BENCHMARKS = ("ingest", "workers", "scaling", "profile", "replay", "suite", "memory", "soak")
_HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Sizes:
    """How long and how big each benchmark runs in one mode."""

    seconds: float  # one wrk run
    rounds: int  # wrk runs per server and scenario (median taken)
    ingest: tuple[ingest.Scenario, ...]
    workers: tuple[ingest.Scenario, ...]
    scaling: tuple[ingest.Scenario, ...]
    replay_seconds: float
    fidelity: tuple[int, float]  # requests, spread in seconds
    suite_select: tuple[str, ...]
    replay_capture_bytes: int
    soak: tuple[float, float]  # warm-up, measured seconds
    profile_seconds: float


MODES = {
    "full": Sizes(
        10,
        2,
        tuple(ingest.INGEST_SCENARIOS),
        tuple(ingest.WORKER_SCENARIOS),
        tuple(ingest.SCALING_SCENARIOS),
        8,
        (500, 10.0),
        (),
        1_000_000_000,
        (30, 300),
        10,
    ),
    "quick": Sizes(
        3,
        1,
        tuple(ingest.INGEST_SCENARIOS),
        tuple(ingest.WORKER_SCENARIOS),
        tuple(ingest.SCALING_SCENARIOS),
        3,
        (200, 4.0),
        (),
        100_000_000,
        (10, 30),
        5,
    ),
    "smoke": Sizes(
        1,
        1,
        tuple(ingest.INGEST_SCENARIOS[:1]),
        tuple(ingest.WORKER_SCENARIOS[:1]),
        tuple(ingest.SCALING_SCENARIOS[:1]),
        1,
        (20, 0.5),
        ("--req", "EP-4"),
        2_000_000,
        (1, 2),
        1,
    ),
}


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run(mode: str, only: set[str], tmp: Path) -> dict[str, Any]:
    """Every selected benchmark in turn; the results document."""
    sizes = MODES[mode]
    doc: dict[str, Any] = {"mode": mode, "machine": results.machine()}
    if only & {"ingest", "workers", "scaling", "profile"}:
        with contextlib.ExitStack() as servers:
            ref = servers.enter_context(reference_server())
            bare = servers.enter_context(bare_app())
            peer_path = os.environ.get(FLUENT_BIT)
            peer = servers.enter_context(fluent_bit(peer_path)) if peer_path else None
            for key, scenarios in (
                ("ingest", sizes.ingest),
                ("workers", sizes.workers),
                ("scaling", sizes.scaling),
            ):
                if key in only:
                    doc[key] = []
                    served = servers.enter_context(reference_server(workers=2)) if key == "workers" else ref
                    for scenario in scenarios:
                        _log(f"{key}: {scenario.name}")
                        measured = ingest.measure(
                            scenario,
                            served,
                            bare,
                            seconds=sizes.seconds,
                            rounds=sizes.rounds,
                            peer=peer if scenario.events == 100 and scenario.connections == 64 else None,
                        )
                        doc[key].append(measured.to_json())
            if "profile" in only:
                _log("profile: py-spy on the reference server")
                doc["profile"] = profile.profile(ref, seconds=sizes.profile_seconds)
    if "replay" in only:
        doc["replay_throughput"] = {}
        for name, server_cm in (("reference server", reference_server), ("bare app", bare_app)):
            with server_cm() as server:
                _log(f"replay throughput: {name}")
                doc["replay_throughput"][name] = replay.throughput(server, tmp, seconds=sizes.replay_seconds)
        with reference_server() as ref:
            _log("replay timing fidelity")
            requests, spread = sizes.fidelity
            doc["replay_fidelity"] = replay.fidelity(ref, tmp, requests=requests, spread_seconds=spread)
    if "suite" in only:
        _log("suite: hecc run")
        doc["suite"] = suite.suite_time(tmp, select=list(sizes.suite_select))
    if "memory" in only:
        with bare_app() as bare:
            _log(f"memory: hecc replay of {sizes.replay_capture_bytes / 1e6:.0f} MB")
            doc["replay_memory"] = replay.replay_memory(bare, tmp, capture_bytes=sizes.replay_capture_bytes)
    if "soak" in only:
        with reference_server() as ref:
            warmup, seconds = sizes.soak
            _log(f"soak: {warmup:.0f} s warm-up, {seconds:.0f} s measured")
            doc["server_soak"] = soak.soak(ref, warmup_s=warmup, seconds=seconds)
    doc["targets"] = results.targets(doc)
    return doc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="3 s loads, 30 s soak, 100 MB capture (~5 min)")
    mode.add_argument("--smoke", action="store_true", help="seconds-long runs: does the code still run?")
    parser.add_argument("--only", metavar="NAMES", help=f"comma-separated subset of {','.join(BENCHMARKS)}")
    parser.add_argument(
        "--out",
        type=Path,
        default=_HERE / "results",
        metavar="DIR",
        help="where the results go (default benchmarks/results)",
    )
    args = parser.parse_args(argv)
    only = set(args.only.split(",")) if args.only else set(BENCHMARKS)
    if only - set(BENCHMARKS):
        parser.error(f"--only: unknown {', '.join(sorted(only - set(BENCHMARKS)))}")
    name = "smoke" if args.smoke else "quick" if args.quick else "full"
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        try:
            doc = run(name, only, Path(tmp))
        except RuntimeError as exc:  # a server that would not start, an unusable FLUENT_BIT
            print(f"python -m benchmarks: {exc}", file=sys.stderr)
            return 2
    json_path, md_path = results.write(doc, args.out)
    table = results.markdown(doc)
    if name != "smoke" and args.out.resolve() == (_HERE / "results").resolve():
        with contextlib.suppress(FileNotFoundError, ValueError):
            results.update_readme(_HERE / "README.md", table)
    print(table)
    _log(f"wrote {json_path} and {md_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
