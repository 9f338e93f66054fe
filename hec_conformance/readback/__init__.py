"""Read-back adapters (SPEC §9): find a case's stored events again by one `field=value` lookup."""

from __future__ import annotations

from typing import Any, Protocol

from hec_conformance.target import Target


class ReadbackError(Exception):
    """Reading back failed (a harness problem, never the target's non-conformance)."""


class Reader(Protocol):
    """Returns the stored events of `repository` whose `field` equals `value`, in query order."""

    def read(self, repository: str, field: str, value: str, start: int = 0) -> list[dict[str, Any]]: ...

    def close(self) -> None: ...


def make_reader(target: Target) -> Reader:
    """The adapter the target file names."""
    kind = target.readback.kind
    if kind == "logscale-query":
        from hec_conformance.readback.logscale_query import LogScaleQueryReader

        return LogScaleQueryReader(target)
    if kind == "command":
        from hec_conformance.readback.command import CommandReader

        return CommandReader(target)
    from hec_conformance.readback.none import NoReader

    return NoReader()


__all__ = ["Reader", "ReadbackError", "make_reader"]
