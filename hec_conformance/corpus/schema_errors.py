"""JSON Schema validation of a case file, with short messages tied to key paths."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from jsonschema.exceptions import best_match

from hec_conformance.corpus.yamlsource import KeyPath

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "case-file.schema.json"


@cache
def validator() -> Draft202012Validator:
    """The validator of `schemas/case-file.schema.json`."""
    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text("utf-8")))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _message(kind: str, value: Any, instance: Any) -> str | None:
    """The short message of one simple kind of violation, or None for the validator's own."""
    if kind == "required":
        return "missing required key " + ", ".join(repr(key) for key in value if key not in instance)
    if kind == "type":
        types = value if isinstance(value, list) else [value]
        return f"{_short(instance)} is not of type " + ", ".join(repr(t) for t in types)
    if kind in ("minItems", "minProperties", "minLength") and value == 1:
        return "must not be empty"
    if kind == "maxProperties" and value == 1:
        return "a matcher has exactly one key: near_now, regex, absent or present"
    simple = {
        "enum": lambda: f"{_short(instance)} is not one of " + ", ".join(str(v) for v in value),
        "const": lambda: f"must be {json.dumps(value)}",
        "pattern": lambda: f"{_short(instance)} does not match {value!r}",
        "uniqueItems": lambda: f"{_short(instance)} has repeated items",
    }
    return simple[kind]() if kind in simple else None


def _explain(error: ValidationError) -> Iterator[tuple[KeyPath, str]]:
    path = tuple(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    kind, value = str(error.validator), error.validator_value
    instance: Any = error.instance  # the part of the case file that is wrong (jsonschema types it loosely)
    if kind == "additionalProperties" and value is False and "x-message" not in schema:
        known = schema.get("properties", {})
        for key in instance:
            if key not in known:
                yield path + (key,), f"unknown key {key!r}"
    elif "x-message" in schema:
        yield path, schema["x-message"]
    elif kind in ("anyOf", "oneOf") and error.context:
        yield from _explain(best_match(error.context))
    else:
        message = _message(kind, value, instance)
        if message is None:
            message = error.message if len(error.message) <= 120 else error.message[:117] + "..."
        yield path, message


def schema_problems(data: Any) -> list[tuple[KeyPath, str]]:
    """Every schema violation of a case file's data, as (key path, message), in document order."""
    return explained(validator(), data)


def explained(checker: Draft202012Validator, data: Any) -> list[tuple[KeyPath, str]]:
    """Every violation of `checker`'s schema (a case file's, a target file's ...) as (key path, message)."""
    problems: list[tuple[KeyPath, str]] = []
    for error in checker.iter_errors(data):
        for problem in _explain(error):
            if problem not in problems:
                problems.append(problem)
    return problems
