"""The YAML files a user writes besides cases (target files, vendor profiles), read so that every problem
is one line naming the place: `file:line: key: message`, as case files and server configs have it.

    source = read_settings(path, TargetError)      # syntax errors raise TargetError("file:line: ...")
    source.place(("tokens", "default", "token"))   # "prod.yaml:7: tokens.default.token"
    source.check(validator, data, TargetError)     # the first schema problem, placed, raised
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from hec_conformance.corpus.schema_errors import explained
from hec_conformance.corpus.yamlsource import KeyPath, YamlSource, read_yaml


def dotted(path: KeyPath) -> str:
    """`tokens.default.token`, `deviations[0].expires`; `(top level)` for the root."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


@dataclass(frozen=True)
class Settings:
    """A parsed settings file: its data and where each key is."""

    label: str
    source: YamlSource | None = None

    @property
    def data(self) -> Any:
        return None if self.source is None else self.source.data

    def place(self, path: KeyPath) -> str:
        """`file:line: key` of a key path (without lines when the data came from no file)."""
        if self.source is None:
            return f"{self.label}: {dotted(path)}"
        return f"{self.label}:{self.source.line_of(path)}: {dotted(path)}"

    def check(self, checker: Draft202012Validator, data: Any, error: type[Exception]) -> None:
        """Raise `error` with the first schema problem of `data` (this file's, as read or expanded)."""
        problems = explained(checker, data)
        if problems:
            path, message = problems[0]
            raise error(f"{self.place(path)}: {message}")


def read_settings(path: Path, what: str, error: type[Exception]) -> Settings:
    """Read the YAML file at `path` (`what` names it in messages); raise `error` for an unreadable file
    or a YAML problem, one line with its place."""
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise error(f"{path}: cannot read the {what} ({exc.strerror})") from None
    source = read_yaml(text)
    if source.problems:
        keys, line, message = source.problems[0]
        where = f" {dotted(keys)}:" if keys else ""
        raise error(f"{path}:{line}:{where} {message}")
    return Settings(str(path), source)
