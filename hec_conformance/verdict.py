"""The verdict: the outcomes, the level -> outcome rule, waivers, what fails at a --fail-on level, counting.

Every front end, writer and feature package asks this module; none spells an outcome rule itself.

    MISMATCH_OUTCOME["SHOULD"]            # Outcome.WARN: a SHOULD broken warns (SPEC levels)
    judge(result, vendor_profile)         # the reported outcome, waivers applied (once per case variant)
    failing_outcomes("should")            # {fail, warn, error}: what breaks conformance at --fail-on should
    count(outcomes)                       # {"pass": n, "fail": n, ...} in report order
    requirement_outcomes(checks, levels)  # per requirement: the worst of the checks attributed to it
    case_outcome(per_requirement)         # the case variant's: the worst of its requirements'
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from hec_conformance.results import CaseFinished, Check
    from hec_conformance.waivers import Deviation


class Outcome(StrEnum):
    """What a case variant came to; the members are in the order every report shows them."""

    PASS = "pass"
    FAIL = "fail"  # a MUST broken
    WARN = "warn"  # a SHOULD broken
    INFO = "info"  # a MAY broken
    UNSUPPORTED = "unsupported"  # the case does not apply to the target (profile, capability, role)
    WAIVED = "waived"  # a mismatch a live deviation of the vendor profile covers
    ERROR = "error"  # a harness problem: unreachable target, read-back failure


class Waiver(StrEnum):
    """What a vendor-profile deviation did to a case variant it covers."""

    WAIVED = "waived"  # the mismatch is waived
    STALE = "stale"  # the case passes: the deviation can go
    EXPIRED = "expired"  # past its date or version: the mismatch counts again


LEVELS = ("MUST", "SHOULD", "MAY")  # strictest first
FAIL_ON = tuple(level.lower() for level in LEVELS)  # the values of --fail-on (and --level)
MISMATCH_OUTCOME: Mapping[str, Outcome] = {"MUST": Outcome.FAIL, "SHOULD": Outcome.WARN, "MAY": Outcome.INFO}
MISMATCHES = frozenset(MISMATCH_OUTCOME.values())  # the target broke an expectation (waivable)


class Waivers(Protocol):
    """What `judge` needs of a vendor profile (hec_conformance.waivers.VendorProfile)."""

    def covering(self, case_id: str, variant: str, requirements: Collection[str]) -> list[Deviation]:
        """The deviations naming this case variant."""
        ...

    def live(self, deviations: Iterable[Deviation]) -> list[Deviation]:
        """Those of `deviations` that have not expired."""
        ...


@dataclass(frozen=True)
class Verdict:
    """A case variant's reported outcome, and the waiver state when a deviation covers it."""

    outcome: Outcome
    waiver: Waiver | None = None
    deviation: Deviation | None = None


def judge(result: CaseFinished, profile: Waivers | None = None) -> Verdict:
    """The reported outcome of an engine verdict under a vendor profile (docs/vendor-profiles.md).

    A mismatch a live deviation covers is waived; a covered case that passes keeps `pass` and its
    waiver is stale; an expired deviation waives nothing. Errors and unsupported cases are never waived.
    """
    outcome = Outcome(result.outcome)
    if profile is None or outcome not in (*MISMATCHES, Outcome.PASS):
        return Verdict(outcome)
    covering = profile.covering(result.case_id, result.variant, result.requirements)
    if not covering:
        return Verdict(outcome)
    live = profile.live(covering)
    if outcome is Outcome.PASS:
        return Verdict(outcome, Waiver.STALE, (live or covering)[0])
    if live:
        return Verdict(Outcome.WAIVED, Waiver.WAIVED, live[0])
    return Verdict(outcome, Waiver.EXPIRED, covering[0])


def failing_mismatches(fail_on: str) -> frozenset[Outcome]:
    """The mismatch outcomes that fail at `fail_on` (must, should or may): its level and the stricter."""
    levels = LEVELS[: LEVELS.index(fail_on.upper()) + 1]
    return frozenset(MISMATCH_OUTCOME[level] for level in levels)


def failing_outcomes(fail_on: str) -> frozenset[Outcome]:
    """The outcomes that break conformance at `fail_on`: the failing mismatches, and harness errors."""
    return failing_mismatches(fail_on) | {Outcome.ERROR}


def count(outcomes: Iterable[str]) -> dict[str, int]:
    """How many of each outcome, every outcome present (zero or more), in report order."""
    counts = dict.fromkeys((o.value for o in Outcome), 0)
    for outcome in outcomes:
        counts[Outcome(outcome).value] += 1
    return counts


def failing_count(counts: Mapping[str, int], fail_on: str) -> int:
    """How many case variants break conformance at `fail_on`."""
    return sum(counts.get(o.value, 0) for o in failing_outcomes(fail_on))


# Worst first: what a requirement comes to when its checks disagree.
SEVERITY = (Outcome.FAIL, Outcome.WARN, Outcome.INFO, Outcome.PASS, Outcome.UNSUPPORTED)


def weakest(*levels: str | None) -> str:
    """The weakest of the given levels (None ignored; MUST when none is given)."""
    given = [LEVELS.index(level) for level in levels if level is not None]
    return LEVELS[max(given, default=0)]


def requirement_outcomes(
    checks: Iterable[Check], levels: Mapping[str, str | None], cap: str | None = None
) -> dict[str, Outcome]:
    """What each requirement comes to through the checks attributed to it (issue 10): a failed check
    is the mismatch outcome at the weakest of the requirement's level in the profile (`levels`; None:
    it does not apply there and the check says nothing about it), the check's own level and `cap` (a
    case's explicit level); passed checks make `pass`; a requirement whose checks all went unchecked
    is `unsupported`. The worst outcome of its checks wins."""
    found: dict[str, list[Outcome]] = {}
    for check in checks:
        for rid in check.requirements:
            level = levels.get(rid)
            if level is None:
                continue
            if check.result == "fail":
                outcome = MISMATCH_OUTCOME[weakest(level, check.level, cap)]
            else:
                outcome = Outcome.PASS if check.result == "pass" else Outcome.UNSUPPORTED
            found.setdefault(rid, []).append(outcome)
    return {rid: min(outcomes, key=SEVERITY.index) for rid, outcomes in found.items()}


def case_outcome(per_requirement: Mapping[str, Outcome]) -> Outcome:
    """A case variant's outcome: the worst of its requirements' (unsupported when nothing was checked)."""
    return min(per_requirement.values(), key=SEVERITY.index, default=Outcome.UNSUPPORTED)
