"""Running the core's commands off the connection's thread, one conversation at a time.

A conversation is one person in one place (a nick in a channel, or a nick in
private). Its messages are handled one after another, in the order they
arrived, so the replies to one person keep their order; different
conversations run side by side on a few threads, so a slow command (a
schedule reload waiting for a slow URL, a database busy with another
writer) holds up only the conversation that asked for it. The connection's
thread only submits messages and sends what comes back through ``deliver``,
which is called on a worker thread and must be thread-safe (the IRC adapter
puts the replies in its outbound queue). ``delivered``, if given, is called
after that, once the worker has no lock left to take and is about to take
its next message or wait (the IRC adapter wakes its loop there, so that the
loop finds the interpreter free when it wakes).

A submitted message wakes one idle worker, and a finished one wakes nobody
(the worker itself takes what is ready next): a reply on its way out never
competes with idle workers woken to find nothing to do.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from successbot.core.dispatch import Core
from successbot.core.messages import Message, Reply

log = logging.getLogger(__name__)

DEFAULT_THREADS = 4
# Messages one conversation may have waiting. The server paces what one client can send (about a line a
# second after a burst), so this is reached only by a paste or a server without limits; past it, the
# flood is dropped and counted in the log.
DEFAULT_BACKLOG = 500

Deliver = Callable[[Message, list[Reply]], None]


@dataclass(frozen=True)
class Job:
    message: Message
    now: datetime


def conversation_of(message: Message) -> tuple[str, str]:
    """Who is talking where: the replies to one such pair keep their order."""
    return message.reply_target.casefold(), message.nick.casefold()


class Conversations:
    def __init__(
        self,
        core: Core,
        deliver: Deliver,
        *,
        threads: int = DEFAULT_THREADS,
        backlog: int = DEFAULT_BACKLOG,
        name: str = "commands",
        delivered: Callable[[], None] | None = None,
    ) -> None:
        self.core, self.deliver, self.backlog, self.delivered = core, deliver, backlog, delivered
        self._lock = threading.Lock()
        self._work_ready = threading.Condition(self._lock)  # for the workers: a conversation is ready
        self._settled = threading.Condition(self._lock)  # for wait_idle: nothing waiting or running
        self._waiting: dict[tuple[str, str], deque[Job]] = {}
        self._ready: deque[tuple[str, str]] = deque()  # conversations with work and no thread on them
        self._running: set[tuple[str, str]] = set()
        self._dropped = 0
        self._stopping = False
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}-{number}", daemon=True) for number in range(threads)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, message: Message, now: datetime) -> bool:
        """Queue ``message``; False when its conversation already has ``backlog`` waiting (it is dropped)."""
        key = conversation_of(message)
        with self._lock:
            if self._stopping:
                return False
            waiting = self._waiting.setdefault(key, deque())
            if len(waiting) >= self.backlog:
                self._dropped += 1
                if self._dropped == 1 or self._dropped % 100 == 0:
                    log.warning("%s is flooding: %d commands dropped so far", message.nick, self._dropped)
                return False
            waiting.append(Job(message, now))
            if key not in self._running and len(waiting) == 1:
                self._ready.append(key)
                self._work_ready.notify()
        return True

    def pending(self) -> int:
        with self._lock:
            return sum(len(jobs) for jobs in self._waiting.values()) + len(self._running)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every submitted message has been handled and delivered; False if ``timeout`` passed first."""
        with self._lock:
            return self._settled.wait_for(lambda: not self._waiting and not self._running, timeout)

    def stop(self, timeout: float = 5.0) -> int:
        """Let the commands being handled finish (up to ``timeout``); returns how many waiting ones were not run."""
        with self._lock:
            self._stopping = True
            unrun = sum(len(jobs) for jobs in self._waiting.values())
            self._waiting.clear()
            self._ready.clear()
            self._work_ready.notify_all()
            self._settled.notify_all()
        for thread in self._threads:
            thread.join(timeout / len(self._threads))
        if unrun:
            log.warning("stopping with %d commands not handled", unrun)
        return unrun

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._ready and not self._stopping:
                    self._work_ready.wait()
                if self._stopping:
                    return
                key = self._ready.popleft()
                job = self._waiting[key].popleft()
                self._running.add(key)
            try:
                self._run(job)
            finally:
                with self._lock:
                    self._running.discard(key)
                    if self._waiting.get(key):
                        self._ready.append(key)  # this thread takes it, or another that is awake
                    else:
                        self._waiting.pop(key, None)
                        if not self._waiting and not self._running:
                            self._settled.notify_all()
                self._after_delivery()

    def _after_delivery(self) -> None:
        if self.delivered is not None:
            try:
                self.delivered()
            except Exception:
                log.exception("after delivering replies, the delivered callback failed")

    def _run(self, job: Job) -> None:
        try:
            replies = self.core.handle(job.message, job.now)
        except Exception:  # Core.handle answers a failing command itself; this is the last guard
            log.exception("handling %r from %s failed", job.message.text, job.message.nick)
            replies = [Reply(job.message.reply_target, "Sorry, something went wrong; it has been logged.")]
        try:
            self.deliver(job.message, replies)
        except Exception:
            log.exception("delivering the replies to %s failed", job.message.nick)
