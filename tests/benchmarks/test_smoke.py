"""The benchmark code still runs end to end (a few seconds, real servers and wrk); nothing about speed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from prerequisites import WRK

from benchmarks.__main__ import main


@pytest.mark.needs(WRK)
def test_smoke_run_writes_results(tmp_path: Path) -> None:
    assert main(["--smoke", "--only", "ingest", "--out", str(tmp_path)]) == 0
    (json_file,) = tmp_path.glob("*.json")
    doc = json.loads(json_file.read_text())
    (row,) = doc["ingest"]
    assert row["name"] == "kv x100 plain c64"
    for side in ("reference", "baseline"):
        assert row[side]["requests_per_s"] > 0
        assert row[side]["non_2xx"] == 0
    assert [t["benchmark"] for t in doc["targets"]] == ["1", "1", "1"]
    markdown = json_file.with_suffix(".md").read_text()
    assert "| kv x100 plain c64 |" in markdown


@pytest.mark.needs(WRK)
def test_smoke_run_of_workers_sets_them_beside_one_process(tmp_path: Path) -> None:
    assert main(["--smoke", "--only", "ingest,workers", "--out", str(tmp_path)]) == 0
    (json_file,) = tmp_path.glob("*.json")
    doc = json.loads(json_file.read_text())
    (row,) = doc["workers"]
    assert row["name"] == "kv x100 plain c64 workers 2"
    assert row["reference"]["requests_per_s"] > 0 and row["reference"]["non_2xx"] == 0
    assert "`--workers 2` (kv x100 plain c64" in json_file.with_suffix(".md").read_text()


def test_an_unusable_fluent_bit_is_one_line(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("FLUENT_BIT", str(tmp_path / "no-fluent-bit"))
    assert main(["--smoke", "--only", "ingest", "--out", str(tmp_path)]) == 2
    assert (
        capsys.readouterr().err
        == f"python -m benchmarks: FLUENT_BIT={tmp_path / 'no-fluent-bit'}: no executable file there\n"
    )
