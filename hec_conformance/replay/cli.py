"""The `hecc record`, `hecc replay` and `hecc capture` commands; `register` adds them to hecc's parser."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import ssl
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_DIFFERENCES, EXIT_USAGE, EXIT_HARNESS = 0, 1, 2, 3


class ReplayCliError(Exception):
    """One line on stderr and an exit code."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def _target(path: str) -> Any:
    from hec_conformance.target import TargetError, load_target

    try:
        return load_target(path)
    except TargetError as exc:
        raise ReplayCliError(str(exc)) from None


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


def _positive(kind: type) -> Any:
    def parse(value: str) -> Any:
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r}: a positive number") from None
        if number <= 0:
            raise argparse.ArgumentTypeError(f"{value!r}: a positive number")
        return number

    return parse


def _role_map(values: list[str]) -> dict[str, str]:
    out = {}
    for value in values:
        source, sep, dest = value.partition("=")
        if not sep or not source or not dest:
            raise ReplayCliError(f"--role {value!r}: CAPTURE_ROLE=TARGET_ROLE expected")
        out[source] = dest
    return out


# -- record -------------------------------------------------------------------------------------------
def cmd_record(args: argparse.Namespace) -> int:
    """Run the recording proxy until interrupted (SIGINT/SIGTERM)."""
    from hec_conformance.replay.capture import CaptureError, CaptureWriter
    from hec_conformance.replay.record import Recorder, Upstream, serve
    from hec_conformance.replay.roles import RoleNamer

    if bool(args.upstream) == bool(args.no_upstream):
        raise ReplayCliError("give --upstream URL or --no-upstream")
    try:
        upstream = (
            Upstream.from_url(args.upstream, args.upstream_ca, not args.upstream_insecure)
            if args.upstream
            else None
        )
    except (CaptureError, OSError, ssl.SSLError) as exc:
        raise ReplayCliError(str(exc)) from None
    tls = None
    if args.cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        try:
            tls.load_cert_chain(args.cert, args.key)
        except (OSError, ssl.SSLError) as exc:
            raise ReplayCliError(f"--cert/--key: {exc}") from None
    namer = None if args.keep_secrets else RoleNamer.from_target(_target(args.roles) if args.roles else None)
    try:
        out = open(args.out, "w", encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise ReplayCliError(f"--out {args.out}: {exc.strerror}") from None
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
        raise ReplayCliError(f"--listen: {exc.strerror or exc}") from None
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


def cmd_replay(args: argparse.Namespace) -> int:
    """Replay a capture and compare; exit 1 on any difference beyond the ignore rules."""
    from rich.console import Console

    from hec_conformance.readback import ReadbackError
    from hec_conformance.replay.capture import CaptureError
    from hec_conformance.replay.client import ClientError
    from hec_conformance.replay.runner import Options, Replayer, make_side
    from hec_conformance.replay.schedule import Schedule
    from hec_conformance.replay.summary import print_summary, progress_bar

    if args.locust:
        from hec_conformance.replay.locust_run import run_locust

        return run_locust(args)
    capture = Path(args.capture)
    if not capture.is_file():
        raise ReplayCliError(f"{capture}: no such capture file")
    role_map = _role_map(args.role)
    if args.processes > 1 and args.save:
        raise ReplayCliError("--save writes in capture order: use it with --processes 1")
    try:
        sides = [
            make_side(_target(t), role_map) for t in [args.target, *([args.against] if args.against else [])]
        ]
    except (CaptureError, ClientError) as exc:
        raise ReplayCliError(str(exc)) from None
    readback = args.readback or bool(args.against)
    if args.readback and not args.mark and not args.against:
        raise ReplayCliError(
            "--readback needs --mark (events found per request) or --against (whole "
            "repositories of two fresh targets); see docs/captures.md, Correlation"
        )
    for side in sides:
        if readback and not side.target.has("readback"):
            raise ReplayCliError(f"{side.target.source}: read-back asked for, but the target declares none")
    options = Options(
        schedule=Schedule(speed=None if args.rate else args.speed, rate=args.rate, ramp=args.ramp),
        concurrency=args.concurrency,
        mark=args.mark,
        ordered=not args.unordered,
        ignore=tuple(args.ignore_field),
        settle=args.settle,
        timeout=args.timeout,
        processes=args.processes,
    )
    console = Console(stderr=True)
    show_bar = not args.json and not args.no_progress and console.is_terminal
    bar = progress_bar(console) if show_bar else None
    task = bar.add_task("replay", total=_count_lines(capture)) if bar else None
    replayer = Replayer(
        capture,
        sides,
        options,
        on_done=(lambda: bar.advance(task)) if bar and task is not None else None,
        save=Path(args.save) if args.save else None,
    )
    try:
        with bar if bar else contextlib.nullcontext():
            replayer.send_all()
        if readback:
            replayer.read_back()
    except (CaptureError, OSError) as exc:
        raise ReplayCliError(str(exc)) from None
    except ReadbackError as exc:
        raise ReplayCliError(f"read-back failed: {exc}", EXIT_HARNESS) from None
    stats = replayer.stats
    if args.json:
        print(json.dumps({"run_id": replayer.run_id, **stats.to_json()}, indent=2))
    else:
        print_summary(stats, Console())
    if stats.requests and not stats.answered:
        return EXIT_HARNESS
    return EXIT_DIFFERENCES if stats.differences else EXIT_OK


# -- capture ------------------------------------------------------------------------------------------
def cmd_capture_import(args: argparse.Namespace) -> int:
    """HAR or raw dump → capture."""
    from hec_conformance.replay.capture import CaptureError, write_capture
    from hec_conformance.replay.importers import import_file
    from hec_conformance.replay.roles import RoleNamer

    namer = None if args.keep_secrets else RoleNamer.from_target(_target(args.roles) if args.roles else None)
    try:
        written = write_capture(args.out, import_file(args.source, namer))
    except (CaptureError, OSError) as exc:
        raise ReplayCliError(str(exc)) from None
    print(f"hecc capture import: {written} request(s) written to {args.out}", file=sys.stderr)
    return EXIT_OK


def cmd_capture_curl(args: argparse.Namespace) -> int:
    """One curl command per request, on stdout."""
    from hec_conformance.replay.capture import CaptureError, read_capture
    from hec_conformance.replay.curl import curl_command
    from hec_conformance.replay.roles import target_tokens

    target = _target(args.target) if args.target else None
    tokens = target_tokens(target, _role_map(args.role)) if target else None
    try:
        for ex in read_capture(args.capture):
            print(curl_command(ex, target.url if target else None, tokens))
    except CaptureError as exc:
        raise ReplayCliError(str(exc)) from None
    return EXIT_OK


def cmd_capture_to_cases(args: argparse.Namespace) -> int:
    """A capture → a case file that `hecc cases lint` accepts."""
    from hec_conformance.replay.capture import CaptureError, read_capture
    from hec_conformance.replay.cases import CasesError, capture_case, cases_yaml

    out = Path(args.out)
    area = out.stem
    case_id = args.id or f"{area}-" + "".join(
        c if c.isalnum() else "-" for c in Path(args.capture).stem.lower()
    )
    try:
        case = capture_case(
            read_capture(args.capture),
            case_id.strip("-"),
            args.title or f"recorded traffic of {Path(args.capture).name} answered as recorded",
        )
        out.write_text(cases_yaml(area, [case]), "utf-8")
    except (CaptureError, CasesError) as exc:
        raise ReplayCliError(str(exc)) from None
    except OSError as exc:
        raise ReplayCliError(f"--out {out}: {exc.strerror}") from None
    print(f"hecc capture to-cases: wrote {out} (check it with: hecc cases lint {out})", file=sys.stderr)
    return EXIT_OK


# -- registration -------------------------------------------------------------------------------------
def _guarded(func: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        try:
            return int(func(args))
        except ReplayCliError as exc:
            print(f"hecc: {exc}", file=sys.stderr)
            return exc.code

    return run


def register(sub: Any) -> None:
    """Add `record`, `replay` and `capture` to hecc's subparsers."""
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
    rec.set_defaults(func=_guarded(cmd_record))

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
    rep.set_defaults(func=_guarded(cmd_replay))

    cap = sub.add_parser("capture", help="import, export and convert captures").add_subparsers(
        dest="capture_command", required=True, metavar="ACTION"
    )
    imp = cap.add_parser(
        "import",
        help="HAR 1.2 or raw HTTP dump → capture",
        description="Convert a HAR 1.2 file (browser, mitmproxy) or a raw dump of HTTP "
        "requests (with the recorder's .jsonl beside it for timing) to a capture.",
    )
    imp.add_argument("source", help=".har file or raw request dump")
    imp.add_argument("--out", required=True, metavar="FILE", help="capture file to write")
    imp.add_argument("--roles", metavar="TARGET", help="target file whose tokens name the roles")
    imp.add_argument("--keep-secrets", action="store_true", help="keep Authorization values as they are")
    imp.set_defaults(func=_guarded(cmd_capture_import))
    curl = cap.add_parser(
        "curl",
        help="one curl command per request",
        description="Print one curl command per request. Without --target the URL is "
        "$HEC_URL and each role's token $HEC_TOKEN_<ROLE>.",
    )
    curl.add_argument("capture")
    curl.add_argument("--target", metavar="FILE", help="fill in the URL and tokens of this target")
    curl.add_argument("--role", action="append", default=[], metavar="CAPTURE=TARGET")
    curl.set_defaults(func=_guarded(cmd_capture_curl))
    to_cases = cap.add_parser("to-cases", help="capture → case YAML (requests and answers as recorded)")
    to_cases.add_argument("capture")
    to_cases.add_argument("--out", required=True, metavar="FILE", help="case file; its name is the area")
    to_cases.add_argument("--id", help="case id (default: <area>-<capture name>)")
    to_cases.add_argument("--title", help="case title")
    to_cases.set_defaults(func=_guarded(cmd_capture_to_cases))
