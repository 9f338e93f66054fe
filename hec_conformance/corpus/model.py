"""The corpus data types: a loaded case and a lint error."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hec_conformance.catalogue import LEVELS, Requirement
from hec_conformance.protocol import PATH_KINDS

DEFAULT_PROFILES = ("humio", "splunk")


def request_kind(request: Mapping[str, Any]) -> str | None:
    """The kind of endpoint a request goes to: its `endpoint`, or the kind of a literal SPEC §1 path."""
    if "endpoint" in request:
        return str(request["endpoint"])
    return PATH_KINDS.get(str(request.get("path")))


def is_ep_case(case: Mapping[str, Any]) -> bool:
    """Whether the case tests endpoint paths themselves (an EP-* requirement): only those name one."""
    return any(str(rid).startswith("EP-") for rid in case.get("requirements", ()))


@dataclass(frozen=True)
class Case:
    """One validated case. `requests` are the request mappings exactly as written (no defaults)."""

    id: str
    title: str
    area: str
    file: Path
    line: int
    requirements: tuple[str, ...]
    level: str | None
    profiles: tuple[str, ...]
    needs: frozenset[str]
    excludes: frozenset[str]
    tags: tuple[str, ...]
    variants: bool | tuple[str, ...]
    readback_start: int
    requests: tuple[Mapping[str, Any], ...]
    content_hash: str

    def level_for(self, profile: str, catalogue: Mapping[str, Requirement]) -> str:
        """The explicit level, else the strictest level of its requirements in `profile`."""
        if self.level is not None:
            return self.level
        levels = {catalogue[r].level_for(profile) for r in self.requirements} - {None}
        for level in LEVELS:
            if level in levels:
                return level
        raise ValueError(f"case {self.id}: none of its requirements applies in profile {profile}")


def shown_path(path: Path) -> str:
    """`path` relative to the working directory when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def key_path(path: tuple[str | int, ...]) -> str:
    """`('cases', 3, 'expect')` -> `cases[3].expect`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part and all(ch.isalnum() or ch in "_-@#$" for ch in part):
            out += f".{part}" if out else part
        else:
            out += f"[{part!r}]"
    return out


@dataclass(frozen=True)
class LintError:
    """One problem in a case file, at a line and key path (`key` is '' for the whole file)."""

    file: Path
    line: int
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{shown_path(self.file)}:{self.line}" if self.line else shown_path(self.file)
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class CorpusError(Exception):
    """The corpus has errors; `errors` lists every one."""

    def __init__(self, errors: list[LintError]) -> None:
        self.errors = errors
        shown = "\n".join(str(error) for error in errors[:20])
        more = f"\n... and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(f"{len(errors)} error(s) in the case corpus:\n{shown}{more}")
