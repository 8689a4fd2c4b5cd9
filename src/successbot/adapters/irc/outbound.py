"""The outbound side of a connection: a fair, prioritised queue with delivery receipts, and its flood limiter.

Design: the reactor drives the sender; there is no sender thread.

Any thread (the reactor's event handlers, the scheduler, a worker, a
console) may ``OutboundQueue.put`` lines. Only ``Sender.pump`` takes them
off, and the adapter runs it on the irc reactor thread, from
``reactor.scheduler.execute_every(tick, sender.pump)`` (see ``Sender.attach``)
or its own loop. Reasons:

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

What the queue decides (``OutboundQueue``), in the order it decides it:

* **Classes** (``Priority``), served strictly in order: PROTOCOL (JOIN, NICK,
  MODE, QUIT), REPLY (answers to commands, acknowledgements), ANNOUNCEMENT,
  LOOKUP (WHOIS), CTCP. A JOIN never waits behind replies, and a CTCP flood
  never delays a reply.
* **Items.** One ``put``/``put_many`` is one item: its lines go out together
  and in order; once its first line is written, nothing else is sent until
  its last (an item is at most ``max_reply_lines`` long).
* **Fairness.** Within a class each sender (the nick or channel the lines
  answer: ``sender=``) has its own FIFO of items, and the senders take turns,
  one item each. A sender's items keep their order; another sender's reply
  waits for at most one item of each sender ahead of it in the turn.
* **Gating.** An item addressed to a target (a PRIVMSG or NOTICE; ``target=``
  or read from the line) waits while ``can_send_to(target)`` is false, e.g.
  while the bot is not (again) in that channel; items for other targets pass
  it, but never an earlier item of the same sender for the same target.
* **Expiry.** An item may carry ``expires_at`` (on the queue's clock); REPLY
  items get ``DEFAULT_MAX_AGE`` (2 minutes) unless told, CTCP ones 30 s.
  An expired item is dropped (its ``on_dropped("expired")`` runs), with one
  log line per round however many expired together.
* **Merging.** Acknowledgements (``ack=``, one line each) for one channel that
  wait together are sent as one line, ``alice, bob: Added successes #12,
  #13``, as many as fit in one relayed line (``lines.body_budget``). Only
  acknowledgements at the head of their sender's turn are merged, so no
  sender's order changes.
* **CTCP limit.** CTCP answers beyond ``CtcpLimit`` (3 per 10 s in all, one
  per asker per 5 s) are dropped when put, never queued; each burst of drops
  is counted in one log line once it is over (``ctcp_dropped`` has the total).

Delivery receipts: an item's ``on_written()`` runs once all its lines have
been written to the socket (a line counts as delivered when written, not
when queued); ``on_dropped(reason)`` runs once instead when it never will be:
``"expired"``, ``"disconnected"`` (only classes bound to one connection),
``"shutdown"``, ``"rate limited"`` (CTCP), ``"cleared"``. Exactly one of the
two runs for every item, after the queue's lock is released, on the thread
that wrote or dropped it (the reactor thread, except a CTCP dropped or an
item put after ``shutdown``: the putting thread). Callbacks must be quick and
must not block on the reactor; an exception in one is logged and ignored.

A lost connection (``disconnected``) keeps REPLY and ANNOUNCEMENT items, the
unsent rest of a half-written one included, for after the rejoin (the gate
holds them until then); PROTOCOL, LOOKUP and CTCP items belonged to the dead
connection and are dropped. ``shutdown`` hands every item back through
``on_dropped("shutdown")`` and refuses new ones; the caller writes its QUIT
first, unpaced.

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
the byte bucket keeps that true if someone raises the line rate. Every line
the queue lets go, merged or not, passes both buckets.
"""

from __future__ import annotations

import enum
import itertools
import logging
import threading
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from successbot.adapters.irc.lines import body_budget, prefix_budget_for, sanitize
from successbot.core.messages import Acknowledgement, acknowledgement_text

