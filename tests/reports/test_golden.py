"""Golden tests: every writer on the fixed result stream of reportkit (no live run).

Set HECC_UPDATE_GOLDEN=1 to rewrite the golden files after a deliberate change, then review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from reportkit import document
from rich.console import Console

from hec_conformance.reports import (
    compare,
    render_badges,
    render_compare,
    render_html,
    render_json,
    render_junit,
    render_terminal,
)

GOLDEN = Path(__file__).parent / "golden"


def _check(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("HECC_UPDATE_GOLDEN"):
        path.write_text(text, "utf-8")
    assert path.read_text("utf-8") == text, f"{name} differs from its golden file"


def _terminal(fail_on: str) -> str:
    console = Console(record=True, width=120, color_system=None, file=open(os.devnull, "w"))  # noqa: SIM115
    render_terminal(document(fail_on), console)
    return console.export_text()


def test_json_golden() -> None:
    _check("results.json", render_json(document()))


def test_junit_golden() -> None:
    _check("junit.xml", render_junit(document()))


def test_junit_fail_on_should_fails_warnings_too() -> None:
    _check("junit-should.xml", render_junit(document("should")))


def test_html_golden() -> None:
    _check("report.html", render_html(document()))


@pytest.mark.parametrize("level", ["must", "should", "may"])
def test_badge_golden(level: str) -> None:
    _check(f"badge-{level}.json", render_json(render_badges(document())[f"badge-{level}.json"]))


def test_terminal_golden() -> None:
    _check("terminal.txt", _terminal("must"))


def test_terminal_fail_on_may_shows_info_as_failure() -> None:
    _check("terminal-may.txt", _terminal("may"))


def test_compare_golden() -> None:
    before = document()
    after = document()
    # Run B: case-1 breaks, case-2 is fixed, case-4's content changed, case-5 now runs, case-10 is gone.
    by_id = {c["id"]: c for c in after["cases"]}
    by_id["case-1"]["outcome"] = "fail"
    by_id["case-2"]["outcome"] = "pass"
    by_id["case-4"]["content_hash"] = "f" * 64
    by_id["case-5"]["outcome"] = "pass"
    after["cases"].remove(by_id["case-10"])
    _check("compare.txt", render_compare(before, after, compare(before, after), ("a.json", "b.json")))
