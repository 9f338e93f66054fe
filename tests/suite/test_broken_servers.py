"""`hecc run` against deliberately broken HEC servers: non-zero exit, naming the broken case and rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from broken_servers import ALL, Breaker, BrokenServer
from suitekit import hecc

HEADER = re.compile(r"^(\S+)\[([\w.-]+)\] FAIL \(level (\w+); requirements ([^)]*)\)$", re.MULTILINE)
FAILED = re.compile(r"^FAILED \S+::([a-z0-9-]+)\[", re.MULTILINE)


@pytest.mark.parametrize("breaker", ALL, ids=[b.__name__ for b in ALL])
def test_hecc_names_the_broken_rule(breaker: type[Breaker], reference_target: Path, tmp_path: Path) -> None:
    server = BrokenServer(breaker(), reference_target)
    try:
        done = hecc("run", "--target", str(server.write_target(tmp_path / "broken.yaml")), timeout=300)
    finally:
        server.stop()
    output = done.stdout + done.stderr
    assert done.returncode == 1, output[-3000:]
    failed_ids = set(FAILED.findall(output))
    named = {case_id for case_id, _, _, reqs in HEADER.findall(output) if breaker.rule in reqs.split(", ")}
    assert named & failed_ids, f"no failing case names {breaker.rule}:\n{output[-3000:]}"
    # The report shows what was sent and what came back for the failing case.
    assert "--> request 0:" in output and "<-- response 0:" in output
