"""The key/value parser (SPEC §5): ``key=value`` pairs found anywhere in a text, one left-to-right scan.

Whitespace ending an unquoted value is ASCII whitespace (space, tab, LF, CR, FF, VT). An unquoted
value may be empty (``a=`` at the end, before ``,`` or before whitespace gives ``a`` = ``""``).
Linear time: a quote found unterminated once is never scanned for again (KV-5).
"""

from __future__ import annotations

import re

__all__ = ["parse_kv"]

# A key begins where no key character precedes it, so a run already consumed as a value (which
# always ends at a non-key character or a quote) is never re-read as a key (KV-1, KV-2).
_KEY_TEXT = r"(?<![A-Za-z0-9_.\-])([A-Za-z0-9_.\-]++)[ \t]*+=[ \t]*+"
_KEY = re.compile(_KEY_TEXT)
_UNQUOTED_END = re.compile(r"[ \t\n\r\f\v,]")
_QUOTED = {
    '"': (re.compile(r'((?:[^"\\]|\\.)*+)"', re.DOTALL), re.compile(r'\\([\\"])')),
    "'": (re.compile(r"((?:[^'\\]|\\.)*+)'", re.DOTALL), re.compile(r"\\([\\'])")),
}
# The fast path: a key and its whole value in one match, the closing quote optional so that a match
# never fails on a value; groups: key, "-value, closing ", '-value, closing ', unquoted value.
_PAIR = re.compile(
    _KEY_TEXT + r"""(?:"((?:[^"\\]|\\.)*+)(")?|'((?:[^'\\]|\\.)*+)(')?|([^ \t\n\r\f\v,]*+))""",
    re.DOTALL,
)


def parse_kv(text: str) -> dict[str, str]:
    """All pairs of ``text`` (KV-1..KV-8); a key seen twice keeps its last value.

    One ``finditer`` pass while every quote closes; from the first unterminated quote on, the
    pair-by-pair scan that remembers unterminated quote kinds (KV-5, linear time).
    """
    pairs: dict[str, str] = {}
    for match in _PAIR.finditer(text):
        key, double, double_end, single, single_end, plain = match.groups()
        if plain is not None:
            pairs[key] = plain
        elif double_end is not None:
            pairs[key] = _QUOTED['"'][1].sub(r"\1", double) if "\\" in double else double
        elif single_end is not None:
            pairs[key] = _QUOTED["'"][1].sub(r"\1", single) if "\\" in single else single
        else:  # KV-5: drop the pair, resume just after the opening quote
            quote_end = match.start(2) if double is not None else match.start(4)
            _scan(text, quote_end, {text[quote_end - 1]}, pairs)
            break
    return pairs


def _scan(text: str, pos: int, unterminated: set[str], pairs: dict[str, str]) -> None:
    """Add the pairs of ``text`` from ``pos`` on, skipping quote kinds known to be unterminated."""
    while (key := _KEY.search(text, pos)) is not None:
        start = key.end()
        quote = text[start : start + 1]
        if quote in _QUOTED:
            body, unescape = _QUOTED[quote]
            closed = None if quote in unterminated else body.match(text, start + 1)
            if closed is None:
                unterminated.add(quote)
                pos = start + 1  # KV-5: drop the pair, resume just after the opening quote
                continue
            pairs[key.group(1)] = unescape.sub(r"\1", closed.group(1))
            pos = closed.end()
        else:
            stop = _UNQUOTED_END.search(text, start)
            pos = len(text) if stop is None else stop.start()
            pairs[key.group(1)] = text[start:pos]
