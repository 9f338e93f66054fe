"""When each request goes out: recorded timing scaled by --speed, or an open model at --rate with --ramp."""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass

SPIN_S = 0.002  # sleep until this long before the due time, then yield to the loop until it comes


@dataclass(frozen=True)
class Schedule:
    """speed: None = as fast as possible; rate: requests per second (open model), ramped over `ramp` s."""

    speed: float | None = 1.0
    rate: float | None = None
    ramp: float = 0.0

    @property
    def timed(self) -> bool:
        return self.rate is not None or self.speed is not None

    def due(self, index: int, offset_ms: float) -> float | None:
        """Seconds after the start when request `index` (0-based, recorded at offset_ms) is due."""
        if self.rate is not None:
            ramp_count = self.rate * self.ramp / 2  # requests sent while the rate climbs from 0 to rate
            if index < ramp_count:
                return math.sqrt(2 * index * self.ramp / self.rate)
            return self.ramp + (index - ramp_count) / self.rate
        if self.speed is None:
            return None
        return offset_ms / 1000 / self.speed


async def wait_until(deadline: float) -> None:
    """Sleep until shortly before `deadline` (time.perf_counter), then yield until it is reached."""
    remaining = deadline - time.perf_counter()
    if remaining > SPIN_S:
        await asyncio.sleep(remaining - SPIN_S)
    while time.perf_counter() < deadline:
        await asyncio.sleep(0)
