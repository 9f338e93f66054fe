"""The corpus against every mutant of the catalogue (full corpus, humio): none may survive.

Each mutant stops at its first killing case variant (`--first-kill`); one that survives has run the
whole corpus. `hecc mutants` without `--first-kill` lists every killing case (docs/fuzzing.md).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "suite"))

from suitekit import hecc  # noqa: E402

from hec_conformance.fuzz.mutants import load_catalogue_file  # noqa: E402

LINE = re.compile(r"^(\w+)\s+([A-Z]+-\d+)\s+(killed by \d+|SURVIVED)", re.MULTILINE)


def test_the_catalogue_holds_at_least_20_distinct_mutants() -> None:
    mutants = load_catalogue_file(HERE)
    assert len(mutants) >= 20
    assert len({m.name for m in mutants}) == len(mutants)
    assert all(m.rule and m.about for m in mutants)


def test_no_mutant_survives_the_corpus() -> None:
    done = hecc("mutants", "--catalogue", str(HERE), "--workers", "2", "--first-kill", timeout=900)
    output = done.stdout + done.stderr
    reported = LINE.findall(done.stdout)
    assert len(reported) == len(load_catalogue_file(HERE)), output[-3000:]
    survivors = [name for name, _, state in reported if state == "SURVIVED"]
    assert survivors == [], output[-3000:]
    assert done.returncode == 0, output[-3000:]
