"""The rules of a case that a schema cannot say (docs/cases.md), checked on the case model.

Each problem is a key path inside the case (`('requests', 0, 'expect', 'stored')`) and a message; the
loader turns the path into the file's line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from hec_conformance.catalogue import Requirement
from hec_conformance.corpus.model import Case, Expect, Request
from hec_conformance.corpus.notation import base64_error, notation_errors, placeholder_errors
from hec_conformance.corpus.yamlsource import KeyPath
from hec_conformance.protocol import HUMIO_HEC, KIND_CAPABILITY, ingest_tree
from hec_conformance.verdict import LEVELS

Problem = tuple[KeyPath, str]


def _nodes(value: Any, path: KeyPath) -> Iterator[tuple[KeyPath, Any]]:
    """`value` and every value inside it (not keys), with its path."""
    yield path, value
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        yield from _nodes(item, path + (key,))


def _strings(value: Any, path: KeyPath) -> Iterator[tuple[KeyPath, str]]:
    """Every string value (not key) inside `value`, with its path."""
    return ((where, node) for where, node in _nodes(value, path) if isinstance(node, str))


def _regexes(value: Any, path: KeyPath) -> Iterator[Problem]:
    """A message for every `{regex: ...}` matcher inside `value` that does not compile."""
    for where, node in _nodes(value, path):
        if isinstance(node, dict) and set(node) == {"regex"} and isinstance(node["regex"], str):
            try:
                re.compile(node["regex"])
            except re.error as exc:
                yield where + ("regex",), f"bad regex: {exc}"


def _expect(expect: Expect, path: KeyPath) -> Iterator[Problem]:
    written = expect.given()
    for where, text in _strings(written, path):
        for message in placeholder_errors(text, expectation=True):
            yield where, message
    yield from _regexes(written, path)
    if expect.events is not None and expect.stored is not None and len(expect.events) != expect.stored:
        yield path + ("stored",), f"stored: {expect.stored} but events lists {len(expect.events)}"


def _texts(where: KeyPath, text: str, tokens: bool) -> Iterator[Problem]:
    for message in placeholder_errors(text) + (notation_errors(text) if tokens else []):
        yield where, message


def _body(request: Request, path: KeyPath) -> Iterator[Problem]:
    if request.text is not None:
        yield from _texts(path + ("text",), request.text, True)
    if request.separator is not None:
        if request.events is None:
            yield path + ("separator",), "separator only applies to an events: body"
        for message in notation_errors(request.separator):
            yield path + ("separator",), message
    for index, item in enumerate(request.events or ()):
        where = path + ("events", index)
        if isinstance(item, dict) and "$text" in item:
            yield from _texts(where + ("$text",), str(item["$text"]), True)
        else:
            for string_path, text in _strings(item, where):
                yield from _texts(string_path, text, False)
    yield from _where_and_who(request, path)
    if request.base64 is not None and (invalid := base64_error(request.base64)):
        yield path + ("base64",), invalid


def _where_and_who(request: Request, path: KeyPath) -> Iterator[Problem]:
    """Placeholders in the path, headers, query and a literal Authorization value."""
    if request.path is not None:
        yield from _texts(path + ("path",), request.path, False)
    for group, pairs in (("headers", request.headers), ("query", request.query)):
        for name, text in pairs:
            yield from _texts(path + (group, name), text, False)
    if request.auth.header is not None:
        yield from _texts(path + ("auth", "header"), request.auth.header, False)


def _repeat(request: Request, expects: list[tuple[KeyPath, Expect]], path: KeyPath) -> Iterator[Problem]:
    """`repeat` names a known limit and is not read back (docs/cases.md, "Repeating a request")."""
    if isinstance(request.repeat, str):
        for message in placeholder_errors(request.repeat):
            yield path + ("repeat",), message
    for expect_path, expect in expects:
        for key, value in (("events", expect.events), ("stored", expect.stored)):
            if value is not None:
                yield (
                    expect_path + (key,),
                    f"a repeated request is not read back: {key} cannot be"
                    " combined with repeat (check storage in another request)",
                )


def _requirement(case: Case, index: int, requirement: Requirement) -> Iterator[Problem]:
    where = ("requirements", index)
    rid = requirement.id
    if not any(requirement.level_for(p) for p in case.profiles):
        yield (
            where,
            f"{rid} does not apply in profile {', '.join(case.profiles)} (it applies in"
            f" {', '.join(requirement.levels)}): set profiles",
        )
    if requirement.capability and requirement.capability not in case.needs | case.excludes:
        yield (
            where,
            f"{rid} is about capability {requirement.capability!r}: add it to needs"
            " (or to excludes to check the behaviour without it)",
        )


def _requirements(case: Case, catalogue: Mapping[str, Requirement]) -> Iterator[Problem]:
    known: list[Requirement] = []
    for index, rid in enumerate(case.requirements):
        requirement = catalogue.get(rid)
        if requirement is None:
            yield ("requirements", index), f"unknown requirement {rid!r} (not in SPEC.md)"
            continue
        known.append(requirement)
        yield from _requirement(case, index, requirement)
    if len(known) < len(case.requirements):
        return
    for profile in case.profiles:
        levels = [LEVELS.index(lv) for r in known if (lv := r.level_for(profile))]
        if not levels:
            yield (
                ("profiles",),
                f"none of the requirements applies in profile {profile}: drop it from profiles",
            )
        elif case.level is not None and LEVELS.index(case.level) < min(levels):
            yield (
                ("level",),
                f"{case.level} is stricter than its requirements in profile {profile}"
                f" ({LEVELS[min(levels)]}): a case may lower a SPEC level, never raise it",
            )


def _attribution(expect: Expect, path: KeyPath, catalogue: Mapping[str, Requirement]) -> Iterator[Problem]:
    """`expect.requirements` (which requirements each check counts for) names known ids."""
    named = expect.requirements or ()
    lists = named.items() if isinstance(named, Mapping) else [(None, named)]
    for prefix, ids in lists:
        where = path + (("requirements",) if prefix is None else ("requirements", prefix))
        for index, rid in enumerate(ids):
            if rid not in catalogue:
                yield where + (index,), f"unknown requirement {rid!r} (not in SPEC.md)"


def _endpoint(case: Case, request: Request, where: KeyPath) -> Iterator[Problem]:
    """Endpoints by kind (SPEC §0): a literal ingest path only in an EP case, a Humio path only in humio
    (EP-1), and the capability of the kind in `needs`."""
    key = "endpoint" if request.endpoint is not None else "path"
    tree = ingest_tree(request.path) if request.path is not None else None
    if tree and not case.tests_endpoints:
        yield (
            where + (key,),
            f"a literal ingest path ({tree}/...) is for EP cases only: name the endpoint kind"
            " (endpoint: event, raw, ack or health) and the target's path for it is used",
        )
    elif tree == HUMIO_HEC and "splunk" in case.profiles:
        yield (
            where + (key,),
            "the Humio paths are not Splunk paths: no splunk case sends to them (EP-1);"
            " set profiles: [humio]",
        )
    cap = KIND_CAPABILITY.get(request.kind or "")
    if cap and cap not in case.needs:
        yield where + (key,), f"the {request.kind} endpoint needs capability {cap!r}: add it to needs"


def _request(
    case: Case, request: Request, where: KeyPath, catalogue: Mapping[str, Requirement]
) -> Iterator[Problem]:
    yield from _endpoint(case, request, where)
    if request.gzip and "gzip" not in case.needs:
        yield where + ("gzip",), "gzip: true needs capability 'gzip': add it to needs"
    yield from _body(request, where)
    expects = [(where + ("expect",), request.expect)] if request.expect is not None else []
    for profile, expect in request.expect_by_profile.items():
        if profile not in case.profiles:
            yield where + ("expect_by_profile", profile), f"the case does not run in profile {profile}"
        expects.append((where + ("expect_by_profile", profile), expect))
    for path, expect in expects:
        yield from _expect(expect, path)
        yield from _attribution(expect, path, catalogue)
    if request.repeat != 1:
        yield from _repeat(request, expects, where)


def case_problems(case: Case, catalogue: Mapping[str, Requirement]) -> list[Problem]:
    """Every problem of one case (schema-valid), as (key path inside the case, message)."""
    problems = list(_requirements(case, catalogue))
    for cap in sorted(case.needs & case.excludes):
        problems.append((("excludes",), f"{cap!r} is both needed and excluded"))
    for index, request in enumerate(case.requests):
        problems += _request(case, request, ("requests", index), catalogue)
    if not any(r.expect is not None or r.expect_by_profile for r in case.requests):
        problems.append((("requests",), "no request has expect: the case checks nothing"))
    if isinstance(case.variants, tuple) and not any(r.events is not None for r in case.requests):
        problems.append((("variants",), "variants apply to events: bodies only, and this case has none"))
    reads_store = any(
        e.count is not None for r in case.requests for e in (r.expect, *r.expect_by_profile.values()) if e
    )
    if case.readback_start is not None and not reads_store:
        problems.append((("readback",), "readback only matters for cases that expect events or stored"))
    return problems
