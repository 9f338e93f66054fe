"""Helpers of the suite tests: the real reference server as a subprocess, and small case corpora."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "reference_server" / "configs"
START_TIMEOUT = 30.0


@dataclass
class RunningServer:
    """A reference server process and the target file it wrote."""

    process: subprocess.Popen[bytes]
    target: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def start_reference_server(
    tmp: Path, profile: str = "humio", config: str | None = "suite.yaml", *extra: str
) -> RunningServer:
    """Start `python -m reference_server` on a free port; wait (bounded) for its target file.
    `config` None: the built-in configuration, as `hecc serve` starts it."""
    target = tmp / "target.yaml"
    log = open(tmp / "server.log", "wb")  # noqa: SIM115 - the process owns it until it ends
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reference_server",
            *(["--config", str(CONFIGS / config)] if config else []),
            "--profile",
            profile,
            "--port",
            "0",
            "--data",
            str(tmp / "data"),
            "--write-target",
            str(target),
            *extra,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    log.close()
    deadline = time.monotonic() + START_TIMEOUT
    while not target.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"reference server did not start: {(tmp / 'server.log').read_text()[-2000:]}")
        time.sleep(0.05)
    return RunningServer(proc, target)


def hecc(
    *args: str, timeout: float = 600, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the `hecc` command line in a subprocess of the same interpreter (`env`: variables to add)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "hec_conformance.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=env,
        check=False,
    )


def health_case(case_id: str) -> str:
    """One case (YAML, for `write_cases`) that needs no read-back: health answers 200 code 17 (EP-4)."""
    return f"""\
  - id: {case_id}
    title: health answers
    requirements: [EP-4]
    needs: [health]
    requests:
      - endpoint: health
        expect: {{status: 200, body: {{code: 17}}}}
"""


def write_cases(directory: Path, area: str, cases_yaml: str) -> Path:
    """A one-file corpus `<directory>/<area>.yaml` holding `cases_yaml` (the text under `cases:`)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{area}.yaml").write_text(f"area: {area}\ncases:\n{cases_yaml}", "utf-8")
    return directory


def edited_target(target: Path, tmp: Path, name: str, edit: dict[str, object]) -> Path:
    """A copy of the target file `target` as `tmp/name`, top-level keys replaced (a dotted key
    replaces one member of a mapping: `readback.token`)."""
    import yaml

    data = yaml.safe_load(target.read_text("utf-8"))
    for key, value in edit.items():
        outer, _, inner = key.partition(".")
        if inner:
            data[outer] = {**data[outer], inner: value}
        else:
            data[outer] = value
    path = tmp / name
    path.write_text(yaml.safe_dump(data), "utf-8")
    return path


# A `command` read-back (docs/targets.md) that asks the query API: the engine reads through it as it
# would through a vendor's script. Arguments: url token repository field value.
FETCH_SCRIPT = """\
import sys, httpx
url, token, repository, field, value = sys.argv[1:6]
answer = httpx.post(f"{url}/api/v1/repositories/{repository}/query", timeout=30,
                    headers={"Authorization": f"Bearer {token}", "Accept": "application/x-ndjson"},
                    json={"queryString": f'{field}="{value}"', "start": 0, "end": "now", "isLive": False})
answer.raise_for_status()
sys.stdout.write(answer.text)
"""
