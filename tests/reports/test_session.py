"""Reporting.start: the vendor profile beside the target file, or the one given; writing on finish."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from reportkit import CASES, CATALOGUE, TOKEN, stream

from hec_conformance.pytest.reporting import Reporting
from hec_conformance.target import Target, parse_target
from hec_conformance.waivers import VendorProfileError


def _target(tmp_path: Path) -> Target:
    path = tmp_path / "prod.yaml"
    return parse_target(
        {"url": "http://127.0.0.1:1", "tokens": {"default": {"token": TOKEN}}},
        base_dir=tmp_path,
        env={},
        source=path,
    )


def _start(tmp_path: Path, **kwargs: Any) -> Reporting:
    options = {"fail_on": "must", "report_dir": None, "vendor_profile": None, **kwargs}
    return Reporting.start(_target(tmp_path), CASES, catalogue=CATALOGUE, **options)


def test_profile_beside_the_target_is_used(tmp_path: Path) -> None:
    (tmp_path / "prod.vendor-profile.yaml").write_text(
        "deviations:\n  - {case: case-2, reason: known, expires: 2999-01-01}\n", "utf-8"
    )
    reporting = _start(tmp_path, report_dir=tmp_path / "out")
    for event in stream():
        reporting.collector(event)
    doc = reporting.document()
    assert {c["id"]: c["outcome"] for c in doc["cases"]}["case-2"] == "waived"
    assert doc["vendor_profile"]["file"] == str(tmp_path / "prod.vendor-profile.yaml")
    assert [p.name for p in reporting.finish()][:3] == ["results.json", "junit.xml", "report.html"]
    assert TOKEN not in (tmp_path / "out" / "results.json").read_text("utf-8")


def test_given_profile_wins_and_bad_ids_are_errors(tmp_path: Path) -> None:
    (tmp_path / "prod.vendor-profile.yaml").write_text("deviations: []\n", "utf-8")
    given = tmp_path / "other.yaml"
    given.write_text("deviations:\n  - {requirement: NOPE-1, reason: r, expires: 2999-01-01}\n", "utf-8")
    with pytest.raises(VendorProfileError, match="unknown requirement id 'NOPE-1'"):
        _start(tmp_path, vendor_profile=given)


def test_without_profile_or_report_dir(tmp_path: Path) -> None:
    reporting = _start(tmp_path)
    assert reporting.collector.vendor_profile is None
    assert reporting.table_text(markup=False) == ""  # nothing ran in this process
    for event in stream():
        reporting.collector(event)
    assert "Outcomes by area and level" in reporting.table_text(markup=False)
    assert reporting.finish() == []