DEFAULT_BURST = 4
DEFAULT_LINES_PER_SECOND = 1 / 1.1
DEFAULT_BYTE_BURST = 4 * 512
DEFAULT_BYTES_PER_SECOND = 512
DEFAULT_TICK_SECONDS = 0.1
# NICKLEN is 30 on InspIRCd and ngIRCd: a merged line sized for that fits any nick of ours.
DEFAULT_PREFIX_BUDGET = prefix_budget_for("x" * 30)

Clock = Callable[[], float]
OnWritten = Callable[[], object]
OnDropped = Callable[[str], object]

# Reasons given to on_dropped.
EXPIRED = "expired"
DISCONNECTED = "disconnected"
SHUTDOWN = "shutdown"
RATE_LIMITED = "rate limited"
CLEARED = "cleared"

log = logging.getLogger(__name__)


class Priority(enum.IntEnum):
    """Outbound classes, lowest value first."""

    PROTOCOL = 0  # JOIN, NICK, MODE, QUIT: the connection's own business
    REPLY = 1  # answers to commands, acknowledgements
    ANNOUNCEMENT = 2
    LOOKUP = 3  # WHOIS
    CTCP = 4  # VERSION, PING answers


# Classes whose lines mean nothing on another connection: dropped when this one is lost.
CONNECTION_BOUND = frozenset({Priority.PROTOCOL, Priority.LOOKUP, Priority.CTCP})
# A reply older than this when its channel can take it again is stale: dropped, not posted.
REPLY_MAX_AGE = 120.0
CTCP_MAX_AGE = 30.0
DEFAULT_MAX_AGE = {Priority.REPLY: REPLY_MAX_AGE, Priority.CTCP: CTCP_MAX_AGE}
SWEEP_SECONDS = 1.0  # how often waiting items are checked for expiry besides when chosen


@dataclass(frozen=True)
class CtcpLimit:
    """At most ``burst`` CTCP answers per ``per_seconds`` in all, and one per asker per ``sender_interval``."""

    burst: int = 3
    per_seconds: float = 10.0
    sender_interval: float = 5.0


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


@dataclass(eq=False)
class _Item:
    """The lines of one put, with what to do once they are written or dropped."""

    lines: list[str]
    priority: Priority
    sender: str  # folded
    target: str | None
    queued_at: float
    expires_at: float | None = None
    ack: Acknowledgement | None = None
    on_written: OnWritten | None = None
    on_dropped: OnDropped | None = None
    written: int = 0  # lines already on the socket

    @property
    def remaining(self) -> list[str]:
        return self.lines[self.written :]

    @property
    def command(self) -> str:
        return self.lines[0].split(" ", 1)[0].upper()

    def expired(self, now: float) -> bool:
        return self.expires_at is not None and now >= self.expires_at


@dataclass(eq=False)
class _Unit:
    """What was chosen to go next: the rest of one item, or one line merging several acknowledgements."""

    lines: list[str]
    items: list[_Item]
    written: int = 0

    @property
    def target(self) -> str | None:
        return self.items[0].target


@dataclass
class _Effects:
    """What a queue operation decided, to act on once the lock is released."""

    written: list[_Item] = field(default_factory=list)
    dropped: list[tuple[_Item, str]] = field(default_factory=list)
    expired: list[_Item] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # log lines at INFO


