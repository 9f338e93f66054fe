"""`hecc replay --locust`: run the packaged locustfile with Locust (an optional dependency)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

LOCUSTFILE = Path(__file__).with_name("locustfile.py")


@dataclass(frozen=True)
class LocustRun:
    """A capture replayed to a target by Locust users (one per connection)."""

    capture: Path
    target: Path
    concurrency: int
    role_map: dict[str, str]
    locust_args: str = ""  # extra locust options, e.g. '--master --expect-workers 2'
    workers: int | None = None  # distributed mode with this many workers

    def command(self) -> tuple[list[str], dict[str, str]]:
        """The locust command line and environment."""
        extra = shlex.split(self.locust_args)
        argv = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE)]
        if "--worker" not in extra:
            argv += ["--headless", "-u", str(self.concurrency), "-r", str(self.concurrency), "--only-summary"]
            if self.workers:
                argv += ["--master", "--expect-workers", str(self.workers)]
        env = {
            **os.environ,
            "HECC_CAPTURE": str(self.capture.resolve()),
            "HECC_TARGET": str(self.target.resolve()),
            "HECC_ROLE_MAP": json.dumps(self.role_map),
            "HECC_LOCUST_WORKERS": str(self.workers or 1),
        }
        return argv + extra, env

    def run(self) -> int:
        """Run locust in the foreground; its exit code (1 when any request failed)."""
        argv, env = self.command()
        return subprocess.run(argv, env=env, check=False).returncode
