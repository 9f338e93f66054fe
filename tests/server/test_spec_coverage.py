"""Every SPEC id has a test in tests/server in each profile it applies to (requirements.yaml).

Tests say what they check with ``@pytest.mark.spec("AUTH-5", "AUTH-9", profile="humio")`` (profile:
"humio", "splunk" or a tuple of both). The marks are read from the test modules themselves, so this
check gives the same answer whichever tests were selected. ``python tests/server/test_spec_coverage.py``
prints the mapping: one line per SPEC id with its profiles and the node ids of the tests covering it.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType

from hec_conformance.catalogue import PROFILES, Requirement, load_catalogue

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

Covers = dict[tuple[str, str], list[str]]  # (id, profile) -> node ids


def _module(path: Path) -> ModuleType:
    """The test module, as pytest imported it if it did (prepend mode: by its base name)."""
    loaded = sys.modules.get(path.stem)
    if loaded is not None and Path(getattr(loaded, "__file__", "")).resolve() == path:
        return loaded
    if str(HERE) not in sys.path:  # the modules import serverkit
        sys.path.insert(0, str(HERE))
    spec = importlib.util.spec_from_file_location(f"_spec_coverage_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _marks(obj: object) -> list:
    marks = getattr(obj, "pytestmark", [])
    return [m for m in (marks if isinstance(marks, list) else [marks]) if m.name == "spec"]


def spec_marks() -> Iterator[tuple[str, tuple[str, ...], object]]:
    """(node id, ids, profile argument as written) for every spec mark on a test in tests/server."""
    for path in sorted(HERE.glob("test_*.py")):
        module = _module(path)
        module_marks = _marks(module)
        rel = path.relative_to(ROOT).as_posix()
        for name, obj in vars(module).items():
            if not name.startswith("test") or not callable(obj):
                continue
            if getattr(obj, "__module__", None) != module.__name__:  # imported, not defined here
                continue
            for mark in module_marks + _marks(obj):
                yield f"{rel}::{name}", tuple(mark.args), mark.kwargs.get("profile")


def _profiles(profile: object) -> tuple[str, ...]:
    if isinstance(profile, str):
        return (profile,)
    return tuple(profile) if isinstance(profile, (tuple, list)) else ()


def mark_errors(
    marks: Iterable[tuple[str, tuple[str, ...], object]], catalogue: dict[str, Requirement]
) -> list[str]:
    """Marks that name no SPEC id, no valid profile, or a profile where the id does not apply."""
    errors = []
    for node, ids, profile in marks:
        profiles = _profiles(profile)
        if not ids or not profiles or any(p not in PROFILES for p in profiles):
            errors.append(f"{node}: spec{ids} profile={profile!r}")
            continue
        for rid in ids:
            if rid not in catalogue:
                errors.append(f"{node}: {rid} is no SPEC id")
            for p in profiles:
                if rid in catalogue and catalogue[rid].level_for(p) is None:
                    errors.append(f"{node}: {rid} does not apply in {p}")
    return errors


def coverage(marks: Iterable[tuple[str, tuple[str, ...], object]]) -> Covers:
    covers: Covers = {}
    for node, ids, profile in marks:
        for rid in ids:
            for p in _profiles(profile):
                nodes = covers.setdefault((rid, p), [])
                if node not in nodes:
                    nodes.append(node)
    return covers


def uncovered(catalogue: dict[str, Requirement], covers: Covers) -> list[str]:
    """Every id x profile of the catalogue that no marked test covers, in SPEC order."""
    return [
        f"{rid} ({p})"
        for rid, req in catalogue.items()
        for p in PROFILES
        if req.level_for(p) is not None and not covers.get((rid, p))
    ]


def test_every_spec_id_has_a_server_test_in_each_profile_it_applies_to():
    missing = uncovered(load_catalogue(), coverage(spec_marks()))
    assert not missing, "SPEC id x profile with no marked test in tests/server:\n  " + "\n  ".join(missing)


def test_marks_name_spec_ids_in_profiles_where_they_apply():
    errors = mark_errors(spec_marks(), load_catalogue())
    assert not errors, "bad spec marks:\n  " + "\n  ".join(errors)


def test_the_check_reports_an_id_whose_only_test_loses_its_mark():
    marks = list(spec_marks())
    covers = coverage(marks)
    assert covers[("EP-4", "humio")] and covers[("AUTH-1", "splunk")]
    kept = [(node, tuple(i for i in ids if i != "EP-4"), profile) for node, ids, profile in marks]
    humio_only = [(node, ids, "humio") for node, ids, profile in kept if "humio" in _profiles(profile)]
    missing = uncovered(load_catalogue(), coverage(humio_only))
    assert "EP-4 (humio)" in missing and "EP-4 (splunk)" in missing and "AUTH-1 (splunk)" in missing
    assert "AUTH-1 (humio)" not in missing


def mapping() -> str:
    """One line per SPEC id: the id, the profiles it applies to, then per profile the covering tests."""
    covers = coverage(spec_marks())
    lines = []
    for rid, req in load_catalogue().items():
        profiles = [p for p in PROFILES if req.level_for(p) is not None]
        parts = [f"{p}: {', '.join(covers.get((rid, p), [])) or 'NONE'}" for p in profiles]
        lines.append(f"- {rid} [{', '.join(profiles)}] — " + "; ".join(parts))
    return "\n".join(lines)


if __name__ == "__main__":
    print(mapping())
