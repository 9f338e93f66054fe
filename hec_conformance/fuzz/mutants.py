"""Mutation score of the case corpus against deliberately broken HEC servers ("mutants").

A mutant catalogue is a Python file defining `MUTANTS`, a sequence of objects with `name`, `rule`
(the SPEC id it breaks), `about` (one line) and `start(upstream_target: Path, workdir: Path)`, a
context manager yielding the target file of the running mutant. The project's catalogue is
test-only code in `tests/mutants/catalogue.py` (proxies in front of the real reference server).

Every mutant runs the full corpus (every case, every variant) through the engine, in front of its
own freshly started reference server (cases that reuse fixed channels or fill server state must not
see the traffic of other runs); a case variant that passes against the real server and does not
pass against the mutant kills it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import multiprocessing
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from hec_conformance.catalogue import load_catalogue
from hec_conformance.corpus import Case, load_cases
from hec_conformance.engine import Engine
from hec_conformance.results import CaseFinished
from hec_conformance.target import load_target
from hec_conformance.verdict import MISMATCHES, Outcome


class Mutant(Protocol):
    """One broken HEC behaviour."""

    name: str
    rule: str
    about: str

    def start(self, upstream_target: Path, workdir: Path) -> contextlib.AbstractContextManager[Path]:
        """Run the mutant in front of the server of `upstream_target`; yield the mutant's target file."""
        ...


@dataclass(frozen=True)
class CorpusRun:
    """Case variants (`id[variant]`) that did not pass, split into mismatches and harness errors."""

    mismatches: tuple[str, ...]
    errors: tuple[str, ...]
    seconds: float


@dataclass(frozen=True)
class MutantResult:
    """A mutant and the case variants that killed it (empty: it survived)."""

    name: str
    rule: str
    about: str
    killers: tuple[str, ...]
    errors: tuple[str, ...]
    seconds: float

    @property
    def killed(self) -> bool:
        return bool(self.killers)


def load_catalogue_file(path: Path) -> Sequence[Mutant]:
    """`MUTANTS` of a catalogue file (or of `catalogue.py` in a directory)."""
    path = path / "catalogue.py" if path.is_dir() else path
    spec = importlib.util.spec_from_file_location("hecc_mutant_catalogue", path)
    if spec is None or spec.loader is None or not path.is_file():
        raise FileNotFoundError(f"{path}: no mutant catalogue there")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return tuple(module.MUTANTS)


def run_corpus(
    target_file: Path,
    cases: Sequence[Case],
    readback_timeout: float = 5.0,
    skip: frozenset[str] = frozenset(),
    first_kill: bool = False,
) -> CorpusRun:
    """Every case variant of `cases` against the target; which did not pass. `first_kill`: stop at the
    first mismatch of a case variant not in `skip` (those failing on the real server)."""
    started = time.monotonic()
    engine = Engine(load_target(target_file), load_catalogue(), readback_timeout=readback_timeout)
    mismatches: list[str] = []
    errors: list[str] = []
    run = engine.execute((case, variant) for case in cases for variant in engine.variants(case))
    try:
        for event in run:
            if not isinstance(event, CaseFinished):
                continue
            item = f"{event.case_id}[{event.variant}]"
            if event.outcome in MISMATCHES:
                mismatches.append(item)
                if first_kill and item not in skip:
                    break
            elif event.outcome == Outcome.ERROR:
                errors.append(item)
    finally:
        run.close()
        engine.close()
    return CorpusRun(tuple(mismatches), tuple(errors), time.monotonic() - started)


# Set in the parent before the worker processes fork (they inherit it; nothing is pickled but ints).
_JOB: dict[str, Any] = {}


def _run_job(index: int) -> CorpusRun:
    mutant = _JOB["mutants"][index]
    folder = _JOB["workdir"] / f"mutant-{index}"
    folder.mkdir(parents=True, exist_ok=True)
    with _JOB["upstream"]() as upstream, mutant.start(upstream, folder) as target_file:
        return run_corpus(target_file, _JOB["cases"], skip=_JOB["skip"], first_kill=_JOB["first_kill"])


Upstream = Callable[[], contextlib.AbstractContextManager[Path]]


def run_mutants(
    mutants: Sequence[Mutant],
    upstream: Upstream,
    workdir: Path,
    cases_dir: Path | None = None,
    workers: int = 2,
    first_kill: bool = False,
    progress: Callable[[MutantResult], None] | None = None,
) -> tuple[CorpusRun, list[MutantResult]]:
    """The corpus against the real server (baseline) and against every mutant, `workers` at a time;
    `upstream()` starts a reference server and yields its target file (one per run).

    The baseline runs first: a case variant that fails there kills nothing. `first_kill`: each mutant
    stops at its first killing case variant (a survivor still runs the whole corpus). Returns the
    baseline and one result per mutant, in catalogue order.
    """
    cases = load_cases([cases_dir] if cases_dir else None)
    with upstream() as upstream_target:
        baseline = run_corpus(upstream_target, cases)
    broken = frozenset(baseline.mismatches) | frozenset(baseline.errors)
    _JOB.update(
        upstream=upstream,
        workdir=workdir,
        cases=cases,
        mutants=list(mutants),
        skip=broken,
        first_kill=first_kill,
    )
    context = multiprocessing.get_context("fork")
    results = []
    try:
        with ProcessPoolExecutor(max_workers=max(workers, 1), mp_context=context) as pool:
            futures = [pool.submit(_run_job, i) for i in range(len(mutants))]
            for mutant, future in zip(mutants, futures, strict=True):
                run = future.result()
                result = MutantResult(
                    mutant.name,
                    mutant.rule,
                    mutant.about,
                    tuple(k for k in run.mismatches if k not in broken),
                    tuple(e for e in run.errors if e not in broken),
                    run.seconds,
                )
                if progress:
                    progress(result)
                results.append(result)
    finally:
        _JOB.clear()
    return baseline, results
