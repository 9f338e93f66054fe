"""results.json: the results document as written, and read back (checked against its schema)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import jsonschema

from hec_conformance.reports.collect import Results

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "results.schema.json"


class ResultsError(ValueError):
    """A results file that cannot be read; the message names the file and the key."""


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text("utf-8")))


def render_json(doc: Results) -> str:
    """The document as indented JSON text (key order kept, non-ASCII kept)."""
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def validate(doc: object, label: str = "results") -> Results:
    """`doc` if it is a valid results document, else ResultsError naming the first bad key."""
    error = jsonschema.exceptions.best_match(_validator().iter_errors(doc))
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        raise ResultsError(f"{label}: {where}: {error.message[:300]}")
    assert isinstance(doc, dict)
    return doc


def load_results(path: str | Path) -> Results:
    """Read and check a results.json file."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ResultsError(f"{path}: cannot read the results file ({exc.strerror})") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResultsError(f"{path}: not JSON: {exc}") from None
    return validate(doc, str(path))
