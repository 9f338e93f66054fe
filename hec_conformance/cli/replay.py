"""`hecc record` and `hecc replay`: the recording proxy, and a capture replayed to one or two targets."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import ssl
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from hec_conformance.cli.errors import EXIT_HARNESS, EXIT_NONCONFORMANCE, EXIT_OK, CliError
from hec_conformance.cli.inputs import role_map, target_file

if TYPE_CHECKING:
    from rich.progress import Progress

    from hec_conformance.replay.runner import Options, Side

LOG_WIDTH = 1000  # the summary in a log (stdout not a terminal) is never wrapped at 80 columns


def _host_port(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError(f"{value!r}: HOST:PORT expected")
    return host or "127.0.0.1", int(port)


def _speed(value: str) -> float | None:
    if value == "max":
        return None
    try:
        speed = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r}: a number > 0 or max") from None
    if speed <= 0:
        raise argparse.ArgumentTypeError(f"{value!r}: a number > 0 or max")
    return speed


def _positive(kind: type[int] | type[float]) -> Callable[[str], float]:
    def parse(value: str) -> float:
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r}: a positive number") from None
        if number <= 0:
            raise argparse.ArgumentTypeError(f"{value!r}: a positive number")
        return number

    return parse


# -- record -------------------------------------------------------------------------------------------
def _tls(args: argparse.Namespace) -> ssl.SSLContext | None:
    """The recorder's server-side TLS context (--cert/--key), if asked for."""
    if not args.cert:
        return None
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        tls.load_cert_chain(args.cert, args.key)
    except (OSError, ssl.SSLError) as exc:
        raise CliError(f"--cert/--key: {exc}") from None
    return tls


