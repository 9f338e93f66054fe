"""Which cases check which requirement in which profile."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from hec_conformance.catalogue import Requirement
from hec_conformance.corpus.model import Case


def coverage(cases: Iterable[Case], catalogue: Mapping[str, Requirement]) -> dict[str, dict[str, list[str]]]:
    """req id -> profile -> ids of the cases checking it there, for every profile where it applies.

    A gap is an empty list. Requirements unknown to the catalogue are ignored (lint reports them).
    """
    table: dict[str, dict[str, list[str]]] = {
        rid: {profile: [] for profile in req.levels} for rid, req in catalogue.items()
    }
    for case in cases:
        for rid in case.requirements:
            for profile in case.profiles:
                if profile in table.get(rid, {}):
                    table[rid][profile].append(case.id)
    return table


def gaps(table: Mapping[str, Mapping[str, list[str]]]) -> list[tuple[str, str]]:
    """The (requirement id, profile) pairs that no case checks."""
    return [(rid, profile) for rid, row in table.items() for profile, ids in row.items() if not ids]
