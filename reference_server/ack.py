"""Channels and indexer acknowledgement (SPEC §8), bounded in channels, pending acks and pending acks
per channel (ACK-5).

An ack id is issued only after its request's events are committed, so an issued id is already
durable: it stays pending until a query reports it true once.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from .errors import HecError, invalid_format
from .jsontext import JsonNumber, decode_value
from .store import busy

_INTEGER = re.compile(r"-?[0-9]+")
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def channel_missing() -> HecError:
    return HecError(400, 10, "Data channel is missing")


def check_guid(channel: str | None) -> str:
    """ACK-1 / RAW-4 splunk: the channel must be present (code 10) and a GUID (code 11)."""
    if not channel:
        raise channel_missing()
    if not _GUID.fullmatch(channel):
        raise HecError(400, 11, "Invalid data channel")
    return channel


def parse_ack_body(data: bytes) -> list[int]:
    """ACK-4: the body must be the UTF-8 JSON text ``{"acks": [integers]}`` (a UTF-8 byte-order mark
    is ignored, as in BODY-6), else 400 code 6."""
    try:
        request = decode_value(data.removeprefix(b"\xef\xbb\xbf").decode("utf-8"))
    except ValueError:  # UnicodeDecodeError included
        raise invalid_format(None) from None
    ids = request.get("acks") if isinstance(request, dict) else None
    if not isinstance(ids, list) or not all(isinstance(i, JsonNumber) and _INTEGER.fullmatch(i) for i in ids):
        raise invalid_format(None)
    return [int(i) for i in ids]


@dataclass
class _Channel:
    next_id: int = 0
    pending: set[int] = field(default_factory=set)
    reserved: int = 0
    last_used: float = field(default_factory=time.monotonic)


class AckRegistry:
    """Per-channel ack ids for tokens with acknowledgement on."""

    def __init__(
        self, *, max_channels: int, max_pending: int, max_pending_per_channel: int, idle_seconds: float
    ) -> None:
        self._channels: dict[str, _Channel] = {}
        self._max_channels = max_channels
        self._max_pending = max_pending
        self._max_per_channel = max_pending_per_channel
        self._idle = idle_seconds
        self._pending = 0

    def reserve(self, channel: str) -> None:
        """Hold room for one ack id on ``channel`` before the request is stored; 503 code 9 if full
        (a channel whose pending and reserved ids reach the per-channel limit is full until a query
        reports one of them)."""
        state = self._channels.get(channel)
        if state is not None and len(state.pending) + state.reserved >= self._max_per_channel:
            raise busy()
        if self._full(channel):
            self._forget_idle(keep=channel)
            if self._full(channel):
                raise busy()
        if state is None:
            state = self._channels[channel] = _Channel()
        self._pending += 1
        state.reserved += 1
        state.last_used = time.monotonic()

    def release(self, channel: str) -> None:
        """The reserved request failed: it uses no id (ACK-2)."""
        state = self._channels[channel]
        state.reserved -= 1
        self._pending -= 1

    def issue(self, channel: str) -> int:
        """The reserved request was committed: its id, pending until reported."""
        state = self._channels[channel]
        state.reserved -= 1
        ack_id = state.next_id
        state.next_id += 1
        state.pending.add(ack_id)
        return ack_id

    def query(self, channel: str, ids: list[int]) -> dict[str, bool]:
        """ACK-3: true once for an issued id, false afterwards and for ids never issued."""
        state = self._channels.get(channel)
        pending = state.pending if state is not None else set()
        answer: dict[str, bool] = {}
        for ack_id in ids:
            done = ack_id in pending
            if done:
                pending.discard(ack_id)
                self._pending -= 1
            answer[str(ack_id)] = done
        if state is not None:
            state.last_used = time.monotonic()
        return answer

    def _full(self, channel: str) -> bool:
        if self._pending >= self._max_pending:
            return True
        return channel not in self._channels and len(self._channels) >= self._max_channels

    def _forget_idle(self, keep: str) -> None:
        """Drop channels idle for ``idle_seconds`` (their unreported acks too), as Splunk does."""
        cutoff = time.monotonic() - self._idle
        for name, state in list(self._channels.items()):
            if name != keep and state.last_used < cutoff and not state.reserved:
                self._pending -= len(state.pending)
                del self._channels[name]
