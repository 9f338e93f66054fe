"""Parsers a token or a ``sourcetype`` can choose (ST-2): built-in ``kv`` and ``json``, named regexes.

A parser turns a string event or raw line into fields and, when the text does not suit it, an error
message for ``@error_msg``. The key/value parser of §5 runs on every such text anyway (translate.py),
so the built-in ``kv`` parser adds nothing beyond it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from reference_server.jsontext import decode_value, flatten

__all__ = ["JsonParser", "KvParser", "Parser", "ParserRegistry", "RegexParser", "pcre_to_python"]

ParseResult = tuple[dict[str, str], str | None]
"""(fields, error message or None)."""


class Parser(Protocol):
    @property
    def name(self) -> str: ...

    def parse(self, text: str) -> ParseResult: ...


@dataclass(frozen=True)
class KvParser:
    """``kv``: nothing beyond the key/value pass that always runs (§5)."""

    name: str = "kv"

    def parse(self, text: str) -> ParseResult:
        return {}, None


@dataclass(frozen=True)
class JsonParser:
    """``json``: the text is one JSON object whose members become fields as in EVT-3."""

    name: str = "json"

    def parse(self, text: str) -> ParseResult:
        try:
            value = decode_value(text)
        except ValueError:
            return {}, "json parser: the text is not valid JSON"
        if type(value) is not dict:
            return {}, "json parser: the text is not a JSON object"
        fields, error = flatten(value, len(text))
        return fields, None if error is None else f"json parser: {error}"


@dataclass(frozen=True)
class RegexParser:
    """A named regex from the configuration: each named group that takes part in the first match
    (searched anywhere in the text) becomes a field; no match adds nothing."""

    name: str
    pattern: re.Pattern[str]

    def parse(self, text: str) -> ParseResult:
        match = self.pattern.search(text)
        if match is None:
            return {}, None
        return {name: value for name, value in match.groupdict().items() if value is not None}, None


class ParserRegistry:
    """Parsers by name: the built-ins plus the configured regex parsers."""

    def __init__(self, parsers: dict[str, Parser]) -> None:
        self._parsers = parsers

    @classmethod
    def from_config(cls, regex_parsers: list[dict[str, str]]) -> ParserRegistry:
        """Built-ins plus ``[{"name": ..., "regex": ...}]``; PCRE ``(?<name>...)`` groups are accepted.

        Raises ValueError naming the parser for a bad entry: a missing or non-string name or regex,
        a name used twice or taken by a built-in, a regex that does not compile.
        """
        parsers: dict[str, Parser] = {"kv": KvParser(), "json": JsonParser()}
        for number, entry in enumerate(regex_parsers):
            name = entry.get("name") if isinstance(entry, dict) else None
            if not isinstance(name, str) or not name:
                raise ValueError(f"parser #{number}: 'name' must be a non-empty string")
            if name in parsers:
                raise ValueError(f"parser {name!r}: the name is already taken")
            regex = entry.get("regex")
            if not isinstance(regex, str):
                raise ValueError(f"parser {name!r}: 'regex' must be a string")
            try:
                pattern = re.compile(pcre_to_python(regex))
            except re.error as exc:
                raise ValueError(f"parser {name!r}: invalid regex: {exc}") from None
            parsers[name] = RegexParser(name, pattern)
        return cls(parsers)

    def get(self, name: str) -> Parser | None:
        return self._parsers.get(name)


def pcre_to_python(regex: str) -> str:
    """Rewrite PCRE named groups ``(?<name>`` as Python's ``(?P<name>``; lookbehinds, escapes and
    character classes are left alone."""
    out: list[str] = []
    i, end, in_class = 0, len(regex), False
    while i < end:
        char = regex[i]
        if char == "\\":
            out.append(regex[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            out.append(char)
            i += 1
            if regex.startswith("^", i):
                out.append("^")
                i += 1
            if regex.startswith("]", i):  # a leading ] is a member, not the end
                out.append("]")
                i += 1
            continue
        elif regex.startswith("(?<", i) and regex[i + 3 : i + 4] not in ("=", "!"):
            out.append("(?P<")
            i += 3
            continue
        out.append(char)
        i += 1
    return "".join(out)