class _CtcpGate:
    """Admits CTCP answers within a ``CtcpLimit`` and counts the rest, one summary per burst of drops."""

    def __init__(self, limit: CtcpLimit, clock: Clock) -> None:
        self.limit, self._clock = limit, clock
        self._total = TokenBucket(limit.burst, limit.burst / limit.per_seconds, clock)
        self._last_by_sender: dict[str, float] = {}
        self.dropped_total = 0
        self._burst = 0
        self._burst_senders: set[str] = set()
        self._burst_start = self._last_drop = 0.0

    def admit(self, sender: str) -> bool:
        now = self._clock()
        last = self._last_by_sender.get(sender)
        if (last is not None and 0 <= now - last < self.limit.sender_interval) or self._total.delay() > 0:
            self.count_drop(sender)
            return False
        self._total.take()
        self._last_by_sender[sender] = now
        if len(self._last_by_sender) > 256:  # bounded by the askers of the last few seconds
            interval = self.limit.sender_interval
            self._last_by_sender = {key: t for key, t in self._last_by_sender.items() if now - t < interval}
        return True

    def count_drop(self, sender: str) -> None:
        now = self._clock()
        if not self._burst:
            self._burst_start = now
        self._burst += 1
        self.dropped_total += 1
        self._burst_senders.add(sender)
        self._last_drop = now

    def finished_burst(self, force: bool = False) -> str | None:
        """The log line for a burst of drops once it is over (quiet for ``per_seconds``), else None."""
        if not self._burst or (not force and self._clock() - self._last_drop < self.limit.per_seconds):
            return None
        limit = self.limit
        note = (
            f"dropped {self._burst} CTCP answer{'s' if self._burst != 1 else ''} to "
            f"{len(self._burst_senders)} asker{'s' if len(self._burst_senders) != 1 else ''} "
            f"over {self._last_drop - self._burst_start:.0f}s (at most {limit.burst} per {limit.per_seconds:g}s, "
            f"one per asker per {limit.sender_interval:g}s)"
        )
        self._burst, self._burst_senders = 0, set()
        return note


