"""Hypothesis strategies for HEC requests (SPEC §3-§7), public API of the fuzzing package.

A generated request is a `HecRequest`: an endpoint, a body built from *parts* (envelopes as Python
values, literal JSON text, raw lines) and a framing (separators, JSON array, gzip, Content-Type).
Values that must be written exactly use small wrappers understood by `render`:

- `Num("1.50")`: a JSON number spelled exactly so (TIME-1 and EVT-3 depend on the spelling);
- `Text('{"event": ')`: literal text, for invalid envelopes at a chosen position;
- `Ph("repo:default")`: a placeholder resolved per target (repository names, the correlation marker).

    from hypothesis import given
    from hec_conformance.fuzz.strategies import hec_requests

    @given(hec_requests(capabilities={"gzip", "raw", "json-array-batch"}))
    def test_something(request): ...

Every strategy is bounded in size so that one example stays a small HTTP request.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from hypothesis import strategies as st

EVENT_PATHS = ("/services/collector/event", "/services/collector", "/api/v1/ingest/hec")
RAW_PATHS = ("/services/collector/raw", "/api/v1/ingest/hec/raw")
CONTENT_TYPES = ("text/plain; charset=utf-8", "application/json", "application/x-www-form-urlencoded", None)
MEMBERS = ("time", "host", "source", "sourcetype", "index", "event", "fields", "timezone")
SEPARATORS = ("", " ", "\n", "\r\n", "\t", "\r", "\n\n", " \t\r\n ")
LINE_ENDS = ("\n", "\r\n", "\r")


@dataclass(frozen=True)
class Num:
    """A JSON number written exactly as `text`."""

    text: str


@dataclass(frozen=True)
class Text:
    """Literal body text (possibly invalid JSON) inserted as is."""

    text: str


@dataclass(frozen=True)
class Ph:
    """A placeholder string value: `marker`, `marker_field`, `repo:ROLE`; resolved when rendering."""

    name: str


Piece = str | Ph


def _pieces(value: Any) -> Iterator[Piece]:
    """Compact JSON (UTF-8, members in order, no ASCII escaping) as text pieces and placeholders."""
    if isinstance(value, Num | Text):
        yield value.text
    elif isinstance(value, Ph):
        yield '"'
        yield value
        yield '"'
    elif isinstance(value, dict):
        yield "{"
        for i, (key, item) in enumerate(value.items()):
            if i:
                yield ","
            yield from _pieces(key)
            yield ":"
            yield from _pieces(item)
        yield "}"
    elif isinstance(value, list | tuple):
        yield "["
        for i, item in enumerate(value):
            if i:
                yield ","
            yield from _pieces(item)
        yield "]"
    else:
        yield json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class HecRequest:
    """One generated HEC request. `parts` are envelopes (event endpoints) or lines (raw endpoints)."""

    path: str
    parts: tuple[Any, ...]
    separators: tuple[str, ...] = ()
    array: bool = False
    gzip: bool = False
    content_type: str | None = "text/plain; charset=utf-8"
    query: tuple[tuple[str, str], ...] = field(default=())

    @property
    def raw(self) -> bool:
        """Whether this goes to a raw endpoint (SPEC §7)."""
        return self.path in RAW_PATHS

    def marked(self) -> HecRequest:
        """The request with the correlation marker in every object envelope, as the engine adds it
        (docs/cases.md): in `fields` when that is an object or absent, else in `source`."""
        if self.raw:
            return self

        def mark(part: Any) -> Any:
            if not isinstance(part, dict):
                return part
            out = dict(part)
            fields = out.get("fields")
            if isinstance(fields, dict) or "fields" not in out:
                out["fields"] = {**(fields or {}), Ph("marker_field"): Ph("marker")}
            else:
                out["source"] = Ph("marker")
            return out

        return replace(self, parts=tuple(mark(p) for p in self.parts))

    def pieces(self) -> list[Piece]:
        """The decoded body as text pieces and placeholders."""
        if self.raw:
            return ["".join(line + end for line, end in zip(self.parts, self.separators, strict=True))]
        out: list[Piece] = []
        if self.array:
            out.append("[")
        for i, part in enumerate(self.parts):
            if i:
                out.append("," if self.array else self.separators[i - 1])
            out.extend(_pieces(part))
        if self.array:
            out.append("]")
        return out

    def render(self, resolve: Callable[[str], str]) -> bytes:
        """The decoded body bytes with placeholders resolved by `resolve(name)`."""
        return "".join(p if isinstance(p, str) else resolve(p.name) for p in self.pieces()).encode()

    def wire_body(self, resolve: Callable[[str], str]) -> bytes:
        """The body as sent: rendered, then gzip-compressed when `gzip`."""
        body = self.render(resolve)
        return gzip.compress(body, mtime=0) if self.gzip else body

    def headers(self) -> tuple[tuple[str, str], ...]:
        """Content-Type and Content-Encoding as generated (no Authorization)."""
        out = []
        if self.content_type is not None:
            out.append(("Content-Type", self.content_type))
        if self.gzip:
            out.append(("Content-Encoding", "gzip"))
        return tuple(out)

    def envelopes(self) -> tuple[Any, ...]:
        """The parts that are envelopes (not literal text)."""
        return () if self.raw else tuple(p for p in self.parts if not isinstance(p, Text))


# -- scalars and values -----------------------------------------------------------------------------
def _decimal_text(draw: st.DrawFn) -> str:
    whole = draw(st.integers(0, 10**12))
    digits = draw(st.integers(0, 6))
    frac = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=digits, max_size=digits)))
    sign = draw(st.sampled_from(("", "", "-")))
    text = f"{sign}{whole}" + (f".{frac}" if frac else "")
    if draw(st.integers(0, 3)) == 3:
        text += draw(st.sampled_from(("e", "E", "e+", "e-"))) + str(draw(st.integers(0, 12)))
    return text


@st.composite
def json_numbers(draw: st.DrawFn) -> Num:
    """JSON numbers as written: integers, decimals, exponents, negatives and edge values."""
    edge = st.sampled_from(
        (
            "0",
            "-0",
            "0.0",
            "1.005",
            "1.50",
            "1e2",
            "1E+2",
            "1537537729.9999",
            "1537537729.123",
            "-1.5",
            "1e308",
            "9007199254740993",
            "1537537729000",
            "99999999999999999999",
            "0.001",
            "1e-3",
        )
    )
    return Num(
        draw(st.one_of(edge, st.builds(str, st.integers(-(10**15), 10**15)), st.composite(_decimal_text)()))
    )


NO_SURROGATES: tuple[Literal["Cs"]] = ("Cs",)  # text the wire can carry as UTF-8
KV_PIECES = (
    "a=b",
    "k = v",
    'q="x y"',
    "q='x y'",
    r'e="a \" b"',
    r'p="c:\temp"',
    "u=http://h/?p=1",
    "a=b=c",
    "id=123,",
    'bad="open',
    "x=",
    "=lonely",
    "foo:bar=1",
    "@error=x",
    "#repo=r",
    "k.v-1_2=z",
    "é=ü",
    "k=é",
    "dup=1 dup=2",
    "\tt=1",
    "sp=  v",
)


@st.composite
def kv_texts(draw: st.DrawFn, max_pieces: int = 6) -> str:
    """Strings full of key/value-like text (SPEC §5): quotes, escapes, `=` inside values, unicode."""
    free = st.text(st.characters(codec="utf-8", exclude_categories=NO_SURROGATES), max_size=8)
    pair = st.builds(
        lambda k, q, v: f"{k}={q}{v}{q}",
        st.from_regex(r"[A-Za-z0-9_.\-]{1,6}", fullmatch=True),
        st.sampled_from(("", '"', "'")),
        st.text(st.sampled_from("ab =,\"'\\é\t"), max_size=6),
    )
    piece = st.one_of(st.sampled_from(KV_PIECES), free, pair)
    parts = draw(st.lists(piece, max_size=max_pieces))
    return draw(st.sampled_from((" ", ",", "", "\t", ", "))).join(parts)


def strings() -> st.SearchStrategy[str]:
    """Strings for any member: kv text, arbitrary unicode (no lone surrogates), edge values."""
    unicode = st.text(st.characters(codec="utf-8", exclude_categories=NO_SURROGATES), max_size=12)
    edges = st.sampled_from(
        ("", " ", "null", "1537537729.5", "2020-01-01T00:00:00Z", "\u2028", "\x00", "\\", '"')
    )
    return st.one_of(kv_texts(), unicode, edges)


def scalars() -> st.SearchStrategy[Any]:
    """Every JSON scalar type with edge values."""
    return st.one_of(st.none(), st.booleans(), json_numbers(), strings())


def json_values(max_leaves: int = 8) -> st.SearchStrategy[Any]:
    """Any JSON value: scalars, arrays and objects nested a few levels."""
    keys = st.one_of(
        st.sampled_from(("a", "b", "a.b", "host", "@timestamp", "#tag", "tags", "", "é")),
        st.from_regex(r"[a-z_]{1,5}", fullmatch=True),
    )
    return st.recursive(
        scalars(),
        lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=3)),
        max_leaves=max_leaves,
    )


def object_events() -> st.SearchStrategy[dict[str, Any]]:
    """Nested object events (EVT-3): members of every type, nested objects and arrays."""
    return st.dictionaries(
        st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,5}", fullmatch=True), json_values(6), min_size=1, max_size=4
    )


def fields_values() -> st.SearchStrategy[Any]:
    """`fields`: objects with tags (`#env`) and nested values, or values that are not objects."""
    names = st.one_of(
        st.sampled_from(("#env", "#type", "#repo", "@host", "env", "a.b", "n")),
        st.from_regex(r"#?[a-z]{1,5}", fullmatch=True),
    )
    return st.one_of(
        st.dictionaries(names, json_values(4), max_size=4), scalars(), st.lists(scalars(), max_size=2)
    )


def times(unit_guess: bool = False) -> st.SearchStrategy[Any]:
    """`time` values: seconds with up to 6 fraction digits, exponents, strings, non-numbers.
    With `unit_guess` (cap time-unit-guess) no integer large enough to be read as ms or ns."""
    numbers = json_numbers().filter(lambda n: not unit_guess or abs(float(n.text)) < 1e10)
    return st.one_of(numbers, st.builds(lambda n: n.text, numbers), scalars(), json_values(3))


def member_values(name: str, unit_guess: bool = False) -> st.SearchStrategy[Any]:
    """Values of one envelope member: the likely ones and any JSON value."""
    likely: dict[str, st.SearchStrategy[Any]] = {
        "time": times(unit_guess),
        "event": st.one_of(kv_texts(), object_events(), strings()),
        "fields": fields_values(),
        "index": st.sampled_from((Ph("repo:default"), Ph("repo:other_repo"), "", None, "no-such-repo")),
        "sourcetype": st.sampled_from(("kv", "json", "access", "no-such-parser", "", None)),
        "timezone": st.sampled_from(("Z", "+02:00", "Europe/Paris", "", None)),
    }
    return st.one_of(likely.get(name, strings()), json_values(4))


@st.composite
def envelopes(draw: st.DrawFn, unit_guess: bool = False) -> dict[Any, Any]:
    """An envelope (SPEC §3-§4) whose members, in any order, take every JSON type and edge values;
    sometimes an unknown member or a duplicate name."""
    names = draw(st.lists(st.sampled_from(MEMBERS), unique=True, max_size=len(MEMBERS)))
    out: dict[Any, Any] = {name: draw(member_values(name, unit_guess)) for name in names}
    if draw(st.integers(0, 9)) == 9:  # rare, and shrinks away
        out[draw(st.sampled_from(("extra", "Event", "metadata")))] = draw(json_values(2))
    return out


def invalid_envelopes() -> st.SearchStrategy[Text]:
    """Text that is not a JSON object: truncated objects, other JSON values, garbage."""
    return st.builds(
        Text,
        st.sampled_from(
            (
                '{"event": ',
                '{"event":"x"',
                "{",
                "}",
                "[]",
                "1",
                '"s"',
                "null",
                "true",
                '{"event":"\\ud800"}',
                "{'event': 'x'}",
                "{,}",
                '{"event":"x",}',
                "x",
                '{"a":1}}',
            )
        ),
    )


def _framing(draw: st.DrawFn, count: int) -> tuple[str, ...]:
    return tuple(draw(st.sampled_from(SEPARATORS)) for _ in range(max(count - 1, 0)))


@st.composite
def event_requests(draw: st.DrawFn, capabilities: Collection[str] = ()) -> HecRequest:
    """Event-endpoint requests: bodies mixing valid and invalid envelopes at any position, every
    framing (separators, `}{`, a JSON array with cap json-array-batch), gzip with cap gzip."""
    unit_guess = "time-unit-guess" in capabilities
    parts: list[dict[Any, Any] | Text] = list(draw(st.lists(envelopes(unit_guess), min_size=1, max_size=4)))
    if draw(st.integers(0, 4)) == 4:
        parts.insert(draw(st.integers(0, len(parts))), draw(invalid_envelopes()))
    array = "json-array-batch" in capabilities and draw(st.integers(0, 6)) == 6
    return HecRequest(
        path=draw(st.sampled_from(EVENT_PATHS)),
        parts=tuple(parts),
        separators=_framing(draw, len(parts)),
        array=array,
        gzip="gzip" in capabilities and draw(st.integers(0, 4)) == 4,
        content_type=draw(st.sampled_from(CONTENT_TYPES)),
    )


@st.composite
def raw_requests(draw: st.DrawFn, capabilities: Collection[str] = ()) -> HecRequest:
    """Raw-endpoint requests (SPEC §7): kv lines, blank and whitespace-only lines, mixed line ends,
    a last line with or without its end."""
    lines = draw(
        st.lists(
            st.one_of(kv_texts(), st.sampled_from(("", " ", "\t ", "x"))), min_size=1, max_size=5
        ).filter(lambda ls: any(line.strip(" \t") for line in ls))
    )
    ends = [draw(st.sampled_from(LINE_ENDS)) for _ in lines]
    if draw(st.booleans()):
        ends[-1] = ""
    return HecRequest(
        path=draw(st.sampled_from(RAW_PATHS)),
        parts=tuple(line.replace("\r", " ").replace("\n", " ") for line in lines),
        separators=tuple(ends),
        gzip="gzip" in capabilities and draw(st.integers(0, 4)) == 4,
        content_type=draw(st.sampled_from(CONTENT_TYPES)),
    )


def hec_requests(capabilities: Collection[str] = ()) -> st.SearchStrategy[HecRequest]:
    """Any request the target's capabilities allow: event requests, and raw ones with cap `raw`."""
    events = event_requests(capabilities)
    return st.one_of(events, events, raw_requests(capabilities)) if "raw" in capabilities else events


def resolver(values: Mapping[str, str]) -> Callable[[str], str]:
    """A `resolve` function for `HecRequest.render` from a mapping of placeholder names."""
    return lambda name: values[name]


__all__ = [
    "HecRequest",
    "Num",
    "Ph",
    "Text",
    "envelopes",
    "event_requests",
    "fields_values",
    "hec_requests",
    "invalid_envelopes",
    "json_numbers",
    "json_values",
    "kv_texts",
    "member_values",
    "object_events",
    "raw_requests",
    "resolver",
    "scalars",
    "strings",
    "times",
]
