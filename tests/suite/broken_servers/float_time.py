"""`time` through a binary float: ms = int(float(time) * 1000), so 1.005 gives 1004 (TIME-1)."""

from __future__ import annotations

import re
from decimal import Decimal

from broken_servers.proxy import Breaker, Exchange, Reply

NUMBER_TIME = re.compile(rb'("time"\s*:\s*)(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)')


def through_float(match: re.Match[bytes]) -> bytes:
    """The `time` member with its value rounded the binary-float way (left alone if it overflows)."""
    try:
        ms = int(float(match.group(2)) * 1000)
    except OverflowError:
        return match.group(0)
    return match.group(1) + str(Decimal(ms) / 1000).encode()


class FloatTime(Breaker):
    rule = "TIME-1"
    about = "time converted with a binary float (1.005 s -> 1004 ms)"

    def request(self, req: Exchange) -> Exchange | Reply:
        body = req.decoded()
        if not req.is_events() or body is None:
            return req
        return req.with_decoded(NUMBER_TIME.sub(through_float, body))
