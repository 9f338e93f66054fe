"""Load case files into the case model: read the YAML (with the line of every key), validate it against
the schema, build each case once, and keep the cases lint finds nothing wrong with."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from hec_conformance.catalogue import Requirement, load_catalogue
from hec_conformance.corpus.errors import CorpusError, LintError, key_path, shown_path
from hec_conformance.corpus.lint import case_problems
from hec_conformance.corpus.model import (
    DEFAULT_PROFILES,
    DEFAULT_ROLE,
    NOT_GIVEN,
    Auth,
    Case,
    CheckRequirements,
    Expect,
    Request,
)
from hec_conformance.corpus.schema_errors import schema_problems
from hec_conformance.corpus.yamlsource import KeyPath, YamlSource, read_yaml


def default_cases_dir() -> Path:
    """The corpus directory: env HECC_CASES, else the package's `cases/` (in a checkout a link to the
    repository's top-level `cases/`, which is what it resolves to; in a wheel the corpus built into it)."""
    configured = os.environ.get("HECC_CASES")
    return Path(configured) if configured else (Path(__file__).resolve().parents[1] / "cases").resolve()


# -- the model from validated case-file data ----------------------------------------------------------
def _check_requirements(value: Any) -> CheckRequirements | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        return {str(prefix): tuple(ids) for prefix, ids in value.items()}
    return tuple(value)


def parse_expect(data: Mapping[str, Any]) -> Expect:
    """An `expect:` mapping (schema-valid) as the model."""
    status = data.get("status")
    return Expect(
        status=None if status is None else tuple(status) if isinstance(status, list) else (status,),
        body=data.get("body", NOT_GIVEN),
        headers=data.get("headers"),
        events=tuple(data["events"]) if "events" in data else None,
        stored=data.get("stored"),
        repository=data.get("repository"),
        requirements=_check_requirements(data.get("requirements")),
    )


def parse_auth(value: Any) -> Auth:
    """An `auth:` value (schema-valid) as the model."""
    if value == "none":
        return Auth(none=True)
    if isinstance(value, str):
        return Auth(role=value)
    if "header" in value:
        return Auth(header=str(value["header"]))
    return Auth(role=value.get("role", DEFAULT_ROLE), scheme=value.get("scheme"), user=value.get("user"))


def parse_request(data: Mapping[str, Any]) -> Request:
    """A request mapping (schema-valid) as the model."""
    return Request(
        endpoint=data.get("endpoint"),
        path=data.get("path"),
        method=data.get("method"),
        auth=parse_auth(data.get("auth", DEFAULT_ROLE)),
        headers=tuple((str(k), str(v)) for k, v in (data.get("headers") or {}).items()),
        query=tuple((str(k), str(v)) for k, v in (data.get("query") or {}).items()),
        content_type=data.get("content_type", NOT_GIVEN),
        events=tuple(data["events"]) if "events" in data else None,
        text=data.get("text"),
        base64=data.get("base64"),
        separator=data.get("separator"),
        gzip=data.get("gzip"),
        repeat=data.get("repeat", 1),
        expect=parse_expect(data["expect"]) if "expect" in data else None,
        expect_by_profile={p: parse_expect(e) for p, e in (data.get("expect_by_profile") or {}).items()},
    )


def content_hash(case: Mapping[str, Any]) -> str:
    """sha256 hex of the case mapping's canonical JSON (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(case, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_case(data: Mapping[str, Any], area: str, file: Path, line: int) -> Case:
    """A case mapping (schema-valid) as the model, its defaults applied."""
    variants = data.get("variants", True)
    return Case(
        id=data["id"],
        title=data["title"],
        area=area,
        file=file,
        line=line,
        requirements=tuple(data["requirements"]),
        level=data.get("level"),
        profiles=tuple(data.get("profiles", DEFAULT_PROFILES)),
        needs=frozenset(data.get("needs", ())),
        excludes=frozenset(data.get("excludes", ())),
        tags=tuple(data.get("tags", ())),
        variants=tuple(variants) if isinstance(variants, list) else variants,
        readback_start=data["readback"]["start"] if "readback" in data else None,
        requests=tuple(parse_request(request) for request in data["requests"]),
        content_hash=content_hash(data),
        notes=data.get("notes"),
        needs_roles=frozenset(data.get("needs_roles", ())),
    )


# -- files --------------------------------------------------------------------------------------------
class _File:
    """One case file being loaded: its source and the errors found in it."""

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

    def cases(self, catalogue: Mapping[str, Requirement]) -> list[tuple[int, Case]]:
        """The cases of the file that pass the schema and lint, with their index."""
        data = self.source.data
        for path, message in schema_problems(data):
            self.error(path, message)
        if not isinstance(data, dict):
            return []
        area = data.get("area")
        if isinstance(area, str) and area != self.path.stem:
            self.error(
                ("area",), f"area {area!r} must equal the file name without .yaml ({self.path.stem!r})"
            )
        raw = data["cases"] if isinstance(data.get("cases"), list) else []
        built = [
            (index, parse_case(raw[index], str(area), self.path, self.source.line_of(("cases", index))))
            for index in range(len(raw))
            if index not in self.bad_cases
        ]
        for index, case in built:
            for path, message in case_problems(case, catalogue):
                self.error(("cases", index, *path), message)
        return [(index, case) for index, case in built if index not in self.bad_cases]


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
    return file if not file.source.problems or isinstance(file.source.data, dict) else None


def check(paths: Iterable[Path | str] | None = None) -> tuple[list[Case], list[LintError]]:
    """The valid cases and every error of the given files or directories (default: the corpus)."""
    catalogue = load_catalogue()
    errors: list[LintError] = []
    cases: list[Case] = []
    first: dict[str, Case] = {}
    for path in _expand([default_cases_dir()] if paths is None else paths, errors):
        file = _read(path, errors)
        if file is None:
            continue
        for index, case in file.cases(catalogue):
            cases.append(case)
            seen = first.setdefault(case.id, case)
            if seen is not case:
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
