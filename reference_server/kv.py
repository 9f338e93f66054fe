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
_KEY = re.compile(r"(?<![A-Za-z0-9_.\-])([A-Za-z0-9_.\-]++)[ \t]*+=[ \t]*+")
_UNQUOTED_END = re.compile(r"[ \t\n\r\f\v,]")
_QUOTED = {
    '"': (re.compile(r'((?:[^"\\]|\\.)*+)"', re.DOTALL), re.compile(r'\\([\\"])')),
    "'": (re.compile(r"((?:[^'\\]|\\.)*+)'", re.DOTALL), re.compile(r"\\([\\'])")),
}


def parse_kv(text: str) -> dict[str, str]:
    """All pairs of ``text`` (KV-1..KV-8); a key seen twice keeps its last value."""
    pairs: dict[str, str] = {}
    unterminated: set[str] = set()
    pos = 0
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
    return pairs