class OutboundQueue:
    """Raw IRC lines (no CR LF) waiting to go out, in classes, fairly, with receipts; see the module's docstring.

    Every method is thread-safe. ``peek``/``pop``/``prepare`` are for the one
    pumping thread (they ask ``can_send_to``, which reads the connection's
    state); ``put``, ``put_many`` and ``len`` are for anyone.
    """

    def __init__(
        self,
        *,
        can_send_to: Callable[[str], bool] = lambda _target: True,
        prefix_budget: Callable[[], int] = lambda: DEFAULT_PREFIX_BUDGET,
        clock: Clock = time.monotonic,
        max_age: dict[Priority, float] | None = None,
        ctcp_limit: CtcpLimit = CtcpLimit(),
    ) -> None:
        self._can_send_to = can_send_to
        self._prefix_budget = prefix_budget
        self._clock = clock
        self._max_age = DEFAULT_MAX_AGE if max_age is None else max_age
        # Per class, each sender's FIFO of items; the dict's order is whose turn it is.
        self._lanes: dict[Priority, OrderedDict[str, deque[_Item]]] = {p: OrderedDict() for p in Priority}
        # Chosen by peek, in order; pop takes their lines. A half-written unit stays first.
        self._staged: deque[_Unit] = deque()
        self._ctcp = _CtcpGate(ctcp_limit, clock)
        self._lock = threading.Lock()
        self._closed = False
        self._next_sweep = clock()
        self._count = 0  # lines of the items in the queue, staged or not, not yet written
        # Changes whenever chosen lines are put back wholesale (a lost connection, a
        # shutdown): a writer that sees it change must not pop what it wrote.
        self.epoch = 0

    # --- putting ---

    def put(self, line: str, priority: Priority = Priority.REPLY, **options: Any) -> None:
        """One line as one item; ``options`` as for ``put_many``."""
        self.put_many([line], priority, **options)

    def put_many(
        self,
        lines: Iterable[str],
        priority: Priority = Priority.REPLY,
        *,
        sender: str = "",
        target: str | None = None,
        expires_at: float | None = None,
        ack: Acknowledgement | None = None,
        on_written: OnWritten | None = None,
        on_dropped: OnDropped | None = None,
    ) -> None:
        """Queue ``lines`` as one item: they go out together, in order.

        ``sender`` is whom they answer (shares are fair between senders);
        ``target`` the channel or nick they are for, read from a PRIVMSG or
        NOTICE line when not given (None: never gated). ``ack`` marks a
        one-line acknowledgement that may be merged with others.
        """
        checked = [_checked(line) for line in lines]
        effects = _Effects()
        if not checked:  # nothing to deliver (a blank reply): delivered
            _call(on_written)
            return
        now = self._clock()
        if expires_at is None and priority in self._max_age:
            expires_at = now + self._max_age[priority]
        item = _Item(
            checked, Priority(priority), _fold(sender), target if target is not None else _target_of(checked[0]),
            now, expires_at, ack, on_written, on_dropped,
        )  # fmt: skip
        with self._lock:
            if self._closed:
                effects.dropped.append((item, SHUTDOWN))
            elif item.priority is Priority.CTCP and not self._ctcp.admit(item.sender):
                effects.dropped.append((item, RATE_LIMITED))
            else:
                self._lanes[item.priority].setdefault(item.sender, deque()).append(item)
                self._count += len(item.lines)
        _settle(effects)

    # --- taking, for the pumping thread ---

    def prepare(self) -> None:
        """Before each round of sending: choose afresh, drop what expired, log a CTCP burst that ended.

        Lines chosen by ``peek`` but not written go back to their places, so
        that what arrived since (a JOIN, more acknowledgements to merge) is
        weighed too; a half-written item stays first while its target can
        take it.
        """
        effects = _Effects()
        with self._lock:
            self._unstage(force=False)
            now = self._clock()
            if now >= self._next_sweep:
                self._next_sweep = now + SWEEP_SECONDS
                self._sweep(now, effects)
            if note := self._ctcp.finished_burst():
                effects.notes.append(note)
        _settle(effects)

    def peek(self, index: int = 0) -> str | None:
        """The line ``index`` places from the front of what may go now, without taking it; None past the end."""
        effects = _Effects()
        with self._lock:
            line = self._peek_locked(index, effects)
        _settle(effects)
        return line

    def pop(self) -> str:
        """Take the first line ``peek`` shows: it has been written. Runs receipts of items now complete."""
        effects = _Effects()
        with self._lock:
            line = self._peek_locked(0, effects)
            if line is None:
                _settle(effects)
                raise IndexError("pop from an empty outbound queue")
            unit = self._staged[0]
            unit.written += 1
            if len(unit.items) == 1:
                unit.items[0].written += 1
                self._count -= 1
            if unit.written == len(unit.lines):
                self._staged.popleft()
                effects.written.extend(unit.items)
                if len(unit.items) > 1:  # one line for several one-line items
                    self._count -= len(unit.items)
        _settle(effects)
        return line

    # --- losing the connection, stopping ---

    def disconnected(self) -> None:
        """The connection is gone: keep replies and announcements for the next one, drop the rest."""
        effects = _Effects()
        with self._lock:
            self._unstage(force=True)
            self.epoch += 1
            for priority in CONNECTION_BOUND:
                effects.dropped += [(item, DISCONNECTED) for item in self._take_lane(priority)]
            kept = sum(len(queue) for lane in self._lanes.values() for queue in lane.values())
        if kept or effects.dropped:
            dropped = len(effects.dropped)
            effects.notes.append(
                f"connection lost: {kept} queued repl{'ies' if kept != 1 else 'y'} or announcement"
                f"{'s' if kept != 1 else ''} kept for after the rejoin, {dropped} protocol, look-up or CTCP "
                f"item{'s' if dropped != 1 else ''} discarded"
            )
        _settle(effects)

    def shutdown(self, reason: str = SHUTDOWN) -> int:
        """Hand every waiting item back (``on_dropped(reason)``) and refuse new ones; returns how many."""
        effects = _Effects()
        with self._lock:
            self._closed = True
            items = self._take_all()
            if note := self._ctcp.finished_burst(force=True):
                effects.notes.append(note)
        effects.dropped += [(item, reason) for item in items]
        _settle(effects)
        return len(items)

    def clear(self, reason: str = CLEARED) -> list[str]:
        """Empty the queue and return the lines that were waiting; their items get ``on_dropped(reason)``."""
        effects = _Effects()
        with self._lock:
            items = self._take_all()
        effects.dropped += [(item, reason) for item in items]
        _settle(effects)
        return [line for item in items for line in item.remaining]

    @property
    def ctcp_dropped(self) -> int:
        """CTCP answers dropped so far by the rate limit or age."""
        with self._lock:
            return self._ctcp.dropped_total

    def __len__(self) -> int:
        """Lines waiting, gated ones included (merging may send fewer)."""
        with self._lock:
            return self._count

    # --- inside the lock ---

    def _peek_locked(self, index: int, effects: _Effects) -> str | None:
        for unit in self._staged:
            left = len(unit.lines) - unit.written
            if index < left:
                return unit.lines[unit.written + index]
            index -= left
        while (unit := self._select(self._clock(), effects)) is not None:
            self._staged.append(unit)
            if index < len(unit.lines):
                return unit.lines[index]
            index -= len(unit.lines)
        return None

    def _select(self, now: float, effects: _Effects) -> _Unit | None:
        """The next unit to send: the first class with something sendable, the sender whose turn it is."""
        answers: dict[str, bool] = {}

        def sendable(target: str) -> bool:
            key = _fold(target)
            if key not in answers:
                answers[key] = bool(self._can_send_to(target))
            return answers[key]

        for lane in self._lanes.values():
            for key in list(lane):
                queue = lane[key]
                item = self._first_sendable(queue, now, sendable, effects)
                if not queue:
                    del lane[key]
                if item is None:
                    continue
                unit = self._merged(lane, key, item, now) or _Unit(item.remaining, [item])
                for chosen in unit.items:
                    self._remove(lane, chosen)
                if key in lane:
                    lane.move_to_end(key)  # served: the others' turn first
                return unit
        return None

    def _first_sendable(
        self, queue: deque[_Item], now: float, sendable: Callable[[str], bool], effects: _Effects
    ) -> _Item | None:
        """A sender's first item that may go now; an item never passes an earlier one for the same target."""
        blocked: set[str] = set()
        expired: list[_Item] = []
        found = None
        for item in queue:  # usually the head: stop at the first that may go
            if item.expired(now):
                expired.append(item)
            elif item.target is None or (_fold(item.target) not in blocked and sendable(item.target)):
                found = item
                break
            else:
                blocked.add(_fold(item.target))
        for item in expired:
            queue.remove(item)
            self._expire(item, effects)
        return found

    def _merged(self, lane: OrderedDict[str, deque[_Item]], key: str, first: _Item, now: float) -> _Unit | None:
        """One line for ``first`` and the acknowledgements waiting with it for its channel, if there are several."""
        if not _mergeable(first, now):
            return None
        own = lane[key]
        candidates = list(_run(own, own.index(first), first, now))
        for other, queue in lane.items():
            if other != key:
                candidates += _run(queue, 0, first, now)
        if len(candidates) < 2:
            return None
        assert first.target is not None  # an acknowledgement is a PRIVMSG or NOTICE to its channel
        budget = body_budget(first.command, first.target, self._prefix_budget())
        taken: list[_Item] = []
        for item in candidates:
            text = sanitize(acknowledgement_text([chosen.ack for chosen in [*taken, item]]))  # type: ignore[misc]
            if len(text.encode("utf-8")) > budget:
                break
            taken.append(item)
        if len(taken) < 2:
            return None
        text = sanitize(acknowledgement_text([item.ack for item in taken]))  # type: ignore[misc]
        return _Unit([f"{first.command} {first.target} :{text}"], taken)

    def _unstage(self, force: bool) -> None:
        keep = None
        if self._staged and self._staged[0].written and not force:
            first = self._staged[0]
            if first.target is None or self._can_send_to(first.target):
                keep = self._staged.popleft()
        while self._staged:
            self._requeue(self._staged.pop())  # the last first: each sender's head ends up as it was
        if keep is not None:
            self._staged.append(keep)

    def _requeue(self, unit: _Unit) -> None:
        for item in reversed(unit.items):
            lane = self._lanes[item.priority]
            lane.setdefault(item.sender, deque()).appendleft(item)
            lane.move_to_end(item.sender, last=False)  # it was this sender's turn

    def _sweep(self, now: float, effects: _Effects) -> None:
        for lane in self._lanes.values():
            for key in list(lane):
                queue = lane[key]
                for item in [item for item in queue if item.expired(now)]:
                    queue.remove(item)
                    self._expire(item, effects)
                if not queue:
                    del lane[key]

    def _expire(self, item: _Item, effects: _Effects) -> None:
        self._count -= len(item.remaining)
        if item.priority is Priority.CTCP:  # counted with the rate-limited ones: one line per burst
            self._ctcp.count_drop(item.sender)
            effects.dropped.append((item, EXPIRED))
        else:
            effects.expired.append(item)

    @staticmethod
    def _remove(lane: OrderedDict[str, deque[_Item]], item: _Item) -> None:
        queue = lane[item.sender]
        queue.remove(item)
        if not queue:
            del lane[item.sender]

    def _take_lane(self, priority: Priority) -> list[_Item]:
        lane = self._lanes[priority]
        items = [item for queue in lane.values() for item in queue]
        lane.clear()
        self._count -= sum(len(item.remaining) for item in items)
        return items

    def _take_all(self) -> list[_Item]:
        self._unstage(force=True)
        self.epoch += 1
        return [item for priority in Priority for item in self._take_lane(priority)]


