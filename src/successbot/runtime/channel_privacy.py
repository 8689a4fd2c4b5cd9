"""Recording what the connection sees of channels' privacy, off its thread.

The IRC connection tells ``(channel, private)`` when it first sees a
channel's modes after joining and whenever ``+k``, ``+s`` or ``+p`` comes or
goes; the write goes to the database on a thread of its own, in order, so
the connection only does I/O. The pages and exports (in this process or a
``successbot publish`` elsewhere) read what it wrote.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from successbot.core.clock import Clock
from successbot.core.ports import ChannelPrivacyStore, StorageError

log = logging.getLogger(__name__)


class PrivacyRecorder:
    def __init__(
        self,
        store: ChannelPrivacyStore | None,
        network: Callable[[], str],
        clock: Clock,
        republish: Callable[[], object] | None = None,
    ) -> None:
        """``republish``: rewrite the published pages, when a channel turned private or public.

        ``store`` None: it comes with ``ready``, once the database is open (the
        connection starts first); what is seen meanwhile waits, in order.
        """
        self.store, self.network, self.clock, self.republish = store, network, clock, republish
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="channel-privacy")
        self._ready = threading.Event()
        if store is not None:
            self._ready.set()

    def ready(self, store: ChannelPrivacyStore, republish: Callable[[], object] | None = None) -> None:
        self.store, self.republish = store, republish
        self._ready.set()

    def __call__(self, channel: str, private: bool) -> None:
        """Note ``channel``'s privacy; returns at once (called on the connection's thread)."""
        # The network and the time are taken now, as the connection saw them, not when the write runs.
        self._executor.submit(self._record, self.network(), channel, private, self.clock.now())

    def _record(self, network: str, channel: str, private: bool, at: datetime) -> None:
        self._ready.wait()
        if self.store is None:
            return  # the database never opened: the bot is stopping
        try:
            if self.store.record(network, channel, private, at) and self.republish is not None:
                self.republish()  # a page that lists the channel's successes must not wait for the next #success
        except (StorageError, OSError) as error:
            log.error("after seeing %s %s: %s", channel, "private" if private else "public", error)
        except Exception:
            log.exception("recording %s's privacy failed", channel)

    def close(self) -> None:
        """Write what is still waiting, then stop."""
        self._ready.set()  # with no store by now, there is none to write to
        self._executor.shutdown(wait=True)
