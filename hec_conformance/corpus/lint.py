"""Load and check case files: schema, then the rules a schema cannot say (docs/cases.md)."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from hec_conformance.catalogue import LEVELS, Requirement, load_catalogue
from hec_conformance.corpus.model import (
    DEFAULT_PROFILES,
    Case,
    CorpusError,
    LintError,
    is_ep_case,
    key_path,
    request_kind,
    shown_path,
)
from hec_conformance.corpus.notation import base64_error, notation_errors, placeholder_errors
from hec_conformance.corpus.schema_errors import schema_problems
from hec_conformance.corpus.yamlsource import KeyPath, YamlSource, read_yaml
from hec_conformance.protocol import HUMIO_HEC, KIND_CAPABILITY, ingest_tree


def default_cases_dir() -> Path:
    """The corpus directory: env HECC_CASES, else the package's `cases/` (in a checkout a link to the
    repository's top-level `cases/`, which is what it resolves to; in a wheel the corpus built into it)."""
    configured = os.environ.get("HECC_CASES")
    return Path(configured) if configured else (Path(__file__).resolve().parents[1] / "cases").resolve()


class _File:
    """One case file being checked: its source and the errors found in it."""

    def __init__(self, path: Path, source: YamlSource, errors: list[LintError]) -> None:
        self.path = path
        self.source = source
        self.errors = errors
        self.bad_cases: set[int] = set()

    def error(self, path: KeyPath, message: str, line: int | None = None) -> None:
        if len(path) >= 2 and path[0] == "cases" and isinstance(path[1], int):
            self.bad_cases.add(path[1])
        line = self.source.line_of(path) if line is None else line
        self.errors.append(LintError(self.path, line, key_path(path), message))