def _mergeable(item: _Item, now: float) -> bool:
    return (
        item.ack is not None
        and item.ack.cut_at is None  # its note that the text was cut must reach the speaker
        and item.written == 0
        and len(item.lines) == 1
        and not item.expired(now)
    )


def _run(queue: deque[_Item], start: int, like: _Item, now: float) -> Iterator[_Item]:
    """The acknowledgements from ``start`` on that could share a line with ``like``, up to the first that cannot."""
    assert like.ack is not None and like.target is not None
    group = (_fold(like.target), like.command, like.ack.page_url, like.ack.kind)  # a thanks joins no success
    for item in itertools.islice(queue, start, None):
        if not _mergeable(item, now) or item.target is None:
            return
        if (_fold(item.target), item.command, item.ack.page_url, item.ack.kind) != group:  # type: ignore[union-attr]
            return
        yield item


def _settle(effects: _Effects) -> None:
    """Run receipts and write log lines, outside the lock (a callback may put again)."""
    for item in effects.written:
        _call(item.on_written)
    for item, reason in effects.dropped:
        _call(item.on_dropped, reason)
    if effects.expired:
        targets = Counter(item.target or "the server" for item in effects.expired)
        oldest = max(item.expires_at - item.queued_at for item in effects.expired if item.expires_at is not None)
        log.info(
            "dropped %d queued message%s older than %.0fs, not posted late (%s)",
            len(effects.expired),
            "s" if len(effects.expired) != 1 else "",
            oldest,
            ", ".join(f"{target}: {count}" for target, count in targets.items()),
        )
        for item in effects.expired:
            _call(item.on_dropped, EXPIRED)
    for note in effects.notes:
        log.info("%s", note)


