"""Is the server still there: a PING after a silence, a reconnect when it goes unanswered.

Pure: the connection tells it what it heard and asks it, at each tick, what to do.
"""

from __future__ import annotations

import enum


class Verdict(enum.Enum):
    FINE = "fine"
    PING = "ping"  # silence for ping_interval: ask the server
    DEAD = "dead"  # no answer to the PING within ping_timeout: reconnect


class Liveness:
    def __init__(self, ping_interval: float, ping_timeout: float) -> None:
        self.ping_interval, self.ping_timeout = ping_interval, ping_timeout
        self._last_heard = 0.0
        self._ping_sent_at: float | None = None

    def connected(self, now: float) -> None:
        self.heard(now)

    def heard(self, now: float) -> None:
        """Any line from the server: it is alive, and an outstanding PING is answered."""
        self._last_heard, self._ping_sent_at = now, None

    def check(self, now: float) -> Verdict:
        if self._ping_sent_at is not None:
            if now - self._ping_sent_at >= self.ping_timeout:
                self._ping_sent_at = None
                return Verdict.DEAD
            return Verdict.FINE
        if now - self._last_heard >= self.ping_interval:
            self._ping_sent_at = now
            return Verdict.PING
        return Verdict.FINE
