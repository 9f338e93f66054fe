"""Vendor profiles: loading with clear errors, and what a deviation does to each verdict."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from hec_conformance.results import CaseFinished
from hec_conformance.verdict import judge
from hec_conformance.waivers import Deviation, VendorProfile, VendorProfileError, beside, load_vendor_profile

TODAY = dt.date(2026, 6, 1)


def _result(
    outcome: str, case_id: str = "kv-basic", variant: str = "base", reqs: tuple[str, ...] = ("KV-1",)
) -> CaseFinished:
    return CaseFinished(case_id, variant, "cases/kv.yaml", outcome, reqs, "MUST")


def _profile(*deviations: Deviation, version: str = "0.1.0") -> VendorProfile:
    return VendorProfile(deviations, today=TODAY, suite_version=version)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "target.vendor-profile.yaml"
    path.write_text(text, "utf-8")
    return path


def test_loads_dates_and_versions_as_written(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "vendor: Acme HEC 3.1\ndeviations:\n"
        "  - {case: kv-basic, reason: ticket 7, expires: 2027-01-31}\n"
        "  - {requirement: TIME-9, reason: rounding, expires: 0.3}\n"
        "  - {case: 'kv-basic[gzip]', reason: gzip, expires: '1.2.0'}\n",
    )
    profile = load_vendor_profile(path, requirement_ids=["TIME-9"], case_ids=["kv-basic"])
    assert profile.vendor == "Acme HEC 3.1"
    assert [d.expires for d in profile.deviations] == ["2027-01-31", "0.3", "1.2.0"]
    assert [d.subject for d in profile.deviations] == ["kv-basic", "TIME-9", "kv-basic[gzip]"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "deviations:\n  - {case: kv-basic, expires: 2027-01-31}\n",
            "deviations[0]: missing required key 'reason'",
        ),
        ("deviations:\n  - {case: kv-basic, reason: r}\n", "deviations[0]: missing required key 'expires'"),
        (
            "deviations:\n  - {case: kv-basic, requirement: KV-1, reason: r, expires: 2027-01-31}\n",
            "deviations[0]: a deviation names exactly one of `case` or `requirement`",
        ),
        (
            "deviations:\n  - {reason: r, expires: 2027-01-31}\n",
            "deviations[0]: a deviation names exactly one of `case` or `requirement`",
        ),
        (
            "deviations:\n  - {case: kv-basic, reason: r, expires: next year}\n",
            "deviations[0].expires: not a date (YYYY-MM-DD) or a suite version (0.3.0)",
        ),
        (
            "deviations:\n  - {case: kv-basic, reason: r, expires: '2027-02-30'}\n",
            "deviations[0].expires: '2027-02-30' is not a calendar date",
        ),
        (
            "deviations:\n  - {requirement: NOPE-1, reason: r, expires: 2027-01-31}\n",
            "deviations[0].requirement: unknown requirement id 'NOPE-1'",
        ),
        (
            "deviations:\n  - {case: 'ghost[gzip]', reason: r, expires: 2027-01-31}\n",
            "deviations[0].case: unknown case id 'ghost'",
        ),
        (
            "deviations:\n  - {case: kv-basic, reason: r, expires: 2027-01-31, owner: me}\n",
            "deviations[0].owner: unknown key 'owner'",
        ),
        ("vendor: x\n", "(top level): missing required key 'deviations'"),
        ("deviations: [\n", ":2: YAML syntax"),
    ],
)
def test_bad_profiles_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(VendorProfileError) as info:
        load_vendor_profile(path, requirement_ids=["KV-1"], case_ids=["kv-basic"])
    assert str(info.value).startswith(str(path))
    assert message in str(info.value)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(VendorProfileError, match="cannot read the vendor profile"):
        load_vendor_profile(tmp_path / "absent.yaml")


def test_live_deviation_waives_fail_warn_and_info() -> None:
    profile = _profile(Deviation("kv-basic", None, "known", "2026-06-01"))  # expires at the end of TODAY
    for outcome in ("fail", "warn", "info"):
        verdict = judge(_result(outcome), profile)
        assert (verdict.outcome, verdict.waiver) == ("waived", "waived")


def test_passing_covered_case_is_a_stale_waiver() -> None:
    verdict = judge(_result("pass"), _profile(Deviation("kv-basic", None, "known", "2027-01-01")))
    assert (verdict.outcome, verdict.waiver) == ("pass", "stale")


def test_expired_date_counts_as_failure_again() -> None:
    verdict = judge(_result("fail"), _profile(Deviation("kv-basic", None, "known", "2026-05-31")))
    assert (verdict.outcome, verdict.waiver) == ("fail", "expired")


def test_suite_version_expiry() -> None:
    deviation = Deviation(None, "KV-1", "fixed in the next release", "0.2.0")
    assert judge(_result("fail"), _profile(deviation, version="0.1.9")).outcome == "waived"
    assert judge(_result("fail"), _profile(deviation, version="0.2.0")).waiver == "expired"
    assert judge(_result("fail"), _profile(deviation, version="0.10.0")).outcome == "fail"


def test_variant_deviation_covers_only_that_variant() -> None:
    profile = _profile(Deviation("kv-basic[gzip]", None, "gzip only", "2027-01-01"))
    assert judge(_result("fail", variant="gzip"), profile).outcome == "waived"
    assert judge(_result("fail", variant="base"), profile).outcome == "fail"
    assert judge(_result("fail", case_id="kv-basic-2", variant="gzip"), profile).outcome == "fail"


def test_errors_and_unsupported_are_never_waived() -> None:
    profile = _profile(Deviation(None, "KV-1", "known", "2027-01-01"))
    for outcome in ("error", "unsupported"):
        assert judge(_result(outcome), profile).waiver is None
        assert judge(_result(outcome), profile).outcome == outcome


def test_a_live_deviation_wins_over_an_expired_one() -> None:
    profile = _profile(
        Deviation("kv-basic", None, "old", "2020-01-01"), Deviation(None, "KV-1", "new", "2027-01-01")
    )
    verdict = judge(_result("fail"), profile)
    assert (verdict.outcome, verdict.deviation and verdict.deviation.reason) == ("waived", "new")


def test_profile_beside_the_target_file(tmp_path: Path) -> None:
    target = tmp_path / "prod.yaml"
    assert beside(target) is None
    profile = tmp_path / "prod.vendor-profile.yaml"
    profile.write_text("deviations: []\n", "utf-8")
    assert beside(target) == profile
