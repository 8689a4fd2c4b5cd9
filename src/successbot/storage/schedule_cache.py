"""The schedule's events held in memory, per source and generation, shared by the threads of one bot.

``events()`` is asked at every ``!deadline`` and every announcement check,
and reading every row each time cost most of a reply. Reading them all again
after each refresh was worse: 63,000 events of one large calendar took 0.8 s,
and 7 s while another thread parsed (each row read waits for the
interpreter's lock). So each source is kept with the generation it was read
or written as: a refresh here hands its new events over without a read, and
a refresh by another instance costs a read of only the sources it changed.

One lock guards the cache: the scheduler's thread writes it, any thread reads it.
"""

from __future__ import annotations

import heapq
import threading
from operator import attrgetter

from successbot.schedules.model import Event

Stamp = tuple[tuple[str, int], ...]  # every source's location and current generation, by location


class EventCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sources: dict[str, tuple[int, list[Event]]] = {}  # location -> (generation, events by start)
        self._merged: tuple[Stamp, list[Event]] | None = None

    def merged(self, stamp: Stamp) -> list[Event] | None:
        """Every source's events by start time, if the cache holds exactly ``stamp``'s; else None."""
        with self._lock:
            if self._merged is not None and self._merged[0] == stamp:
                return list(self._merged[1])
            if any(self._sources.get(location, (None,))[0] != generation for location, generation in stamp):
                return None
            merged = list(heapq.merge(*(self._sources[location][1] for location, _ in stamp), key=attrgetter("start")))
            self._merged = (stamp, merged)
            return list(merged)

    def missing(self, stamp: Stamp) -> list[str]:
        """The sources of ``stamp`` whose generation the cache does not hold."""
        with self._lock:
            return [location for location, generation in stamp if self._sources.get(location, (None,))[0] != generation]

    def put(self, location: str, generation: int, events: list[Event]) -> None:
        """``events`` (in start order, ties in the order stored) are ``location``'s at ``generation``."""
        with self._lock:
            self._sources[location] = (generation, events)
            self._merged = None
