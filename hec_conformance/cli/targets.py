"""`hecc target init|probe`: the annotated example target file, and one written by probing a target."""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from hec_conformance.cli.errors import EXIT_HARNESS, EXIT_OK, CliError

DEFAULT_REPOSITORY = "main"  # the repository of the probed token unless --repository says otherwise


def cmd_target_init(args: argparse.Namespace) -> int:
    """Write the annotated example target file (to stdout without FILE)."""
    from hec_conformance.target import EXAMPLE

    if args.file is None:
        sys.stdout.write(EXAMPLE)
        return EXIT_OK
    path = _write(Path(args.file), EXAMPLE, args.force)
    print(f"wrote {path}; fill in the URL and tokens, then: hecc run --target {path}", file=sys.stderr)
    return EXIT_OK


def _write(path: Path, text: str, force: bool) -> Path:
    if path.exists() and not force:
        raise CliError(f"{path} exists; use --force to overwrite it")
    try:
        path.write_text(text, "utf-8")
    except OSError as exc:
        raise CliError(f"{path}: {exc.strerror}") from None
    return path


def probed_target_text(url: str, token: str, read_token: str | None, repository: str) -> str:
    """The annotated target file of a probe; an unprobeable target is exit 3, one line."""
    from hec_conformance.target_probe import ProbeError, probe_target

    try:
        return probe_target(url, token, read_token, repository).target_yaml()
    except ProbeError as exc:
        raise CliError(f"probe: {exc}", EXIT_HARNESS) from None


def cmd_target_probe(args: argparse.Namespace) -> int:
    """Probe a target; print the target file (or write it to --out)."""
    text = probed_target_text(args.url, args.token, args.read_token, args.repository)
    if args.out is None:
        sys.stdout.write(text)
        return EXIT_OK
    path = _write(Path(args.out), text, args.force)
    print(f"wrote {path}; run it with: hecc run --target {path}", file=sys.stderr)
    return EXIT_OK


@contextlib.contextmanager
def probed_target_file(url: str, token: str, read_token: str | None) -> Iterator[Path]:
    """A probed target file in a temporary directory, for `hecc run --url URL --token T`."""
    text = probed_target_text(url, token, read_token, DEFAULT_REPOSITORY)
    with tempfile.TemporaryDirectory(prefix="hecc-probe-") as tmp:
        path = Path(tmp) / "probed.yaml"
        path.write_text(text, "utf-8")
        print(f"hecc: probed {url}: {_summary(text)}", file=sys.stderr)
        yield path


def _summary(text: str) -> str:
    """`profile P, capabilities a, b` of a probed target file."""
    import yaml

    doc = yaml.safe_load(text)
    return f"profile {doc['profile']}, capabilities {', '.join(doc['capabilities']) or 'none'}"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`hecc target init`."""
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
    probe = target.add_parser(
        "probe",
        help="find out what a target serves; write a target file",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Send a few small marked events and harmless requests to find which endpoints the "
        "target serves, whether it behaves like humio (Bearer accepted, /api/v1/ingest/hec) or splunk, "
        "and which capabilities it has (raw, health, ack, gzip, json-array-batch, basic-auth, "
        "query-string-auth, and with --read-token the §9 query API). Writes an annotated target file "
        "that says what was found and why (stdout without --out).",
        epilog="example:\n"
        "  hecc target probe https://hec.example.com:8088 --token $HEC_TOKEN --out t.yaml\n\n"
        "exit codes: 0 written; 2 bad arguments or --out exists; 3 the target does not answer or "
        "accepts the token nowhere\n",
    )
    probe.add_argument("url", metavar="URL", help="base URL of the HEC endpoint")
    probe.add_argument("--token", required=True, help="an enabled ingest token (role default)")
    probe.add_argument("--read-token", metavar="TOKEN", help="a read token of the §9 query API")
    probe.add_argument(
        "--repository",
        default=DEFAULT_REPOSITORY,
        help=f"the token's repository, where the query API looks (default {DEFAULT_REPOSITORY})",
    )
    probe.add_argument("--out", metavar="FILE", help="write the target file here")
    probe.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    probe.set_defaults(func=cmd_target_probe)
