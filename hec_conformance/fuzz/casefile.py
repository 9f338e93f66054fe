"""A shrunk disagreement written as a case file (docs/cases.md) that `hecc cases lint` accepts.

The request is written exactly (`text:` notation, placeholders for the marker and repositories);
the expectations are what the oracle answered and stored for it on the recomputed run.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from hec_conformance.corpus import Expect, Request
from hec_conformance.fuzz.differential import NEAR_NOW, PRESENT, Disagreement, Observation
from hec_conformance.fuzz.strategies import HecRequest, Ph
from hec_conformance.protocol import PATH_KINDS

# Requirements that SPEC §0 makes humio-only (stored events, kv, raw) need `profiles: [humio]`.
BOTH_PROFILES = frozenset({"ORD-1", "ORD-2", "BODY-1"})
_PLACEHOLDER = re.compile(r"\$\{(marker|channel|channel2|repo:[a-z_]+)\}")


def text_notation(request: HecRequest) -> str:
    """The decoded body in the `text` notation: `<` and `${` escaped, placeholders kept."""
    out = []
    for piece in request.marked().pieces():
        if isinstance(piece, Ph):
            out.append(f"${{{piece.name}}}")
        else:
            out.append(piece.replace("<", "<x3C>").replace("${", "$<x7B>"))
    return "".join(out)


def _matcher(value: Any) -> Any:
    if value == NEAR_NOW:
        return {"near_now": "60s"}
    if value == PRESENT:
        return {"present": True}
    if isinstance(value, str) and "${" in _PLACEHOLDER.sub("", value):
        return {"regex": re.escape(value)}
    return value


def _marker_in_source(request: HecRequest) -> bool:
    return any(isinstance(e, dict) and e.get("source") == Ph("marker") for e in request.marked().envelopes())


def case_document(
    case_id: str,
    request: HecRequest,
    oracle: Observation,
    disagreements: list[Disagreement],
    stored_checked: bool,
) -> dict[str, Any]:
    """The case file (as data) for a shrunk example, expectations from the oracle's observation;
    `stored_checked`: the stored events were compared (humio profile with read-back)."""
    requirements = sorted({d.requirement for d in disagreements})
    expect = Expect(status=(oracle.status,))
    if isinstance(oracle.body, dict):
        body = {k: oracle.body[k] for k in ("code", "invalid-event-number") if k in oracle.body}
        expect = replace(expect, body=body)
    needs = [
        cap
        for cap, used in (("raw", request.raw), ("gzip", request.gzip), ("json-array-batch", request.array))
        if used
    ]
    req = Request(
        endpoint=PATH_KINDS[request.path],
        content_type=request.content_type,
        text=text_notation(request),
        gzip=True if request.gzip else None,
    )
    notes = [f"Found by `hecc fuzz`: {d}" for d in disagreements]
    case: dict[str, Any] = {
        "id": case_id,
        "title": f"fuzz: oracle and target disagree on {requirements[0]}",
        "requirements": requirements,
    }
    humio_only = not set(requirements) <= BOTH_PROFILES
    if stored_checked and _marker_in_source(request):
        notes.append(
            "Stored events not checked: an envelope carries the marker in `source`, which a "
            "`text` body cannot be read back by."
        )
    elif stored_checked:
        events = tuple({k: _matcher(v) for k, v in e.items()} for e in oracle.events)
        expect = replace(expect, events=events) if events else replace(expect, stored=0)
        humio_only = True
    if humio_only:
        case["profiles"] = ["humio"]
    if needs:
        case["needs"] = needs
    case["requests"] = [replace(req, expect=expect).given()]
    case["notes"] = "\n".join(notes)
    return {"area": "", "cases": [case]}


def write_case(
    path: Path,
    case_id: str,
    request: HecRequest,
    oracle: Observation,
    disagreements: list[Disagreement],
    stored_checked: bool,
) -> Path:
    """Write the case file `path` (its area is the file name without .yaml)."""
    document = case_document(case_id, request, oracle, disagreements, stored_checked)
    document["area"] = path.stem
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=10**6), "utf-8")
    return path
