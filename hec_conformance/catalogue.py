"""The requirement catalogue: SPEC ids, their levels per profile and the capability they need."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from hec_conformance.verdict import LEVELS

PROFILES = ("humio", "splunk")


@dataclass(frozen=True)
class Requirement:
    """One SPEC requirement; `levels` holds only the profiles where it applies."""

    id: str
    section: str
    title: str
    levels: Mapping[str, str]
    capability: str | None

    def level_for(self, profile: str) -> str | None:
        """The level in `profile`, or None when the rule does not apply there."""
        return self.levels.get(profile)


def _requirement(section: Mapping[str, Any], entry: Mapping[str, Any]) -> Requirement:
    if "levels" in entry:
        levels = dict(entry["levels"])
    else:
        profiles = entry.get("profiles", section["profiles"])
        levels = {profile: entry["level"] for profile in profiles}
    bad = {p: lv for p, lv in levels.items() if p not in PROFILES or lv not in LEVELS}
    if bad or not levels:
        raise ValueError(f"requirements.yaml: {entry.get('id')}: bad levels {levels!r}")
    return Requirement(
        id=entry["id"],
        section=section["section"],
        title=entry["title"],
        levels=MappingProxyType(levels),
        capability=entry.get("capability"),
    )


def parse_catalogue(text: str) -> dict[str, Requirement]:
    """Read the catalogue YAML (the layout of data/requirements.yaml)."""
    catalogue: dict[str, Requirement] = {}
    for section in yaml.safe_load(text)["sections"]:
        for entry in section["requirements"]:
            requirement = _requirement(section, entry)
            if requirement.id in catalogue:
                raise ValueError(f"requirements.yaml: duplicate id {requirement.id}")
            catalogue[requirement.id] = requirement
    return catalogue


@cache
def _cached() -> MappingProxyType[str, Requirement]:
    text = (Path(__file__).parent / "data" / "requirements.yaml").read_text("utf-8")
    return MappingProxyType(parse_catalogue(text))


def load_catalogue() -> dict[str, Requirement]:
    """The packaged catalogue, id -> Requirement, in SPEC order (parsed once, a fresh dict each call)."""
    return dict(_cached())
