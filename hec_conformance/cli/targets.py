"""`hecc target init`: the annotated example target file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hec_conformance.cli.errors import EXIT_OK, CliError


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
