"""Deliberately broken HEC servers (tests only). Each is a thin proxy in front of the real reference server
that breaks ONE SPEC rule the way a real receiver does (research/hec-sources.md §10-11), so read-back still
works and `hecc run` must name the broken case and requirement.

`fluentbit_like` is not one of them: a receiver of its own that behaves as Fluent Bit's `in_splunk`
does, breaking many rules at once (tests/suite/test_fluentbit_like.py).
"""

from broken_servers.accepted_202 import Accepted202
from broken_servers.float_time import FloatTime
from broken_servers.no_collector_alias import NoCollectorAlias
from broken_servers.partial_batch import PartialBatch
from broken_servers.proxy import Breaker, BrokenServer
from broken_servers.sticky_time import StickyTime
from broken_servers.unknown_token_401 import UnknownToken401

ALL: tuple[type[Breaker], ...] = (
    UnknownToken401,
    PartialBatch,
    FloatTime,
    StickyTime,
    NoCollectorAlias,
    Accepted202,
)

__all__ = ["ALL", "Breaker", "BrokenServer"]
