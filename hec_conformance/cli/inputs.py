"""The files every command reads the same way: a target file, the vendor profile beside it, role maps."""

from __future__ import annotations

from pathlib import Path

from hec_conformance.cli.errors import CliError
from hec_conformance.target import Target, TargetError, load_target
from hec_conformance.waivers import VendorProfile, VendorProfileError, beside, load_vendor_profile


def target_file(path: str | Path) -> Target:
    """The target file at `path`; a bad one is a usage error naming the file and the key."""
    try:
        return load_target(path)
    except TargetError as exc:
        raise CliError(str(exc)) from None


def vendor_profile_beside(target_path: Path) -> VendorProfile | None:
    """The vendor profile next to a target file (`prod.vendor-profile.yaml`), if there is one."""
    path = beside(target_path)
    return None if path is None else vendor_profile(path)


def vendor_profile(path: Path) -> VendorProfile:
    """The vendor profile at `path`; a bad one is a usage error naming the file, line and key."""
    from hec_conformance.catalogue import load_catalogue

    try:
        return load_vendor_profile(path, requirement_ids=load_catalogue())
    except VendorProfileError as exc:
        raise CliError(str(exc)) from None


def role_map(values: list[str]) -> dict[str, str]:
    """`--role CAPTURE_ROLE=TARGET_ROLE` options as a mapping."""
    out = {}
    for value in values:
        source, sep, dest = value.partition("=")
        if not sep or not source or not dest:
            raise CliError(f"--role {value!r}: CAPTURE_ROLE=TARGET_ROLE expected")
        out[source] = dest
    return out
