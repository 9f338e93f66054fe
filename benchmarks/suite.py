"""Benchmark 4: the wall time of `hecc run` as a user runs it, and where that time goes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["suite_time"]


_ROOT = Path(__file__).resolve().parent.parent


def _hecc_run(args: list[str], timeout: float, env: dict[str, str] | None = None) -> tuple[float, int]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "hec_conformance.cli", "run", *args],
        cwd=_ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=timeout,
    )
    return time.monotonic() - started, done.returncode


def suite_time(tmp: Path, *, select: list[str] | None = None, timeout: float = 600) -> dict[str, Any]:
    """Run `hecc run` (the full corpus, every variant, the bundled reference server) twice: plain for the
    wall time, then with the probe plugin (benchmarks/suite_probe.py) for the split."""
    select = select or []
    wall, code = _hecc_run(select, timeout)
    probe = tmp / "suite-probe.json"
    env = {"BENCH_SUITE_PROBE": str(probe), "BENCH_SUITE_LAUNCH": repr(time.time())}
    wall_probed, _ = _hecc_run([*select, "--", "-p", "benchmarks.suite_probe"], timeout, env)
    t = json.loads(probe.read_text())
    return {
        "exit_code": code,
        "wall_s": round(wall, 2),
        "items": t["cases"],
        "items_per_s": round(t["cases"] / wall, 1) if wall else 0.0,
        "split_run_wall_s": round(wall_probed, 2),
        "split": {
            "start_up_s": round(t["configured"] - t["launch"], 2),
            "requests_s": round(t["request_s"], 2),
            "readback_and_checks_s": round(t["case_s"] - t["request_s"], 2),
            "between_cases_s": round(
                t.get("last_case_end", t["configured"]) - t["configured"] - t["case_s"], 2
            ),
            "after_last_case_s": round(
                wall_probed - (t.get("last_case_end", t["unconfigured"]) - t["launch"]), 2
            ),
        },
        "requests": t["requests"],
        "readback_polls": t["polls"],
    }
