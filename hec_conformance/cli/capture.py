"""`hecc capture import|curl|to-cases`: captures from HAR files and raw dumps, as curl commands, as cases."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hec_conformance.cli.errors import EXIT_OK, CliError
from hec_conformance.cli.inputs import role_map, target_file


def cmd_capture_import(args: argparse.Namespace) -> int:
    """HAR or raw dump → capture."""
    from hec_conformance.replay.capture import CaptureError, write_capture
    from hec_conformance.replay.importers import import_file
    from hec_conformance.replay.roles import RoleNamer

    namer = (
        None if args.keep_secrets else RoleNamer.from_target(target_file(args.roles) if args.roles else None)
    )
    try:
        written = write_capture(args.out, import_file(args.source, namer))
    except (CaptureError, OSError) as exc:
        raise CliError(str(exc)) from None
    print(f"hecc capture import: {written} request(s) written to {args.out}", file=sys.stderr)
    return EXIT_OK


def cmd_capture_curl(args: argparse.Namespace) -> int:
    """One curl command per request, on stdout."""
    from hec_conformance.replay.capture import CaptureError, read_capture
    from hec_conformance.replay.curl import curl_command
    from hec_conformance.replay.roles import target_tokens

    target = target_file(args.target) if args.target else None
    tokens = target_tokens(target, role_map(args.role)) if target else None
    try:
        for ex in read_capture(args.capture):
            print(curl_command(ex, target.url if target else None, tokens))
    except CaptureError as exc:
        raise CliError(str(exc)) from None
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
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(cases_yaml(area, [case]), "utf-8")
    except (CaptureError, CasesError) as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"--out {out}: {exc.strerror}") from None
    print(f"hecc capture to-cases: wrote {out} (check it with: hecc cases lint {out})", file=sys.stderr)
    return EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`hecc capture import|curl|to-cases`."""
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
    imp.set_defaults(func=cmd_capture_import)
    curl = cap.add_parser(
        "curl",
        help="one curl command per request",
        description="Print one curl command per request. Without --target the URL is "
        "$HEC_URL and each role's token $HEC_TOKEN_<ROLE>.",
    )
    curl.add_argument("capture")
    curl.add_argument("--target", metavar="FILE", help="fill in the URL and tokens of this target")
    curl.add_argument("--role", action="append", default=[], metavar="CAPTURE=TARGET")
    curl.set_defaults(func=cmd_capture_curl)
    to_cases = cap.add_parser(
        "to-cases",
        help="capture → case YAML (requests and answers as recorded)",
        description="Write one case holding every request of the capture, in order, each expecting the "
        "answer recorded with it (status and body). Write it outside the bundled corpus (a directory "
        "of your own, run with hecc run --cases DIR); check it with hecc cases lint FILE.",
    )
    to_cases.add_argument("capture")
    to_cases.add_argument("--out", required=True, metavar="FILE", help="case file; its name is the area")
    to_cases.add_argument("--id", help="case id (default: <area>-<capture name>)")
    to_cases.add_argument("--title", help="case title")
    to_cases.set_defaults(func=cmd_capture_to_cases)
