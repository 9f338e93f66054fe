"""Channels and indexer acknowledgement (SPEC §8) as a Hypothesis state machine against the reference
server: ack ids per channel from 0, `true` reported once, ack disabled, missing and bad channels."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from fuzzkit import Hec
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

EVENT = "/services/collector/event"
ACK = "/services/collector/ack"
CHANNELS = 3
BAD_BODIES = (b'{"event":', b"[1]", b"", b'{"event":"x"} 5')


class AckMachine(RuleBasedStateMachine):
    """Model: the next ack id of each channel and the ids issued but not yet reported true."""

    hec: Hec

    @initialize(upper=st.lists(st.booleans(), min_size=CHANNELS, max_size=CHANNELS))
    def channels(self, upper: list[bool]) -> None:
        # A GUID in any case is a channel (SPEC §8); each channel keeps its spelling (whether `AB..`
        # and `ab..` are one channel SPEC does not say, and the reference server says no).
        self.channel = [str(uuid.uuid4()).upper() if u else str(uuid.uuid4()) for u in upper]
        self.next_id = [0] * CHANNELS
        self.pending: list[set[int]] = [set() for _ in range(CHANNELS)]
        self.reported: list[set[int]] = [set() for _ in range(CHANNELS)]

    @rule(c=st.integers(0, CHANNELS - 1))
    def send(self, c: int) -> None:
        status, answer = self.hec.post(EVENT, b'{"event":"ack me"}', role="ack", channel=self.channel[c])
        assert (status, answer) == (200, {"text": "Success", "code": 0, "ackId": self.next_id[c]})
        self.pending[c].add(self.next_id[c])
        self.next_id[c] += 1

    @rule(c=st.integers(0, CHANNELS - 1), body=st.sampled_from(BAD_BODIES))
    def failed_request_uses_no_id(self, c: int, body: bytes) -> None:
        status, answer = self.hec.post(EVENT, body, role="ack", channel=self.channel[c])
        assert status == 400 and answer["code"] in (5, 6), answer

    @rule(channel=st.sampled_from((None, "not-a-guid", "{" + str(uuid.UUID(int=7)) + "}", "")))
    def bad_channel(self, channel: str | None) -> None:
        status, answer = self.hec.post(EVENT, b'{"event":"x"}', role="ack", channel=channel)
        expected = (
            {"text": "Data channel is missing", "code": 10}
            if not channel
            else {"text": "Invalid data channel", "code": 11}
        )
        assert (status, answer) == (400, expected)

    @rule(c=st.integers(0, CHANNELS - 1), data=st.data())
    def query(self, c: int, data: st.DataObject) -> None:
        ids = data.draw(st.lists(st.integers(0, self.next_id[c] + 2), unique=True, max_size=6), label="ids")
        status, answer = self.hec.post(
            ACK, json.dumps({"acks": ids}).encode(), role="ack", channel=self.channel[c]
        )
        expected = {str(i): i in self.pending[c] for i in ids}
        assert (status, answer) == (200, {"acks": expected})
        done = {i for i in ids if i in self.pending[c]}
        self.pending[c] -= done
        self.reported[c] |= done

    @rule(c=st.integers(0, CHANNELS - 1))
    def query_with_ack_disabled(self, c: int) -> None:
        status, answer = self.hec.post(ACK, b'{"acks":[0]}', role="default", channel=self.channel[c])
        assert (status, answer) == (400, {"text": "ACK is disabled", "code": 14})

    @rule(body=st.sampled_from((b'{"acks":"0"}', b'{"acks":[0.5]}', b"[]", b"{", b'{"acks":[true]}')))
    def query_with_bad_body(self, body: bytes) -> None:
        status, answer = self.hec.post(ACK, body, role="ack", channel=self.channel[0])
        assert status == 400 and answer["code"] == 6, answer

    @invariant()
    def reported_ids_were_issued(self) -> None:
        for c in range(len(getattr(self, "channel", ()))):
            assert all(i < self.next_id[c] for i in self.reported[c] | self.pending[c])


@pytest.fixture
def machine(reference_target: Path, hec: Hec) -> type[AckMachine]:
    AckMachine.hec = hec
    return AckMachine


def test_channels_and_acknowledgement(machine: type[AckMachine]) -> None:
    test = machine.TestCase
    test.settings = settings(
        max_examples=10,
        stateful_step_count=15,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    test().runTest()
