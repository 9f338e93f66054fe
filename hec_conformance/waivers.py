"""Vendor profiles (docs/vendor-profiles.md): known deviations of a target, loaded and checked.

What a deviation does to a verdict (waived, stale, expired) is decided in hec_conformance.verdict.judge.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import jsonschema

from hec_conformance.settings_file import Settings, read_settings

SCHEMA_PATH = Path(__file__).parent / "schemas" / "vendor-profile.schema.json"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CASE = re.compile(r"^(?P<id>[^\[]+)(\[(?P<variant>[^\]]+)\])?$")


class VendorProfileError(ValueError):
    """A vendor profile that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Deviation:
    """One known deviation: a case (optionally one variant) or a requirement id, why, and until when."""

    case: str | None
    requirement: str | None
    reason: str
    expires: str

    @property
    def subject(self) -> str:
        """What the deviation names, as written (`kv-basic[gzip]` or `TIME-1`)."""
        return self.case or self.requirement or ""

    def covers(self, case_id: str, variant: str, requirements: Collection[str]) -> bool:
        """Whether this deviation names that case variant (by id, id and variant, or requirement)."""
        if self.requirement is not None:
            return self.requirement in requirements
        m = _CASE.match(self.case or "")
        return m is not None and m["id"] == case_id and m["variant"] in (None, variant)

    def expired(self, today: dt.date, suite_version: str) -> bool:
        """Past its date, or the suite has reached its version."""
        if _DATE.match(self.expires):
            return today > dt.date.fromisoformat(self.expires)
        return _version(suite_version) >= _version(self.expires)

    def to_dict(self) -> dict[str, str]:
        """The deviation as written in the profile (JSON-ready)."""
        out = {"case": self.case} if self.case else {"requirement": self.requirement or ""}
        return {**out, "reason": self.reason, "expires": self.expires}


@dataclass(frozen=True)
class VendorProfile:
    """A loaded vendor profile: its deviations, which of them cover a case variant, which are live."""

    deviations: tuple[Deviation, ...] = ()
    vendor: str | None = None
    source: Path | None = None
    today: dt.date | None = None
    suite_version: str | None = None

    def covering(self, case_id: str, variant: str, requirements: Collection[str]) -> list[Deviation]:
        """The deviations naming this case variant (hec_conformance.verdict.judge applies them)."""
        return [d for d in self.deviations if d.covers(case_id, variant, requirements)]

    def live(self, deviations: Iterable[Deviation]) -> list[Deviation]:
        """Those of `deviations` not yet expired (today's date, the installed suite's version)."""
        today = self.today or dt.date.today()
        version = self.suite_version or suite_version()
        return [d for d in deviations if not d.expired(today, version)]

    def to_dict(self) -> dict[str, Any]:
        """What a results document records about the profile."""
        return {
            "vendor": self.vendor,
            "file": str(self.source) if self.source else None,
            "deviations": [d.to_dict() for d in self.deviations],
        }


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text))


def suite_version() -> str:
    """The installed suite's version (package metadata; `0` when it is not installed)."""
    try:
        return metadata.version("hec-conformance")
    except metadata.PackageNotFoundError:
        return "0"


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text("utf-8")))


def _normalise(data: Any) -> Any:
    """YAML reads `2027-01-31` as a date and `0.3` as a float; the schema wants the text as written."""
    if isinstance(data, dict):
        return {k: _normalise(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_normalise(v) for v in data]
    if isinstance(data, dt.date):
        return data.isoformat()
    if isinstance(data, int | float) and not isinstance(data, bool):
        return str(data)
    return data


def parse_vendor_profile(
    data: Any,
    *,
    source: Path | None = None,
    requirement_ids: Iterable[str] = (),
    case_ids: Iterable[str] = (),
    settings: Settings | None = None,
) -> VendorProfile:
    """Check a parsed profile against the schema, and its ids against the known ones when given.

    `settings` (the file as read by `load_vendor_profile`) lets every message name the line of the key."""
    settings = settings or Settings(str(source) if source else "vendor profile")
    data = _normalise(data)
    settings.check(_validator(), data, VendorProfileError)
    known_reqs, known_cases = set(requirement_ids), set(case_ids)
    deviations = []
    for i, entry in enumerate(data["deviations"]):
        deviation = Deviation(entry.get("case"), entry.get("requirement"), entry["reason"], entry["expires"])
        if _DATE.match(deviation.expires):
            try:
                dt.date.fromisoformat(deviation.expires)
            except ValueError:
                raise VendorProfileError(
                    f"{settings.place(('deviations', i, 'expires'))}: {deviation.expires!r} is not a "
                    "calendar date"
                ) from None
        if known_reqs and deviation.requirement and deviation.requirement not in known_reqs:
            raise VendorProfileError(
                f"{settings.place(('deviations', i, 'requirement'))}: unknown requirement id "
                f"{deviation.requirement!r}"
            )
        case_id = _CASE.match(deviation.case or "")
        if known_cases and case_id and case_id["id"] not in known_cases:
            raise VendorProfileError(
                f"{settings.place(('deviations', i, 'case'))}: unknown case id {case_id['id']!r}"
            )
        deviations.append(deviation)
    return VendorProfile(tuple(deviations), data.get("vendor"), source)


def load_vendor_profile(
    path: str | Path, *, requirement_ids: Iterable[str] = (), case_ids: Iterable[str] = ()
) -> VendorProfile:
    """Read and check a vendor profile YAML file; every problem is a VendorProfileError."""
    path = Path(path)
    settings = read_settings(path, "vendor profile", VendorProfileError)
    return parse_vendor_profile(
        settings.data, source=path, requirement_ids=requirement_ids, case_ids=case_ids, settings=settings
    )


def beside(target_file: str | Path) -> Path | None:
    """The vendor profile next to a target file (`prod.yaml` -> `prod.vendor-profile.yaml`), if present."""
    target_file = Path(target_file)
    candidate = target_file.with_name(f"{target_file.stem}.vendor-profile.yaml")
    return candidate if candidate.is_file() else None
