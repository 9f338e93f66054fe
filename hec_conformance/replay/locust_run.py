"""`hecc replay --locust`: run the packaged locustfile with Locust (an optional dependency)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from argparse import Namespace
from pathlib import Path

LOCUSTFILE = Path(__file__).with_name("locustfile.py")


def locust_command(args: Namespace) -> tuple[list[str], dict[str, str]]:
    """The locust command line and environment for these `hecc replay` arguments."""
    extra = shlex.split(args.locust_args)
    argv = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE)]
    if "--worker" not in extra:
        argv += ["--headless", "-u", str(args.concurrency), "-r", str(args.concurrency), "--only-summary"]
        if args.locust_workers:
            argv += ["--master", "--expect-workers", str(args.locust_workers)]
    env = {
        **os.environ,
        "HECC_CAPTURE": str(Path(args.capture).resolve()),
        "HECC_TARGET": str(Path(args.target).resolve()),
        "HECC_ROLE_MAP": json.dumps(dict(r.split("=", 1) for r in args.role)),
        "HECC_LOCUST_WORKERS": str(args.locust_workers or 1),
    }
    return argv + extra, env


def run_locust(args: Namespace) -> int:
    """Run locust in the foreground; its exit code (1 when any request failed)."""
    try:
        import locust  # noqa: F401 - only to say clearly that it is missing
    except ImportError:
        print("hecc: --locust needs Locust: pip install locust", file=sys.stderr)
        return 2
    argv, env = locust_command(args)
    return subprocess.run(argv, env=env, check=False).returncode
