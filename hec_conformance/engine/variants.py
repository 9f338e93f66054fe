"""Variants (docs/cases.md): one case, several encodings of its `events:` bodies, the same result."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

VARIANTS = ("base", "gzip", "packed", "crlf", "tab", "json-ctype")
# What each non-base variant changes in a request that does not set it itself.
SEPARATORS = {"packed": "", "crlf": "<CRLF>", "tab": "<TAB>"}
JSON_CTYPE = "application/json"


def _sets_header(request: Mapping[str, Any], name: str) -> bool:
    return any(str(k).lower() == name for k in (request.get("headers") or {}))


def _applies(variant: str, requests: Sequence[Mapping[str, Any]]) -> bool:
    """Whether `variant` changes something in these `events:` requests."""
    if variant == "base":
        return True
    if variant == "gzip":
        return not any("gzip" in r or _sets_header(r, "content-encoding") for r in requests)
    if variant == "json-ctype":
        return not any("content_type" in r or _sets_header(r, "content-type") for r in requests)
    return not any("separator" in r for r in requests) and any(len(r["events"]) >= 2 for r in requests)


def case_variants(variants: bool | Sequence[str], requests: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """The variant names a case runs as: `base` first, then the applicable ones it asks for."""
    event_requests = [r for r in requests if "events" in r]
    if not event_requests or variants is False:
        return ("base",)
    wanted = VARIANTS if variants is True else ("base", *variants)
    return tuple(v for v in VARIANTS if v in wanted and _applies(v, event_requests))


def apply_variant(request: Mapping[str, Any], variant: str) -> dict[str, Any]:
    """The request as this variant sends it (only `events:` requests change)."""
    out = dict(request)
    if variant == "base" or "events" not in request:
        return out
    if variant == "gzip":
        out["gzip"] = True
    elif variant == "json-ctype":
        out["content_type"] = JSON_CTYPE
    else:
        out["separator"] = SEPARATORS[variant]
    return out
