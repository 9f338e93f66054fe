"""`hecc target init|probe`: the annotated example target file, and one written by probing a target."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hec_conformance.cli.errors import EXIT_HARNESS, EXIT_OK, CliError

DEFAULT_REPOSITORY = "main"  # the repository of the probed token unless --repository says otherwise
TOKEN_VARIABLE, READ_TOKEN_VARIABLE = "HEC_TOKEN", "HEC_READ_TOKEN"  # the tokens, when not given as options


def cmd_target_init(args: argparse.Namespace) -> int:
    """Write the annotated example target file (to stdout without FILE)."""
    from hec_conformance.target import EXAMPLE

    if args.file is None:
        sys.stdout.write(EXAMPLE)
        return EXIT_OK
    path = _write(Path(args.file), EXAMPLE, args.force)
    print(f"wrote {path}; fill in the URL and tokens, then: hecc run --target {path}", file=sys.stderr)
    return EXIT_OK


def _write(path: Path, text: str, force: bool, private: bool = False) -> Path:
    """Write `text` to `path` (exit 2 when it exists without `force`); `private`: mode 0600 (a secret)."""
    if path.exists() and not force:
        raise CliError(f"{path} exists; use --force to overwrite it")
    try:
        if private:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.fchmod(fd, 0o600)  # an existing file (--force) keeps its mode otherwise
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
        else:
            path.write_text(text, "utf-8")
    except OSError as exc:
        raise CliError(f"{path}: {exc.strerror}") from None
    return path


@dataclass(frozen=True)
class ProbeTokens:
    """The probe's tokens and how the target file writes them: as `${VAR}` when they came from the
    environment (TOKEN_VARIABLE, READ_TOKEN_VARIABLE), else as given (the file then holds a secret)."""

    token: str
    read_token: str | None
    token_as: str | None = None
    read_token_as: str | None = None

    @classmethod
    def of(cls, args: argparse.Namespace, command: str) -> ProbeTokens:
        """`--token`/`--read-token`, or the environment variables when the options are not given."""
        token, read_token = args.token, args.read_token
        token_as = read_token_as = None
        if token is None and os.environ.get(TOKEN_VARIABLE):
            token, token_as = os.environ[TOKEN_VARIABLE], f"${{{TOKEN_VARIABLE}}}"
        if read_token is None and os.environ.get(READ_TOKEN_VARIABLE):
            read_token, read_token_as = os.environ[READ_TOKEN_VARIABLE], f"${{{READ_TOKEN_VARIABLE}}}"
        if not token:
            raise CliError(f"{command} needs --token or {TOKEN_VARIABLE} (the ingest token of role default)")
        return cls(token, read_token, token_as, read_token_as)

    @property
    def written_as_given(self) -> bool:
        """Whether the target file holds a token as it was given (not as a `${VAR}`)."""
        return self.token_as is None or (self.read_token is not None and self.read_token_as is None)


def probed_target_text(url: str, tokens: ProbeTokens, repository: str) -> str:
    """The annotated target file of a probe; an unprobeable target is exit 3, one line."""
    from hec_conformance.target_probe import ProbeError, probe_target

    try:
        found = probe_target(url, tokens.token, tokens.read_token, repository)
    except ProbeError as exc:
        raise CliError(f"probe: {exc}", EXIT_HARNESS) from None
    return found.target_yaml(tokens.token_as, tokens.read_token_as)


def cmd_target_probe(args: argparse.Namespace) -> int:
    """Probe a target; print the target file (or write it to --out, readable by its owner only when it
    holds a token as given)."""
    tokens = ProbeTokens.of(args, "target probe")
    text = probed_target_text(args.url, tokens, args.repository)
    if args.out is None:
        sys.stdout.write(text)
        return EXIT_OK
    path = _write(Path(args.out), text, args.force, private=tokens.written_as_given)
    print(f"wrote {path}; run it with: hecc run --target {path}", file=sys.stderr)
    if tokens.written_as_given:
        print(
            f"hecc: {path} holds the token as given (mode 0600); with {TOKEN_VARIABLE} and "
            f"{READ_TOKEN_VARIABLE} set instead of --token/--read-token it holds ${{{TOKEN_VARIABLE}}} "
            "and reads the token from the environment when it is used",
            file=sys.stderr,
        )
    return EXIT_OK


@contextlib.contextmanager
def probed_target_file(url: str, tokens: ProbeTokens) -> Iterator[Path]:
    """A probed target file in a temporary directory, for `hecc run --url URL --token T`."""
    text = probed_target_text(url, tokens, DEFAULT_REPOSITORY)
    with tempfile.TemporaryDirectory(prefix="hecc-probe-") as tmp:
        path = _write(Path(tmp) / "probed.yaml", text, force=False, private=True)
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
        "  HEC_TOKEN=... hecc target probe https://hec.example.com:8088 --out t.yaml\n\n"
        "exit codes: 0 written; 2 bad arguments or --out exists; 3 the target does not answer or "
        "accepts the token nowhere\n",
    )
    probe.add_argument("url", metavar="URL", help="base URL of the HEC endpoint")
    probe.add_argument(
        "--token",
        help=f"an enabled ingest token (role default); default: ${TOKEN_VARIABLE}, which the written file "
        f"then names as ${{{TOKEN_VARIABLE}}} instead of holding the token",
    )
    probe.add_argument(
        "--read-token",
        metavar="TOKEN",
        help=f"a read token of the §9 query API; default: ${READ_TOKEN_VARIABLE} (written as a ${{VAR}} too)",
    )
    probe.add_argument(
        "--repository",
        default=DEFAULT_REPOSITORY,
        help=f"the token's repository, where the query API looks (default {DEFAULT_REPOSITORY})",
    )
    probe.add_argument("--out", metavar="FILE", help="write the target file here")
    probe.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    probe.set_defaults(func=cmd_target_probe)
