"""Rewriting the published pages off the reply path, in batches.

Each committed add, delete or restore only notes its week here and returns;
a thread of its own rewrites the noted weeks' pages, then the index and the
feed once, a short moment later, so a burst of fifty ``#success`` lines costs
one rewrite, not fifty, and no acknowledgement waits behind the disk.
``close`` writes whatever is still noted before it returns: a command-line
``ask`` that records one success still leaves its page behind. A schedule
refresh notes the digests: the recent weeks' digests are rewritten the same way.

One rewrite is in flight at a time; what changes meanwhile is noted for the
next, which writes each week once however many changes it merged. A rewrite
is Python rendering the whole week (some 0.2 ms per success listed, several
formats), and while it runs it holds the interpreter against the threads
that answer commands. So a rewrite that took ``d`` seconds is followed by
at least ``PAUSE_RATIO`` times ``d`` without one (``Pacing``): during a flood of
``#success`` the pages take at most a fifth of the process's time and fall
behind by a few seconds, instead of halving the acknowledgements.
"""

from __future__ import annotations

import logging
import threading
import time

from successbot.core.successes import Success
from successbot.core.weeks import iso_week, week_label
from successbot.publishing.directory import Publisher, publish_digests_quietly, publish_weeks_quietly

log = logging.getLogger(__name__)

# How long a change waits for others to join its batch.
BATCH_DELAY = 0.25
# After a rewrite of d seconds, at least this many times d without one.
PAUSE_RATIO = 4.0


class Pacing:
    """When the next batch may be written: ``delay`` after its first change, and no sooner than
    ``ratio`` times the last rewrite's length after that rewrite ended."""

    def __init__(self, delay: float = BATCH_DELAY, ratio: float = PAUSE_RATIO) -> None:
        self.delay, self.ratio = delay, ratio
        self._earliest = float("-inf")

    def wrote(self, started: float, ended: float) -> None:
        self._earliest = ended + self.ratio * max(0.0, ended - started)

    def start_at(self, noted: float) -> float:
        """``noted``: when the batch's first change came."""
        return max(noted + self.delay, self._earliest)


class PageRefresher:
    def __init__(self, publisher: Publisher, delay: float = BATCH_DELAY, *, pause_ratio: float = PAUSE_RATIO) -> None:
        self.publisher, self.delay = publisher, delay
        self.pacing = Pacing(delay, pause_ratio)
        self._weeks: set[str] = set()
        self._digests = False  # the schedule changed: the recent digests are due
        self._changed = threading.Condition()
        self._closing = False
        self._writes = 0
        self._thread = threading.Thread(target=self._run, name="pages", daemon=True)
        self._thread.start()

    @property
    def writes(self) -> int:
        """How many batches were written so far."""
        return self._writes

    def success_changed(self, success: Success) -> None:
        """Note the change's week; the pages follow shortly. Safe from any thread, and it never blocks."""
        with self._changed:
            first = not self._weeks and not self._digests
            self._weeks.add(week_label(success.created_at))
            if first:  # only the first change of a batch is news to the thread; it waits out the rest anyway
                self._changed.notify()

    def schedule_changed(self, *_outcomes: object) -> None:
        """After a schedule refresh: the recent weeks' digests follow shortly. Safe from any thread; never blocks."""
        with self._changed:
            first = not self._weeks and not self._digests
            self._digests = True
            if first:
                self._changed.notify()

    def flush(self) -> None:
        """Write what is noted now, on the caller's thread."""
        with self._changed:
            weeks, self._weeks = sorted(self._weeks), set()
            digests, self._digests = self._digests, False
        if weeks:
            publish_weeks_quietly(self.publisher, [iso_week(label) for label in weeks], f"for {', '.join(weeks)}")
        if digests:
            publish_digests_quietly(self.publisher, "after a schedule refresh")
        if weeks or digests:
            self._writes += 1

    def close(self) -> None:
        with self._changed:
            self._closing = True
            self._changed.notify()
        self._thread.join()
        self.flush()

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._weeks or self._digests or self._closing)
                if self._closing:
                    return
                # Let the rest of a burst arrive, and the commands have the process after a long rewrite.
                start = self.pacing.start_at(time.monotonic())
                self._changed.wait_for(lambda: self._closing, max(0.0, start - time.monotonic()))
                if self._closing:
                    return  # close() writes what is noted
            started = time.monotonic()
            try:
                self.flush()
            except Exception:  # the pages' thread must outlive any bug in writing them
                log.exception("rewriting the published pages failed")
            self.pacing.wrote(started, time.monotonic())
