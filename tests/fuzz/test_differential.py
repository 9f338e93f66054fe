"""`hecc fuzz` in CI: a small fixed budget and seed (the longer run is documented in docs/fuzzing.md)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import pytest
from suitekit import health_case, hecc, write_cases

from hec_conformance.cli.fuzz import confirm_case
from hec_conformance.corpus import check
from hec_conformance.fuzz.differential import Differential
from hec_conformance.fuzz.strategies import HecRequest
from hec_conformance.target import load_target

CATALOGUE = Path(__file__).resolve().parents[1] / "mutants"
BUDGET, SEED = "40", "7"


@pytest.fixture
def kv_quotes_kept(reference_target: Path, tmp_path: Path) -> Iterator[Path]:
    """A broken target (tests/mutants): quoted kv values keep their quotes in stored events."""
    import sys

    sys.path.insert(0, str(CATALOGUE))
    from mutant_proxy import ProxyMutant
    from mutant_stored import KvQuotesKept

    with ProxyMutant(KvQuotesKept).start(reference_target, tmp_path) as target:
        yield target


def test_the_reference_server_agrees_with_the_oracle(reference_target: Path, tmp_path: Path) -> None:
    done = hecc(
        "fuzz",
        "--target",
        str(reference_target),
        "--budget",
        BUDGET,
        "--seed",
        SEED,
        "--out",
        str(tmp_path),
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{BUDGET} example(s)" in done.stdout and "no disagreement" in done.stdout
    assert not list(tmp_path.iterdir())


def test_a_disagreement_is_shrunk_and_written_as_a_case(
    kv_quotes_kept: Path, reference_target: Path, tmp_path: Path
) -> None:
    runs = []
    for attempt in ("first", "again"):  # the same seed replays the same search
        out = tmp_path / attempt
        done = hecc(
            "fuzz",
            "--target",
            str(kv_quotes_kept),
            "--budget",
            BUDGET,
            "--seed",
            SEED,
            "--out",
            str(out),
            timeout=120,
        )
        assert done.returncode == 1, done.stdout + done.stderr
        assert "target '\"" in done.stdout, done.stdout  # a value stored with its quotes
        assert "run as a case, it passes on the oracle and fails on the target (fuzz-seed-7[" in done.stdout
        [written] = out.glob("*.yaml")
        runs.append(written.read_text("utf-8"))
    assert runs[0] == runs[1]
    cases, errors = check([tmp_path / "first"])
    assert errors == [] and len(cases) == 1
    # The written case fails against the broken target and passes against the reference server, also
    # when `hecc run` runs it (not only the engine inside `hecc fuzz`).
    broken = hecc("run", "--target", str(kv_quotes_kept), "--cases", str(tmp_path / "first"), timeout=120)
    assert broken.returncode == 1, broken.stdout[-2000:]
    fine = hecc("run", "--target", str(reference_target), "--cases", str(tmp_path / "first"), timeout=120)
    assert fine.returncode == 0, fine.stdout[-2000:]


def test_fuzz_errors_are_one_line(tmp_path: Path) -> None:
    done = hecc("fuzz", "--target", str(tmp_path / "missing.yaml"), timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith("hecc: ") and "Traceback" not in done.stderr


@pytest.fixture
def events_listed_twice(reference_target: Path, tmp_path: Path) -> Iterator[Path]:
    """A broken target: its query API lists every stored event twice in one answer (same `@id`)."""
    import sys

    sys.path.insert(0, str(CATALOGUE))
    from mutant_proxy import ProxyMutant
    from mutant_stored import EventsListedTwice

    with ProxyMutant(EventsListedTwice).start(reference_target, tmp_path) as target:
        yield target


def test_an_id_listed_twice_in_one_answer_is_a_disagreement(
    events_listed_twice: Path, reference_target: Path
) -> None:
    """SPEC §9: one read-back answer holding the same `@id` twice is a failure of the target, never
    merged away (the poller reports it, the fuzzer names it)."""
    request = HecRequest("/api/v1/ingest/hec", ({"event": "twice"},))
    differential = Differential(load_target(reference_target), load_target(events_listed_twice))
    try:
        oracle, target, found = differential.check(request)
    finally:
        differential.close()
    assert len(oracle.events) == len(target.events) == 1 and not oracle.duplicates
    assert len(target.duplicates) == 1
    assert [(d.part, d.requirement) for d in found] == [("stored.@id", "RES-1")]


@pytest.mark.parametrize(
    ("code", "exit_code", "said"),
    [
        (17, 1, "run as a case, it passes on the target too: the case's matchers do not reach"),
        (99, 3, "hecc fuzz: the written case does not pass on the oracle (health[base])"),
    ],
)
def test_the_written_case_is_run_on_both_sides(
    reference_target: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    code: int,
    exit_code: int,
    said: str,
) -> None:
    """`hecc fuzz` runs the case it wrote through the engine on the oracle and the target: a case that
    passes on both says its matchers miss the difference; one failing on the oracle is a harness error."""
    folder = write_cases(tmp_path, "fuzz", health_case("health").replace("code: 17", f"code: {code}"))
    cases, errors = check([folder])
    assert errors == []
    args = argparse.Namespace(target=str(reference_target), out=str(tmp_path), readback_timeout=5.0)
    assert confirm_case(cases, reference_target, reference_target, args) == exit_code
    printed = capsys.readouterr()
    assert said in printed.out + printed.err
