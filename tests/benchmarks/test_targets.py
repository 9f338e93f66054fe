"""The target table says why a target is missed: the time over it, or the exit code that failed it."""

from __future__ import annotations

import pytest

from benchmarks.results import targets


@pytest.mark.parametrize(
    ("wall_s", "exit_code", "met", "gap"),
    [
        (9.2, 0, True, ""),
        (41.5, 0, False, "11.5 s over"),
        (9.2, 1, False, "exit 1: the corpus fails the reference server"),
    ],
)
def test_the_suite_time_target_names_its_gap(wall_s: float, exit_code: int, met: bool, gap: str) -> None:
    doc = {"suite": {"wall_s": wall_s, "exit_code": exit_code, "items_per_s": 126.0}}
    (target,) = targets(doc)
    assert (target["target"], target["met"], target["gap"]) == ("hecc run <= 30 s", met, gap)
