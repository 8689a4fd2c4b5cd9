"""The one outbound line queue of a connection, and the flood limiter on it.

Design: the reactor drives the sender; there is no sender thread.

Any thread (the reactor's event handlers, the scheduler, a console) may
``OutboundQueue.put`` lines. Only ``Sender.pump`` takes them off, and the
adapter runs it on the irc reactor thread, from
``reactor.scheduler.execute_every(tick, sender.pump)`` (see ``Sender.attach``).
Reasons:

* jaraco ``irc`` is not thread-safe for writing: ``ServerConnection.send_raw``
  writes to the socket with no lock, and on an ``OSError`` it calls
  ``disconnect()``, which runs event handlers. Those must stay on the
  reactor thread, where ``Reactor.process_data`` and ``process_timeout``
  already hold ``reactor.mutex``. Scheduled functions run inside
  ``process_timeout``, so a pump run there is serialized with every read.
* A sender thread would have to take ``reactor.mutex`` for each line and
  sleep between lines; it gains nothing but a second place to go wrong.
* With an injected clock the pump is a plain function: tests need no sleeps.

The cost is latency: a line waits for the next tick (the reactor's
``process_forever`` timeout, 0.2 s by default), which is far below the
flood spacing anyway.

Defaults (``DEFAULT_*``) keep a bot under common servers' flood limits:

* InspIRCd's shipped example (``threshold=10 commandrate=1000``): each line
  adds 1 to a penalty that drains 1/s; fakelag or a kill starts at 10, and
  registration and JOINs have spent part of that already.
* ngIRCd's default: about 3 lines at once, then roughly one a second.

So: a burst of 4, then one line per 1.1 s, the extra 0.1 s soaking up
jitter and the PONGs the irc library sends behind our back. A second bucket
paces bytes. InspIRCd reads at most ``netbuffersize`` (10240) bytes per
second from a client and kills it at a full recvq (10 KiB in the example
config); at the default line rate a 512-byte line can never get there, but
the byte bucket keeps that true if someone raises the line rate.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Protocol

DEFAULT_BURST = 4
DEFAULT_LINES_PER_SECOND = 1 / 1.1
DEFAULT_BYTE_BURST = 4 * 512
DEFAULT_BYTES_PER_SECOND = 512
DEFAULT_TICK_SECONDS = 0.1

Clock = Callable[[], float]

log = logging.getLogger(__name__)


class TokenBucket:
    """A flood limiter: ``burst`` tokens, refilled at ``rate_per_second``.

    Not thread-safe: a bucket belongs to the one ``Sender`` that spends it.
    """

    def __init__(self, burst: float, rate_per_second: float, clock: Clock = time.monotonic) -> None:
        if burst <= 0 or rate_per_second <= 0:
            raise ValueError("burst and rate_per_second must be positive")
        self.burst = float(burst)
        self.rate = float(rate_per_second)
        self._clock = clock
        self._tokens = self.burst
        self._updated = clock()

    def delay(self, cost: float = 1.0) -> float:
        """Seconds to wait until ``cost`` tokens are there; 0.0 if now."""
        missing = self._capped(cost) - self._refill()
        return max(0.0, missing / self.rate)

    def take(self, cost: float = 1.0) -> None:
        """Spend ``cost`` tokens; the caller has checked ``delay(cost) == 0``."""
        self._tokens = self._refill() - self._capped(cost)

    def _capped(self, cost: float) -> float:
        # A cost above the burst could never be paid; charging a full bucket
        # still paces it.
        return min(float(cost), self.burst)

    def _refill(self) -> float:
        now = self._clock()
        # max(): a clock that steps back must not mint or burn tokens.
        elapsed = max(0.0, now - self._updated)
        self._updated = now
        self._tokens = min(self.burst, self._tokens + elapsed * self.rate)
        return self._tokens


class OutboundQueue:
    """Raw IRC lines (no CR LF) waiting to go out. FIFO; never drops a line.

    Every method is thread-safe. ``put_many`` keeps the lines of one reply
    together even while other threads are putting lines too.
    """

    def __init__(self) -> None:
        self._lines: deque[str] = deque()
        self._lock = threading.Lock()

    def put(self, line: str) -> None:
        self.put_many([line])

    def put_many(self, lines: Iterable[str]) -> None:
        checked = [_checked(line) for line in lines]
        with self._lock:
            self._lines.extend(checked)

    def peek(self, index: int = 0) -> str | None:
        """The line ``index`` places from the front, without taking it; None past the end."""
        with self._lock:
            return self._lines[index] if index < len(self._lines) else None

    def pop(self) -> str:
        with self._lock:
            return self._lines.popleft()

    def clear(self) -> list[str]:
        """Empty the queue and return what was in it (e.g. on disconnect)."""
        with self._lock:
            lines = list(self._lines)
            self._lines.clear()
            return lines

    def __len__(self) -> int:
        with self._lock:
            return len(self._lines)


def _checked(line: str) -> str:
    # A CR, LF or NUL inside one queued line would let text become a second
    # command; this is a programming error, so fail where the line came in.
    if any(char in line for char in "\r\n\0"):
        raise ValueError(f"line contains CR, LF or NUL: {line!r}")
    return line


class Scheduler(Protocol):
    """The part of ``irc.schedule.IScheduler`` that ``Sender.attach`` uses."""

    def execute_every(self, period: float, func: Callable[[], object]) -> None: ...


class Sender:
    """Moves lines from an ``OutboundQueue`` to ``send_raw`` at a safe pace.

    Exactly one thread may call ``pump`` (the reactor thread); it alone takes
    lines off the queue. ``ready`` says whether lines may go at all, e.g.
    ``connection.is_connected()`` and the 001 welcome seen; until then they
    wait in the queue.
    """

    def __init__(
        self,
        queue: OutboundQueue,
        send_raw: Callable[[str], object],
        *,
        ready: Callable[[], bool] = lambda: True,
        lines: TokenBucket | None = None,
        octets: TokenBucket | None = None,
        clock: Clock = time.monotonic,
        send_batch: Callable[[list[str]], object] | None = None,
    ) -> None:
        self.queue = queue
        self._send_raw = send_raw
        self._send_batch = send_batch
        self._ready = ready
        self.lines = lines or TokenBucket(DEFAULT_BURST, DEFAULT_LINES_PER_SECOND, clock)
        self.octets = octets or TokenBucket(DEFAULT_BYTE_BURST, DEFAULT_BYTES_PER_SECOND, clock)

    def pump(self) -> float | None:
        """Send every line the buckets allow now, in one write when there are several.

        Returns the seconds until the next line may go, or None when the
        queue is empty or not ``ready``. Lines leave the queue only after the
        write returned, so if it raises they stay first.
        """
        if not self._ready():
            return None
        batch: list[str] = []
        wait: float | None = None
        while (line := self.queue.peek(len(batch))) is not None:
            size = _wire_size(line)
            wait = max(self.lines.delay(), self.octets.delay(size))
            if wait > 0:
                break
            self.lines.take()
            self.octets.take(size)
            batch.append(line)
            wait = None
        if batch:
            # One write for a whole reply: the server reads and relays its lines
            # together instead of one TCP round of delayed ACKs per line.
            if self._send_batch is not None and len(batch) > 1:
                self._send_batch(batch)
            else:
                for line in batch:
                    self._send_raw(line)
            for _line in batch:
                self.queue.pop()
        return wait

    def tick(self) -> None:
        """``pump`` for the reactor's scheduler: it never raises."""
        try:
            self.pump()
        except Exception:
            # An exception escaping a scheduled function ends the reactor's
            # process_forever loop, and with it the bot. The line stays
            # queued; a broken connection shows up as a disconnect event.
            log.exception("sending a queued line failed")

    def attach(self, scheduler: Scheduler, tick: float = DEFAULT_TICK_SECONDS) -> None:
        """Run ``tick`` every ``tick`` seconds on the reactor's own scheduler."""
        scheduler.execute_every(tick, self.tick)


def _wire_size(line: str) -> int:
    return len(line.encode("utf-8")) + 2  # CR LF
