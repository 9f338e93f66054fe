"""`hecc report` and `hecc compare` on real files (the fixed stream's results.json)."""

from __future__ import annotations

from pathlib import Path

import pytest
from reportkit import document

from hec_conformance.cli import main
from hec_conformance.reports import render_html, render_json


def _hecc(*argv: str) -> int:
    return main(list(argv))


@pytest.fixture
def results(tmp_path: Path) -> Path:
    path = tmp_path / "results.json"
    path.write_text(render_json(document()), "utf-8")
    return path


def test_report_renders_html_again_from_json(results: Path, tmp_path: Path) -> None:
    out = tmp_path / "again" / "out.html"
    assert _hecc("report", str(results), "--html", str(out)) == 0
    assert out.read_text("utf-8") == render_html(document())


def test_report_dir_writes_every_file(results: Path, tmp_path: Path) -> None:
    assert _hecc("report", str(results), "--dir", str(tmp_path / "all")) == 0
    assert sorted(p.name for p in (tmp_path / "all").iterdir()) == [
        "badge-may.json",
        "badge-must.json",
        "badge-should.json",
        "junit.xml",
        "report.html",
        "results.json",
    ]
    assert (tmp_path / "all" / "results.json").read_text("utf-8") == results.read_text("utf-8")


def test_report_without_outputs_prints_the_summary(results: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _hecc("report", str(results)) == 0
    out = capsys.readouterr().out
    assert "Outcomes by area and level" in out and "DOES NOT CONFORM at --fail-on must" in out


def test_report_of_a_bad_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something else"}', "utf-8")
    assert _hecc("report", str(bad), "--html", str(tmp_path / "x.html")) == 2
    assert capsys.readouterr().err.startswith(f"hecc: {bad}: ")
    assert not (tmp_path / "x.html").exists()


def test_compare_exits_1_on_a_regression_and_lists_it_first(
    results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = document()
    for case in doc["cases"]:
        if case["id"] == "case-1":
            case["outcome"] = "fail"
        if case["id"] == "case-2":
            case["outcome"] = "pass"
    after = tmp_path / "after.json"
    after.write_text(render_json(doc), "utf-8")
    assert _hecc("compare", str(results), str(after)) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[2].startswith("REGRESSION       case-1[base]: pass -> fail")
    assert lines[3].startswith("FIXED            case-2[base]: fail -> pass")
    assert _hecc("compare", str(after), str(results)) == 1  # the other way round case-2 regresses
    assert _hecc("compare", str(results), str(results)) == 0
    assert capsys.readouterr().out.endswith("no change\n")
