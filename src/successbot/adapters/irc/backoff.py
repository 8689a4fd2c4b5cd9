"""How long to wait before the next reconnection attempt."""

from __future__ import annotations

import random
from collections.abc import Callable


class Backoff:
    """Exponential backoff with jitter.

    The growth is gentle (1.5 times longer each time, from half a second) so that a server back
    after a short outage is tried again within a couple of seconds, and it is
    capped so that a long outage costs one attempt every few minutes. The
    jitter (±20 %) keeps many bots from reconnecting in lockstep.
    """

    def __init__(
        self,
        first: float = 0.5,
        factor: float = 1.5,
        cap: float = 300.0,
        jitter: float = 0.2,
        uniform: Callable[[float, float], float] = random.uniform,
    ) -> None:
        self.first, self.factor, self.cap, self.jitter = first, factor, cap, jitter
        self._uniform = uniform
        self.attempts = 0

    def next_delay(self) -> float:
        base = min(self.cap, self.first * self.factor**self.attempts)
        self.attempts += 1
        return min(self.cap, base * self._uniform(1 - self.jitter, 1 + self.jitter))

    def reset(self) -> None:
        self.attempts = 0
