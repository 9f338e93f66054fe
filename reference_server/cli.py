"""Command line: ``python -m reference_server [--config FILE] [--port P] ...`` (also ``hecc serve``)."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sqlite3
import sys
from pathlib import Path

from .config import Config, ConfigError, default_config, load_config
from .fastpath import PATH
from .server import (
    StartError,
    Tls,
    base_url,
    check_tls,
    dump_target,
    listen,
    run,
    target_document,
    write_atomically,
)
from .store import Store
from .workers import data_folder_ready, refusal, signal_workers, start_workers, stop_workers


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="reference_server", description="HEC reference server (SPEC.md).")
    p.add_argument(
        "--config", type=Path, metavar="FILE", help="YAML configuration (default: built-in, fresh tokens)"
    )
    p.add_argument(
        "--host", default="127.0.0.1", metavar="HOST", help="address to listen on (default 127.0.0.1)"
    )
    p.add_argument(
        "--port", type=int, default=8088, metavar="PORT", help="port; 0 picks a free one (default 8088)"
    )
    p.add_argument("--profile", choices=["humio", "splunk"], help="override the configured profile")
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--data",
        type=Path,
        default=Path("hecc-data"),
        metavar="DIR",
        help="data folder (default ./hecc-data)",
    )
    where.add_argument("--in-memory", action="store_true", help="keep events in memory only")
    p.add_argument("--tls-cert", metavar="FILE", help="PEM certificate chain: serve HTTPS")
    p.add_argument("--tls-key", metavar="FILE", help="PEM private key of --tls-cert")
    p.add_argument(
        "--tls-ca",
        metavar="FILE",
        help="CA certificate that clients should trust (written to the target file)",
    )
    p.add_argument(
        "--write-target", type=Path, metavar="FILE", help="write a target file here once listening"
    )
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="N processes on the port (SO_REUSEPORT) and one data folder; not with ack tokens (default 1)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    """Start the server; returns the exit status (0 after a graceful stop, 2 on a start-up error)."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        config = load_config(args.config) if args.config else default_config()
        if args.profile:
            config = dataclasses.replace(config, profile=args.profile)
        tls = _tls(args)
        refused = refusal(config, args.workers, args.in_memory)
        if refused is not None:
            raise StartError(refused)
        sock = listen(args.host, args.port, reuse_port=args.workers > 1)
    except (ConfigError, StartError) as exc:
        print(f"reference_server: {exc}", file=sys.stderr)
        return 2
    data = None if args.in_memory else args.data
    port = sock.getsockname()[1]
    workers: list[int] = []
    try:
        if args.workers > 1:
            data_folder_ready(args.data)  # before forking: no worker races another to create it

            def serve_worker() -> None:
                sock.close()
                own = listen(args.host, port, reuse_port=True)
                run(config, Store(data, max_queued_events=config.limits.max_queued_events), own, tls=tls)

            workers = start_workers(args.workers - 1, serve_worker)
        store = Store(data, max_queued_events=config.limits.max_queued_events)
    except (OSError, sqlite3.Error) as exc:
        stop_workers(workers, timeout=5)
        sock.close()
        print(f"reference_server: cannot open the data folder {args.data}: {exc}", file=sys.stderr)
        return 2
    url = base_url(sock, args.host, tls)

    def ready() -> None:
        _announce(config, url, "memory" if args.in_memory else str(args.data), args.workers, store.rows)
        if args.write_target:
            try:
                write_atomically(args.write_target, dump_target(target_document(config, url, tls)))
            except OSError as exc:
                raise StartError(f"cannot write the target file {args.write_target}: {exc}") from None

    try:
        run(config, store, sock, tls=tls, on_ready=ready, on_stop=lambda: signal_workers(workers))
    except StartError as exc:
        print(f"reference_server: {exc}", file=sys.stderr)
        return 2
    finally:
        stop_workers(workers, timeout=config.limits.shutdown_timeout_seconds + 5)
    return 0


def _tls(args: argparse.Namespace) -> Tls | None:
    if not args.tls_cert and not args.tls_key:
        return None
    if not (args.tls_cert and args.tls_key):
        raise StartError("--tls-cert and --tls-key go together")
    tls = Tls(cert=args.tls_cert, key=args.tls_key, ca=args.tls_ca)
    check_tls(tls)
    return tls


def _announce(config: Config, url: str, data: str, workers: int, rows: str) -> None:
    processes = f", workers: {workers}" if workers > 1 else ""
    lines = [
        f"HEC reference server listening on {url} (profile {config.profile}, data: {data}{processes},"
        f" per-event path: {PATH}, rows: {rows})"
    ]
    for t in config.tokens:
        label = t.role or "token"
        state = "" if t.enabled else ", disabled"
        lines.append(f"  ingest {label} -> {t.repository}{state}: {t.token}")
    lines += [f"  read token: {t}" for t in config.read_tokens]
    print("\n".join(lines), flush=True)