def _expand(paths: Iterable[Path | str], errors: list[LintError]) -> list[Path]:
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(path.glob("*.yaml"))
            for stray in sorted(path.glob("*.yml")):
                errors.append(LintError(stray, 0, "", "case files end in .yaml; this file is ignored"))
            if not found:
                errors.append(LintError(path, 0, "", "no *.yaml case files in this directory"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            errors.append(LintError(path, 0, "", "no such file or directory"))
    return list(dict.fromkeys(files))


def _read(path: Path, errors: list[LintError]) -> _File | None:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        errors.append(LintError(path, 0, "", f"cannot read: {exc.strerror}"))
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        errors.append(LintError(path, raw[: exc.start].count(b"\n") + 1, "", "not UTF-8"))
        return None
    file = _File(path, read_yaml(text), errors)
    for problem_path, line, message in file.source.problems:
        file.error(problem_path, message, line)
    return file


def _strings(value: Any, path: KeyPath) -> Iterator[tuple[KeyPath, str]]:
    """Every string value (not key) inside `value`, with its path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, path + (index,))


def _check_expect(file: _File, expect: Mapping[str, Any], path: KeyPath) -> None:
    for where, text in _strings(expect, path):
        for message in placeholder_errors(text, expectation=True):
            file.error(where, message)
    _check_regexes(file, expect, path)
    if "events" in expect and "stored" in expect and len(expect["events"]) != expect["stored"]:
        file.error(path + ("stored",), f"stored: {expect['stored']} but events lists {len(expect['events'])}")


def _check_regexes(file: _File, value: Any, path: KeyPath) -> None:
    if isinstance(value, dict):
        if set(value) == {"regex"} and isinstance(value["regex"], str):
            try:
                re.compile(value["regex"])
            except re.error as exc:
                file.error(path + ("regex",), f"bad regex: {exc}")
        for key, item in value.items():
            _check_regexes(file, item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_regexes(file, item, path + (index,))


def _check_body(file: _File, request: Mapping[str, Any], path: KeyPath) -> None:
    def texts(where: KeyPath, text: str, tokens: bool) -> None:
        for message in placeholder_errors(text) + (notation_errors(text) if tokens else []):
            file.error(where, message)

    if "text" in request:
        texts(path + ("text",), request["text"], True)
    if "separator" in request:
        if "events" not in request:
            file.error(path + ("separator",), "separator only applies to an events: body")
        for message in notation_errors(request["separator"]):
            file.error(path + ("separator",), message)
    for index, item in enumerate(request.get("events", ())):
        where = path + ("events", index)
        if isinstance(item, dict) and "$text" in item:
            texts(where + ("$text",), item["$text"], True)
        else:
            for string_path, text in _strings(item, where):
                texts(string_path, text, False)
    if "path" in request:
        texts(path + ("path",), request["path"], False)
    for group in ("headers", "query"):
        for name, text in request.get(group, {}).items():
            texts(path + (group, name), text, False)
    auth = request.get("auth")
    if isinstance(auth, dict) and "header" in auth:
        texts(path + ("auth", "header"), auth["header"], False)
    if "base64" in request and (message := base64_error(request["base64"])):
        file.error(path + ("base64",), message)


def _check_repeat(
    file: _File, request: Mapping[str, Any], expects: list[tuple[KeyPath, Any]], path: KeyPath
) -> None:
    """`repeat` names a known limit and is not read back (docs/cases.md, "Repeating a request")."""
    if isinstance(request["repeat"], str):
        for message in placeholder_errors(request["repeat"]):
            file.error(path + ("repeat",), message)
    for expect_path, expect in expects:
        for key in ("events", "stored"):
            if key in expect:
                file.error(
                    expect_path + (key,),
                    f"a repeated request is not read back: {key} cannot be"
                    " combined with repeat (check storage in another request)",
                )


def _check_requirements(
    file: _File, case: Mapping[str, Any], path: KeyPath, catalogue: Mapping[str, Requirement]
) -> None:
    profiles = case.get("profiles", DEFAULT_PROFILES)
    mentioned = set(case.get("needs", ())) | set(case.get("excludes", ()))
    known: list[Requirement] = []
    for index, rid in enumerate(case["requirements"]):
        where = path + ("requirements", index)
        requirement = catalogue.get(rid)
        if requirement is None:
            file.error(where, f"unknown requirement {rid!r} (not in SPEC.md)")
            continue
        known.append(requirement)
        if not any(requirement.level_for(p) for p in profiles):
            file.error(
                where,
                f"{rid} does not apply in profile {', '.join(profiles)} (it applies in"
                f" {', '.join(requirement.levels)}): set profiles",
            )
        if requirement.capability and requirement.capability not in mentioned:
            file.error(
                where,
                f"{rid} is about capability {requirement.capability!r}: add it to needs"
                " (or to excludes to check the behaviour without it)",
            )
    if len(known) < len(case["requirements"]):
        return
    for profile in profiles:
        levels = [LEVELS.index(lv) for r in known if (lv := r.level_for(profile))]
        if not levels:
            file.error(
                path + ("profiles",),
                f"none of the requirements applies in profile {profile}: drop it from profiles",
            )
        elif "level" in case and LEVELS.index(case["level"]) < min(levels):
            file.error(
                path + ("level",),
                f"{case['level']} is stricter than its requirements in profile {profile}"
                f" ({LEVELS[min(levels)]}): a case may lower a SPEC level, never raise it",
            )


def _check_attribution(
    file: _File, expect: Mapping[str, Any], path: KeyPath, catalogue: Mapping[str, Requirement]
) -> None:
    """`expect.requirements` (which requirements each check counts for) names known ids."""
    named = expect.get("requirements", [])
    lists = named.items() if isinstance(named, Mapping) else [(None, named)]
    for prefix, ids in lists:
        where = path + (("requirements",) if prefix is None else ("requirements", prefix))
        for index, rid in enumerate(ids):
            if rid not in catalogue:
                file.error(where + (index,), f"unknown requirement {rid!r} (not in SPEC.md)")


def _check_endpoint(file: _File, case: Mapping[str, Any], request: Mapping[str, Any], where: KeyPath) -> None:
    """Endpoints by kind (SPEC §0): a literal ingest path only in an EP case, a Humio path only in humio
    (EP-1), and the capability of the kind in `needs`."""
    key = "endpoint" if "endpoint" in request else "path"
    tree = ingest_tree(str(request[key])) if key == "path" else None
    if tree and not is_ep_case(case):
        file.error(
            where + (key,),
            f"a literal ingest path ({tree}/...) is for EP cases only: name the endpoint kind"
            " (endpoint: event, raw, ack or health) and the target's path for it is used",
        )
    elif tree == HUMIO_HEC and "splunk" in case.get("profiles", DEFAULT_PROFILES):
        file.error(
            where + (key,),
            "the Humio paths are not Splunk paths: no splunk case sends to them (EP-1);"
            " set profiles: [humio]",
        )
    kind = request_kind(request)
    cap = KIND_CAPABILITY.get(kind or "")
    if cap and cap not in case.get("needs", ()):
        file.error(where + (key,), f"the {kind} endpoint needs capability {cap!r}: add it to needs")


def _check_case(
    file: _File, case: Mapping[str, Any], path: KeyPath, catalogue: Mapping[str, Requirement]
) -> None:
    _check_requirements(file, case, path, catalogue)
    profiles = case.get("profiles", DEFAULT_PROFILES)
    needs = set(case.get("needs", ()))
    for cap in sorted(needs & set(case.get("excludes", ()))):
        file.error(path + ("excludes",), f"{cap!r} is both needed and excluded")
    has_events = reads_store = checks = False
    for index, request in enumerate(case["requests"]):
        where = path + ("requests", index)
        _check_endpoint(file, case, request, where)
        if request.get("gzip") and "gzip" not in needs:
            file.error(where + ("gzip",), "gzip: true needs capability 'gzip': add it to needs")
        _check_body(file, request, where)
        has_events = has_events or "events" in request
        expects = [(where + ("expect",), request["expect"])] if "expect" in request else []
        for profile, expect in request.get("expect_by_profile", {}).items():
            if profile not in profiles:
                file.error(
                    where + ("expect_by_profile", profile), f"the case does not run in profile {profile}"
                )
            expects.append((where + ("expect_by_profile", profile), expect))
        for expect_path, expect in expects:
            _check_expect(file, expect, expect_path)
            _check_attribution(file, expect, expect_path, catalogue)
            reads_store = reads_store or "events" in expect or "stored" in expect
        if "repeat" in request:
            _check_repeat(file, request, expects, where)
        checks = checks or bool(expects)
    if not checks:
        file.error(path + ("requests",), "no request has expect: the case checks nothing")
    if isinstance(case.get("variants"), list) and not has_events:
        file.error(path + ("variants",), "variants apply to events: bodies only, and this case has none")
    if "readback" in case and not reads_store:
        file.error(path + ("readback",), "readback only matters for cases that expect events or stored")


def content_hash(case: Mapping[str, Any]) -> str:
    """sha256 hex of the case mapping's canonical JSON (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(case, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _case(file: _File, area: str, index: int, case: Mapping[str, Any]) -> Case:
    variants = case.get("variants", True)
    return Case(
        id=case["id"],
        title=case["title"],
        area=area,
        file=file.path,
        line=file.source.line_of(("cases", index)),
        requirements=tuple(case["requirements"]),
        level=case.get("level"),
        profiles=tuple(case.get("profiles", DEFAULT_PROFILES)),
        needs=frozenset(case.get("needs", ())),
        excludes=frozenset(case.get("excludes", ())),
        tags=tuple(case.get("tags", ())),
        variants=tuple(variants) if isinstance(variants, list) else variants,
        readback_start=case.get("readback", {}).get("start", 0),
        requests=tuple(case["requests"]),
        content_hash=content_hash(case),
    )


def _check_file(file: _File, catalogue: Mapping[str, Requirement]) -> list[tuple[int, Case]]:
    data = file.source.data
    if file.source.problems and not isinstance(data, dict):
        return []
    for path, message in schema_problems(data):
        file.error(path, message)
    if not isinstance(data, dict):
        return []
    area = data.get("area")
    if isinstance(area, str) and area != file.path.stem:
        file.error(("area",), f"area {area!r} must equal the file name without .yaml ({file.path.stem!r})")
    cases = data.get("cases") if isinstance(data.get("cases"), list) else []
    good = [index for index in range(len(cases)) if index not in file.bad_cases]
    for index in good:
        _check_case(file, cases[index], ("cases", index), catalogue)
    return [(index, _case(file, area, index, cases[index])) for index in good if index not in file.bad_cases]


def check(paths: Iterable[Path | str] | None = None) -> tuple[list[Case], list[LintError]]:
    """The valid cases and every error of the given files or directories (default: the corpus)."""
    catalogue = load_catalogue()
    errors: list[LintError] = []
    cases: list[Case] = []
    first: dict[str, Case] = {}
    for path in _expand([default_cases_dir()] if paths is None else paths, errors):
        file = _read(path, errors)
        for index, case in _check_file(file, catalogue) if file else ():
            cases.append(case)
            if case.id not in first:
                first[case.id] = case
                continue
            seen = first[case.id]
            file.error(
                ("cases", index, "id"),
                f"duplicate case id {case.id!r} (first at {shown_path(seen.file)}:{seen.line})",
            )
    errors.sort(key=lambda e: (str(e.file), e.line))
    return cases, errors


def lint(paths: Iterable[Path | str] | None = None) -> list[LintError]:
    """Every error in the given case files or directories (default: the corpus directory)."""
    return check(paths)[1]


def load_cases(paths: Iterable[Path | str] | None = None) -> list[Case]:
    """The cases of the given files or directories, in file then document order; CorpusError if any error."""
    cases, errors = check(paths)
    if errors:
        raise CorpusError(errors)
    return cases
