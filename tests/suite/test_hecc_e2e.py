"""End to end: the whole corpus through `hecc run` against the bundled reference server, in both profiles
and with both bundled configurations. The reference server must conform (exit 0)."""

from __future__ import annotations

import re

import pytest
from suitekit import hecc

SUMMARY = re.compile(r"\((humio|splunk)\): ([^;]+); conforms at fail-on must")


@pytest.mark.parametrize("all_caps", [False, True], ids=["suite", "suite-all-caps"])
@pytest.mark.parametrize("profile", ["humio", "splunk"])
def test_reference_server_conforms(profile: str, all_caps: bool) -> None:
    args = ["run", "--profile", profile, *(["--all-caps"] if all_caps else [])]
    done = hecc(*args, timeout=900)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    match = SUMMARY.search(output)
    assert match and match.group(1) == profile, output[-2000:]
    assert "pass" in match.group(2)
