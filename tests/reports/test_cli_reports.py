"""`hecc run --report-dir / --vendor-profile`, `hecc report`, `hecc compare` as a user runs them
(subprocesses, the bundled reference server, a two-case corpus with one planted failure)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 300
CORPUS = """\
area: demo
cases:
  - id: demo-wrong-status
    title: "expects a status the reference server never answers (a planted failure)"
    requirements: [EP-2]
    variants: false
    requests:
      - endpoint: event
        events:
          - {event: "hello"}
        expect:
          status: 418
  - id: demo-accepted
    title: "a valid event is accepted"
    requirements: [EP-1]
    variants: false
    requests:
      - endpoint: event
        events:
          - {event: "hello"}
        expect: {status: 200, body: {text: Success, code: 0}}
"""


def hecc(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run(
        [sys.executable, "-m", "hec_conformance.cli", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=ROOT,
        env=env,
        check=False,
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("corpus")
    (directory / "demo.yaml").write_text(CORPUS, "utf-8")
    return directory


def _run(corpus: Path, out: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    proc = hecc("run", "--cases", str(corpus), "--report-dir", str(out), *extra)
    results = out / "results.json"
    return proc, json.loads(results.read_text("utf-8")) if results.exists() else {}


def _outcomes(doc: dict) -> dict[str, tuple[str, str | None]]:
    return {c["id"]: (c["outcome"], c["waiver"] and c["waiver"]["state"]) for c in doc["cases"]}


def _profile(tmp_path: Path, expires: str) -> Path:
    path = tmp_path / "vendor.yaml"
    path.write_text(
        "vendor: reference server\ndeviations:\n"
        f"  - {{case: demo-wrong-status, reason: planted, expires: '{expires}'}}\n"
        f"  - {{requirement: EP-1, reason: once broken, expires: '{expires}'}}\n",
        "utf-8",
    )
    return path


def test_run_writes_every_report_and_fails_on_the_planted_failure(corpus: Path, tmp_path: Path) -> None:
    proc, doc = _run(corpus, tmp_path / "out")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "badge-may.json",
        "badge-must.json",
        "badge-should.json",
        "junit.xml",
        "report.html",
        "results.json",
    ]
    assert _outcomes(doc) == {"demo-wrong-status": ("fail", None), "demo-accepted": ("pass", None)}
    assert "Outcomes by area and level" in proc.stdout
    must = json.loads((tmp_path / "out" / "badge-must.json").read_text("utf-8"))
    assert must == {"schemaVersion": 1, "label": "HEC MUST (humio)", "message": "1/2 pass", "color": "red"}


def test_live_deviation_waives_and_reports_the_stale_one(corpus: Path, tmp_path: Path) -> None:
    proc, doc = _run(corpus, tmp_path / "out", "--vendor-profile", str(_profile(tmp_path, "2999-12-31")))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _outcomes(doc) == {"demo-wrong-status": ("waived", "waived"), "demo-accepted": ("pass", "stale")}
    assert doc["verdict"]["conforms"] is True and doc["vendor_profile"]["vendor"] == "reference server"


def test_expired_deviation_counts_again(corpus: Path, tmp_path: Path) -> None:
    proc, doc = _run(corpus, tmp_path / "out", "--vendor-profile", str(_profile(tmp_path, "0.0.1")))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert _outcomes(doc)["demo-wrong-status"] == ("fail", "expired")


def test_bad_vendor_profile_is_a_configuration_error(corpus: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("deviations:\n  - {case: no-such-case, reason: r, expires: 2999-01-01}\n", "utf-8")
    proc, doc = _run(corpus, tmp_path / "out", "--vendor-profile", str(bad))
    assert proc.returncode == 2
    assert f"{bad}:2: deviations[0].case: unknown case id 'no-such-case'" in proc.stdout + proc.stderr
    assert doc == {}


def test_no_token_in_any_file_of_a_real_run(corpus: Path, tmp_path: Path) -> None:
    config = (ROOT / "reference_server" / "configs" / "suite.yaml").read_text("utf-8")
    tokens = [
        word
        for word in config.replace(",", " ").replace("[", " ").replace("]", " ").split()
        if word.startswith("hecc-") and word.endswith("-token")
    ]
    assert len(tokens) >= 7
    proc, _ = _run(corpus, tmp_path / "out", "--req", "AUTH,EP")
    for path in (tmp_path / "out").iterdir():
        text = path.read_text("utf-8")
        assert not [t for t in tokens if t in text], path.name
    assert not [t for t in tokens if t in proc.stdout + proc.stderr]


def test_report_and_compare_commands(corpus: Path, tmp_path: Path) -> None:
    _, before = _run(corpus, tmp_path / "a")
    _, after = _run(corpus, tmp_path / "b", "--vendor-profile", str(_profile(tmp_path, "2999-12-31")))
    proc = hecc("report", str(tmp_path / "a" / "results.json"), "--html", str(tmp_path / "again.html"))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "again.html").read_text("utf-8") == (tmp_path / "a" / "report.html").read_text("utf-8")
    proc = hecc("compare", str(tmp_path / "a" / "results.json"), str(tmp_path / "b" / "results.json"))
    assert proc.returncode == 0 and "FIXED            demo-wrong-status[base]: fail -> waived" in proc.stdout
    proc = hecc("compare", str(tmp_path / "b" / "results.json"), str(tmp_path / "a" / "results.json"))
    assert proc.returncode == 1 and proc.stdout.splitlines()[2].startswith("REGRESSION")


def test_xdist_workers_records_end_in_one_report(corpus: Path, tmp_path: Path) -> None:
    proc, doc = _run(corpus, tmp_path / "out", "--", "-n", "2")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert _outcomes(doc) == {"demo-wrong-status": ("fail", None), "demo-accepted": ("pass", None)}


def test_run_help_documents_reports_and_exit_codes() -> None:
    text = hecc("run", "--help").stdout
    for needle in (
        "--report-dir",
        "--vendor-profile",
        "0  the target conforms",
        "1  non-conformance",
        "2  usage or configuration error",
        "3  incomplete: the target is unreachable",
    ):
        assert needle in text


def test_pytest_plugin_writes_reports_too(corpus: Path, tmp_path: Path) -> None:
    from hec_conformance.cli.server import reference_server

    with reference_server("humio", all_caps=False) as target:
        argv = [
            sys.executable,
            "-m",
            "pytest",
            str(corpus),
            "-rs",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(corpus),
            "-c",
            os.devnull,
            "--hec-target",
            str(target),
            "--hec-cases",
            str(corpus),
            "--hec-report-dir",
            str(tmp_path / "out"),
            "--hec-vendor-profile",
            str(_profile(tmp_path, "2999-12-31")),
        ]
        proc = subprocess.run(
            argv, capture_output=True, text=True, timeout=TIMEOUT, cwd=tmp_path, check=False
        )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "waived: demo-wrong-status (planted" in proc.stdout  # the skip reason
    doc = json.loads((tmp_path / "out" / "results.json").read_text("utf-8"))
    assert _outcomes(doc) == {"demo-wrong-status": ("waived", "waived"), "demo-accepted": ("pass", "stale")}
