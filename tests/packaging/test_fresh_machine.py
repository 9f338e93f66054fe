"""The README's test command on a machine without the outside programs: each test that needs one is
skipped with one line naming it and how to install it; with CI=true it fails instead (tests/prerequisites.py).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# The tests that need a program, the npm client or SPEC.md, by what they need.
NEEDING = [
    "tests/reports/test_html_browser.py",  # chromium
    "tests/benchmarks/test_smoke.py",  # wrk
    "tests/replay/test_record_live.py",  # node, the npm client, curl
    "tests/replay/test_tls_and_har.py::test_expect_100_continue_is_answered_and_recorded",  # curl
    "tests/corpus/test_catalogue.py",  # SPEC.md
]
NEEDED = {
    "chromium: apt-get install chromium": 7,
    "wrk: apt-get install wrk": 2,
    "node: apt-get install nodejs npm": 1,
    "curl: apt-get install curl": 1,
    "SPEC.md: kept in shared/ beside the repository; or set HECC_SPEC=/path/to/SPEC.md": 4,
}
SKIPPED = re.compile(r"^SKIPPED \[(\d+)\] tests/prerequisites.py:\d+: needs (.+)$")


def _pytest(tmp: Path, *args: str, ci: bool) -> subprocess.CompletedProcess[str]:
    """pytest in a child process on a machine where PATH has none of the programs and the npm client and
    SPEC.md are elsewhere."""
    bare = tmp / "bin"
    bare.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "PATH": str(bare),
        "HECC_NODE_PREFIX": str(tmp / "no-node"),
        "HECC_SPEC": str(tmp / "no-shared" / "SPEC.md"),
        "CI": "true" if ci else "",
    }
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_without_the_programs_each_is_one_skip_line_naming_it_and_its_install(tmp_path: Path) -> None:
    done = _pytest(tmp_path, *NEEDING, ci=False)
    out = done.stdout
    assert done.returncode == 0, out[-4000:]
    lines = [m.groups() for m in map(SKIPPED.match, out.splitlines()) if m]
    assert {reason: int(count) for count, reason in lines} == NEEDED, out[-4000:]
    assert len(lines) == len(NEEDED)  # one line each
    assert re.search(rf"\b{sum(NEEDED.values())} skipped\b", out), out[-2000:]
    assert "Traceback" not in out and "Error" not in out


def test_under_ci_a_missing_program_fails_with_that_one_line(tmp_path: Path) -> None:
    done = _pytest(tmp_path, *NEEDING, ci=True)
    out = done.stdout
    assert done.returncode == 1, out[-4000:]
    summary = [line for line in out.splitlines() if line.startswith(("FAILED ", "ERROR "))]
    assert len(summary) == sum(NEEDED.values()), out[-4000:]
    for line in summary:
        assert any(f"needs {reason} (CI=true" in line for reason in NEEDED), line
    assert "skipped" not in out.splitlines()[-1] and "Traceback" not in out


def test_ci_runs_the_readme_test_command_exactly_with_ci_set() -> None:
    commands = [
        line.strip()
        for line in (REPO / "README.md").read_text("utf-8").splitlines()[:6]
        if line.startswith("    ")
    ]
    assert commands[1] == "pip install -e '.[dev]' && python -m pytest -q"
    ci = (REPO / ".ci" / "run").read_text("utf-8").splitlines()
    assert commands[1] in ci
    assert any(line.startswith("export CI=true") for line in ci)
