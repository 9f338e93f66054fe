"""Variants (docs/cases.md): one case, several encodings of its `events:` bodies, the same result."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from hec_conformance.corpus.model import NotGiven, Request

VARIANTS = ("base", "gzip", "packed", "crlf", "tab", "json-ctype")
# What each non-base variant changes in a request that does not set it itself.
SEPARATORS = {"packed": "", "crlf": "<CRLF>", "tab": "<TAB>"}
JSON_CTYPE = "application/json"


def _applies(variant: str, requests: Sequence[Request]) -> bool:
    """Whether `variant` changes something in these `events:` requests."""
    if variant == "base":
        return True
    if variant == "gzip":
        return not any(r.gzip is not None or r.sets_header("content-encoding") for r in requests)
    if variant == "json-ctype":
        return not any(
            not isinstance(r.content_type, NotGiven) or r.sets_header("content-type") for r in requests
        )
    return not any(r.separator is not None for r in requests) and any(
        len(r.events or ()) >= 2 for r in requests
    )


def case_variants(variants: bool | Sequence[str], requests: Sequence[Request]) -> tuple[str, ...]:
    """The variant names a case runs as: `base` first, then the applicable ones it asks for."""
    event_requests = [r for r in requests if r.events is not None]
    if not event_requests or variants is False:
        return ("base",)
    wanted = VARIANTS if variants is True else ("base", *variants)
    return tuple(v for v in VARIANTS if v in wanted and _applies(v, event_requests))


def apply_variant(request: Request, variant: str) -> Request:
    """The request as this variant sends it (only `events:` requests change)."""
    if variant == "base" or request.events is None:
        return request
    if variant == "gzip":
        return dataclasses.replace(request, gzip=True)
    if variant == "json-ctype":
        return dataclasses.replace(request, content_type=JSON_CTYPE)
    return dataclasses.replace(request, separator=SEPARATORS[variant])
