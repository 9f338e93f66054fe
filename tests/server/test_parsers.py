"""ST-2 parsers: built-in kv and json, configured regex parsers, the registry."""

from __future__ import annotations

import pytest

from reference_server.parsers import ParserRegistry, pcre_to_python

ACCESS = r"^(?<client>\S+) (?<method>[A-Z]+) (?<path>\S+)(?: (?<status>\d{3}))?"


@pytest.fixture
def registry() -> ParserRegistry:
    return ParserRegistry.from_config([{"name": "access", "regex": ACCESS}])


def parse(registry: ParserRegistry, name: str, text: str) -> tuple[dict[str, str], str | None]:
    parser = registry.get(name)
    assert parser is not None and parser.name == name
    return parser.parse(text)


def test_builtins_without_config() -> None:
    registry = ParserRegistry.from_config([])
    assert registry.get("kv") is not None and registry.get("json") is not None
    assert registry.get("access") is None and registry.get("none") is None


def test_kv_parser_adds_nothing_beyond_the_kv_pass(registry: ParserRegistry) -> None:
    assert parse(registry, "kv", "a=1 b=2") == ({}, None)


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        (
            '{"a":1.50,"b":{"c":[true,null]},"d":"x=y"}',
            {"a": "1.50", "b.c[0]": "true", "b.c[1]": "null", "d": "x=y"},
        ),
        (' \n{"a.b":1,"a":{"b":2}}\t', {"a.b": "2"}),
        ('{"e":{},"f":[]}', {}),
        ("{}", {}),
    ],
)
@pytest.mark.spec("ST-2", profile="humio")
def test_json_parser_object(registry: ParserRegistry, text: str, fields: dict[str, str]) -> None:
    assert parse(registry, "json", text) == (fields, None)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1,2]", "json parser: the text is not a JSON object"),
        ('"s"', "json parser: the text is not a JSON object"),
        ("42", "json parser: the text is not a JSON object"),
        ("not json", "json parser: the text is not valid JSON"),
        ('{"a":1} {"b":2}', "json parser: the text is not valid JSON"),
        ('{"a":NaN}', "json parser: the text is not valid JSON"),
        ('{"a":"\\ud800"}', "json parser: the text is not valid JSON"),
        ("", "json parser: the text is not valid JSON"),
        ("[" * 50_000, "json parser: the text is not valid JSON"),
    ],
)
def test_json_parser_rejects(registry: ParserRegistry, text: str, message: str) -> None:
    assert parse(registry, "json", text) == ({}, message)


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        (
            "10.0.0.1 GET /index.html 200",
            {"client": "10.0.0.1", "method": "GET", "path": "/index.html", "status": "200"},
        ),
        (
            "10.0.0.1 GET /x",
            {"client": "10.0.0.1", "method": "GET", "path": "/x"},
        ),  # unmatched group: no field
        ("garbage", {}),  # no match adds nothing
    ],
)
@pytest.mark.spec("ST-2", profile="humio")
def test_regex_parser(registry: ParserRegistry, text: str, fields: dict[str, str]) -> None:
    assert parse(registry, "access", text) == (fields, None)


def test_regex_parser_searches_anywhere() -> None:
    registry = ParserRegistry.from_config([{"name": "user", "regex": r"user=(?P<who>\w+)"}])
    assert parse(registry, "user", "prefix text user=ann tail") == ({"who": "ann"}, None)


@pytest.mark.parametrize(
    ("pcre", "python"),
    [
        ("(?<a>x)", "(?P<a>x)"),
        ("(?P<a>x)", "(?P<a>x)"),
        ("(?<=a)b(?<!c)", "(?<=a)b(?<!c)"),
        (r"\(?<a>", r"\(?<a>"),
        (r"[(?<a>]", r"[(?<a>]"),
        (r"[]a(?<b>](?<c>d)", r"[]a(?<b>](?P<c>d)"),
        (r"[^]x](?<c>d)", r"[^]x](?P<c>d)"),
        (r"[\](?<b>](?<c>d)", r"[\](?<b>](?P<c>d)"),
        (r"\\(?<a>x)", r"\\(?P<a>x)"),
    ],
)
def test_pcre_named_groups(pcre: str, python: str) -> None:
    assert pcre_to_python(pcre) == python


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ([{"name": "p", "regex": "(?<a>"}], "parser 'p': invalid regex"),
        ([{"name": "p", "regex": "(?<1a>x)"}], "parser 'p': invalid regex"),
        ([{"name": "kv", "regex": "x"}], "parser 'kv': the name is already taken"),
        ([{"name": "p", "regex": "x"}, {"name": "p", "regex": "y"}], "parser 'p': the name is already taken"),
        ([{"name": "", "regex": "x"}], "parser #0: 'name' must be a non-empty string"),
        ([{"regex": "x"}], "parser #0: 'name' must be a non-empty string"),
        ([{"name": "p"}], "parser 'p': 'regex' must be a string"),
    ],
)
def test_bad_config_names_the_parser(config: list[dict[str, str]], message: str) -> None:
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(")):
        ParserRegistry.from_config(config)