def cmd_record(args: argparse.Namespace) -> int:
    """Run the recording proxy until interrupted (SIGINT/SIGTERM)."""
    from hec_conformance.replay.capture import CaptureError, CaptureWriter
    from hec_conformance.replay.record import Recorder, Upstream, serve
    from hec_conformance.replay.roles import RoleNamer

    if bool(args.upstream) == bool(args.no_upstream):
        raise CliError("give --upstream URL or --no-upstream")
    try:
        upstream = (
            Upstream.from_url(args.upstream, args.upstream_ca, not args.upstream_insecure)
            if args.upstream
            else None
        )
    except (CaptureError, OSError, ssl.SSLError) as exc:
        raise CliError(str(exc)) from None
    tls = _tls(args)
    namer = (
        None if args.keep_secrets else RoleNamer.from_target(target_file(args.roles) if args.roles else None)
    )
    try:
        out = open(args.out, "w", encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise CliError(f"--out {args.out}: {exc.strerror}") from None
    recorder = Recorder(CaptureWriter(out), upstream, namer)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(args.listen[0], args.listen[1], recorder, tls, stop)

    try:
        asyncio.run(main())
    except OSError as exc:
        raise CliError(f"--listen: {exc.strerror or exc}") from None
    finally:
        out.close()
    print(f"hecc record: {recorder.recorded} request(s) written to {args.out}", file=sys.stderr)
    return EXIT_OK


# -- replay -------------------------------------------------------------------------------------------
def _count_lines(path: Path) -> int:
    total = 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            total += block.count(b"\n")
    return total


def _locust(args: argparse.Namespace) -> int:
    """`hecc replay --locust`: the packaged locustfile run by Locust; its exit code."""
    import importlib.util

    from hec_conformance.replay.locust_run import LocustRun

    if importlib.util.find_spec("locust") is None:
        raise CliError("--locust needs Locust: pip install locust")
    mapping = role_map(args.role)
    run = LocustRun(
        Path(args.capture),
        Path(args.target),
        args.concurrency,
        mapping,
        args.locust_args,
        args.locust_workers,
    )
    return run.run()


def _sides(args: argparse.Namespace) -> list[Side]:
    """The target (and the --against one) with the capture's roles mapped to their tokens."""
    from hec_conformance.replay.capture import CaptureError
    from hec_conformance.replay.client import ClientError
    from hec_conformance.replay.runner import make_side

    mapping = role_map(args.role)
    try:
        return [
            make_side(target_file(t), mapping)
            for t in [args.target, *([args.against] if args.against else [])]
        ]
    except (CaptureError, ClientError) as exc:
        raise CliError(str(exc)) from None


def _check_readback(args: argparse.Namespace, sides: list[Side]) -> bool:
    """Whether stored events are compared; CliError when the options or targets cannot do it."""
    readback = args.readback or bool(args.against)
    if args.readback and not args.mark and not args.against:
        raise CliError(
            "--readback needs --mark (events found per request) or --against (whole "
            "repositories of two fresh targets); see docs/captures.md, Correlation"
        )
    for side in sides:
        if readback and not side.target.has("readback"):
            raise CliError(f"{side.target.source}: read-back asked for, but the target declares none")
    return readback


def _options(args: argparse.Namespace) -> Options:
    from hec_conformance.replay.runner import Options
    from hec_conformance.replay.schedule import Schedule

    return Options(
        schedule=Schedule(speed=None if args.rate else args.speed, rate=args.rate, ramp=args.ramp),
        concurrency=args.concurrency,
        mark=args.mark,
        ordered=not args.unordered,
        ignore=tuple(args.ignore_field),
        settle=args.settle,
        timeout=args.timeout,
        processes=args.processes,
    )


def _progress(args: argparse.Namespace, capture: Path) -> tuple[Progress | None, Callable[[], None] | None]:
    """The progress bar on stderr (a terminal, no --json, no --no-progress) and its per-request tick."""
    from rich.console import Console

    from hec_conformance.replay.summary import progress_bar

    console = Console(stderr=True)
    if args.json or args.no_progress or not console.is_terminal:
        return None, None
    bar = progress_bar(console)
    task = bar.add_task("replay", total=_count_lines(capture))
    return bar, lambda: bar.advance(task)


def cmd_replay(args: argparse.Namespace) -> int:
    """Replay a capture and compare; exit 1 on any difference beyond the ignore rules."""
    from rich.console import Console

    from hec_conformance.readback import ReadbackError
    from hec_conformance.replay.capture import CaptureError
    from hec_conformance.replay.runner import Replayer
    from hec_conformance.replay.summary import print_summary

    if args.locust:
        return _locust(args)
    capture = Path(args.capture)
    if not capture.is_file():
        raise CliError(f"{capture}: no such capture file")
    if args.processes > 1 and args.save:
        raise CliError("--save writes in capture order: use it with --processes 1")
    sides = _sides(args)
    readback = _check_readback(args, sides)
    options = _options(args)
    bar, tick = _progress(args, capture)
    replayer = Replayer(capture, sides, options, on_done=tick, save=Path(args.save) if args.save else None)
    try:
        with bar if bar else contextlib.nullcontext():
            replayer.send_all()
        if readback:
            replayer.read_back()
    except (CaptureError, OSError) as exc:
        raise CliError(str(exc)) from None
    except ReadbackError as exc:
        raise CliError(f"read-back failed: {exc}", EXIT_HARNESS) from None
    stats = replayer.stats
    if args.json:
        print(json.dumps({"run_id": replayer.run_id, **stats.to_json()}, indent=2))
    else:
        print_summary(stats, Console(width=None if sys.stdout.isatty() else LOG_WIDTH))
    if stats.requests and not stats.answered:
        return EXIT_HARNESS
    return EXIT_NONCONFORMANCE if stats.differences else EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`hecc record` and `hecc replay`."""
    fmt = argparse.RawDescriptionHelpFormatter
    rec = sub.add_parser(
        "record",
        help="record HEC traffic through a reverse proxy (docs/captures.md)",
        formatter_class=fmt,
        description="A recording reverse proxy: forwards every request "
        "byte-exact to --upstream and writes each exchange to the capture. Stop it with "
        "Ctrl-C or SIGTERM.",
    )
    rec.add_argument(
        "--listen",
        type=_host_port,
        default=("127.0.0.1", 8088),
        metavar="HOST:PORT",
        help="where shippers connect (default 127.0.0.1:8088; port 0 picks a free one)",
    )
    rec.add_argument("--upstream", metavar="URL", help="the HEC server to forward to (http or https)")
    rec.add_argument(
        "--no-upstream",
        action="store_true",
        help="answer success (health, acks, 400 code 5 on empty bodies) without a server behind",
    )
    rec.add_argument("--out", required=True, metavar="FILE", help="capture file (JSON Lines) to write")
    rec.add_argument("--cert", metavar="PEM", help="serve TLS with this certificate (chain) file")
    rec.add_argument("--key", metavar="PEM", help="private key of --cert")
    rec.add_argument("--upstream-ca", metavar="PEM", help="CA bundle to verify an https upstream")
    rec.add_argument("--upstream-insecure", action="store_true", help="do not verify the https upstream")
    rec.add_argument(
        "--roles", metavar="TARGET", help="target file whose tokens name the roles in the capture"
    )
    rec.add_argument("--keep-secrets", action="store_true", help="keep Authorization values as sent")
    rec.set_defaults(func=cmd_record)

    rep = sub.add_parser(
        "replay",
        help="replay a capture to a target and compare (docs/captures.md)",
        formatter_class=fmt,
        description="Send every request of a capture to the target with "
        "its token roles mapped, compare each answer with the recorded one (status and HEC "
        "code) and, with read-back, the stored events. Exit 1 on any difference.",
    )
    rep.add_argument("capture", help="capture file (JSON Lines)")
    rep.add_argument("--target", required=True, metavar="FILE", help="target file (docs/targets.md)")
    rep.add_argument(
        "--against", metavar="FILE", help="second target: replay to both, diff answers and events"
    )
    rep.add_argument(
        "--speed",
        type=_speed,
        default=1.0,
        metavar="N|max",
        help="1 = recorded timing (default), N = N times faster, max = as fast as possible",
    )
    rep.add_argument(
        "--rate", type=_positive(float), metavar="R", help="open model: R requests/s (ignores timing)"
    )
    rep.add_argument(
        "--ramp", type=_positive(float), default=0.0, metavar="S", help="with --rate: climb over S s"
    )
    rep.add_argument(
        "--concurrency",
        type=_positive(int),
        default=64,
        metavar="N",
        help="connections per target (default 64)",
    )
    rep.add_argument(
        "--processes",
        type=_positive(int),
        default=1,
        metavar="N",
        help="send from N processes sharing the --concurrency connections (more requests/s; not with --save)",
    )
    rep.add_argument(
        "--unordered",
        action="store_true",
        help="do not keep the order of requests recorded on one connection",
    )
    rep.add_argument(
        "--mark",
        action="store_true",
        help="add a per-request marker to JSON envelopes and a per-run channel to raw requests, "
        "so stored events are read back per request",
    )
    rep.add_argument("--readback", action="store_true", help="compare stored events (needs cap readback)")
    rep.add_argument(
        "--ignore-field",
        action="append",
        default=[],
        metavar="NAME",
        help="also ignore this field when comparing stored events (repeatable)",
    )
    rep.add_argument(
        "--role",
        action="append",
        default=[],
        metavar="CAPTURE=TARGET",
        help="send the capture's role to the target's role (token-2=other_repo)",
    )
    rep.add_argument("--settle", type=float, default=0.0, metavar="S", help="wait S s before reading back")
    rep.add_argument("--timeout", type=_positive(float), default=30.0, metavar="S", help="per request (30)")
    rep.add_argument("--save", metavar="FILE", help="write the capture again with the target's answers")
    rep.add_argument("--json", action="store_true", help="print the summary as JSON")
    rep.add_argument("--no-progress", action="store_true", help="no progress bar")
    rep.add_argument(
        "--locust",
        action="store_true",
        help="run the replay as Locust users (see docs/replay.md; needs `pip install locust`)",
    )
    rep.add_argument(
        "--locust-args",
        default="",
        metavar="ARGS",
        help="with --locust: extra locust options, e.g. '--master --expect-workers 2'",
    )
    rep.add_argument(
        "--locust-workers",
        type=_positive(int),
        metavar="N",
        help="with --locust: distributed mode with N workers (master, or each worker with "
        "--locust-args '--worker'); worker i sends the requests at positions p %% N == i",
    )
    rep.set_defaults(func=cmd_replay)