def _call(callback: Callable[..., object] | None, *args: object) -> None:
    if callback is None:
        return
    try:
        callback(*args)
    except Exception:
        # A receipt's failure is its owner's bug: it must not stop the sending.
        log.exception("a delivery callback failed")


def _fold(name: str) -> str:
    """IRC's rfc1459 case folding, as InspIRCd and ngIRCd compare nicks and channels."""
    return name.lower().translate(_RFC1459)


_RFC1459 = str.maketrans("[]\\^", "{}|~")


def _target_of(line: str) -> str | None:
    words = line.split(" ", 2)
    if len(words) >= 2 and words[0].upper() in ("PRIVMSG", "NOTICE"):
        return words[1]
    return None


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

        Returns the seconds until the next line may go, or None when nothing
        can go (empty, gated, or not ``ready``). Lines leave the queue only
        after the write returned, so if it raises they stay first; if the
        write lost the connection (the queue's ``epoch`` moved on), the queue
        has already sorted them, and they are not counted as written.
        """
        self.queue.prepare()
        if not self._ready():
            return None
        epoch = self.queue.epoch
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
            self._write(batch, epoch)
        return wait

    def _write(self, batch: list[str], epoch: int) -> None:
        if self._send_batch is not None and len(batch) > 1:
            # One write for a whole reply: the server reads and relays its lines
            # together instead of one TCP round of delayed ACKs per line.
            self._send_batch(batch)
            if self.queue.epoch == epoch:
                for _line in batch:
                    self.queue.pop()
            return
        for line in batch:
            self._send_raw(line)
            if self.queue.epoch != epoch:
                return
            self.queue.pop()

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
