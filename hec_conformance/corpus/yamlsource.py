"""Read a YAML file into plain JSON-like data plus the line of every key and list item.

Scalars follow YAML 1.2 where PyYAML's YAML 1.1 surprises: only `true`/`false` are booleans
(`yes`, `no`, `on`, `off` are strings), dates stay strings, integers are decimal, `0x..` or `0o..`
(`010` is 10). A float needs a dot (`1.5`, `1.5e9`); `1e2` is a string. Mapping keys must be
strings and unique; anchors and aliases work, merge keys (`<<`) and other tags are refused.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

KeyPath = tuple[str | int, ...]  # keys and list indexes from the document root

_STR, _INT, _FLOAT, _BOOL, _NULL = (f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null"))
_SEQ, _MAP = "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"


class _Loader(yaml.SafeLoader):
    """SafeLoader with the scalar rules of the module docstring."""


_REPLACED = (_BOOL, _INT, _FLOAT, "tag:yaml.org,2002:timestamp")
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _REPLACED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_Loader.add_implicit_resolver(
    _INT, re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
_Loader.add_implicit_resolver(
    _FLOAT,
    re.compile(
        r"^(?:[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node)
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    if digits.startswith("0x"):
        return sign * int(digits[2:], 16)
    if digits.startswith("0o"):
        return sign * int(digits[2:], 8)
    return sign * int(digits, 10)


_Loader.add_constructor(_INT, _construct_int)


@dataclass
class YamlSource:
    """A parsed file: `data`, `lines` (key path -> 1-based line) and problems found while reading."""

    data: Any = None
    lines: dict[KeyPath, int] = field(default_factory=dict)
    problems: list[tuple[KeyPath, int, str]] = field(default_factory=list)

    def line_of(self, path: KeyPath) -> int:
        """The line of `path`, or of its nearest recorded ancestor."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return 1


def read_yaml(text: str) -> YamlSource:
    """Parse one YAML document; syntax errors become a problem at their line, never an exception."""
    source = YamlSource(lines={(): 1})
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = " ".join(part for part in (exc.context, exc.problem) if part)
        source.problems.append(((), line, f"YAML syntax: {problem}"))
        return source
    except yaml.YAMLError as exc:
        source.problems.append(((), 1, f"YAML syntax: {exc}"))
        return source
    if node is None:
        source.problems.append(((), 1, "empty file"))
        return source
    source.data = _Builder(loader, source).build(node, (), frozenset())
    loader.dispose()
    return source


class _Builder:
    def __init__(self, loader: yaml.SafeLoader, source: YamlSource) -> None:
        self.loader = loader
        self.source = source

    def problem(self, path: KeyPath, node: yaml.Node, message: str) -> None:
        self.source.problems.append((path, node.start_mark.line + 1, message))

    def build(self, node: yaml.Node, path: KeyPath, active: frozenset[int]) -> Any:
        if id(node) in active:
            self.problem(path, node, "recursive alias")
            return None
        active = active | {id(node)}
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path, active)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                self.problem(path, node, f"unsupported YAML tag {node.tag!r}")
            result = []
            for index, item in enumerate(node.value):
                self.source.lines[path + (index,)] = item.start_mark.line + 1
                result.append(self.build(item, path + (index,), active))
            return result
        assert isinstance(node, yaml.ScalarNode)  # the composer makes no other kind
        return self.scalar(node, path)

    def mapping(self, node: yaml.MappingNode, path: KeyPath, active: frozenset[int]) -> dict[str, Any]:
        if node.tag != _MAP:
            self.problem(path, node, f"unsupported YAML tag {node.tag!r}")
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.problem(path, key_node, "merge keys (<<) are not supported: write the keys out")
                continue
            key = self.scalar(key_node, path) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else "a collection"
                self.problem(path, key_node, f"key {shown} must be a string: quote it")
                continue
            child = path + (key,)
            if key in result:
                self.problem(
                    child,
                    key_node,
                    f"duplicate key {key!r} (for duplicate JSON members write the body with text:)",
                )
                continue
            self.source.lines[child] = key_node.start_mark.line + 1
            result[key] = self.build(value_node, child, active)
        return result

    def scalar(self, node: yaml.ScalarNode, path: KeyPath) -> Any:
        if node.tag not in (_STR, _INT, _FLOAT, _BOOL, _NULL):
            self.problem(path, node, f"unsupported YAML tag {node.tag!r}")
            return None
        try:
            value = self.loader.construct_object(node)
        except (yaml.YAMLError, ValueError) as exc:
            self.problem(path, node, f"bad {node.tag.rsplit(':', 1)[-1]} {node.value!r}: {exc}")
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self.problem(path, node, f"{node.value!r} is not a finite number (JSON has no NaN or infinity)")
            return None
        return value
