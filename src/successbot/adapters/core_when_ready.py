"""The core, once it exists: the IRC connection starts before the database behind the core is open.

``successbot run`` registers on the server while the database, the stores
and the commands load on another thread. Until then a message that reaches
a command waits for the core on its worker thread (``handle`` blocks there,
never on the connection's thread), so nothing said meanwhile is lost or
answered out of order; joining and registering need no core.
"""

from __future__ import annotations

import threading
from datetime import datetime

from successbot.core.dispatch import Core
from successbot.core.messages import Message, Reply


class CoreWhenReady:
    """Stands in for a ``Core`` (``needs_account``, ``handle``) until ``ready`` gives it the real one."""

    def __init__(self) -> None:
        self._core: Core | None = None
        self._settled = threading.Event()  # ready, or never will be

    def ready(self, core: Core) -> None:
        self._core = core
        self._settled.set()

    def never(self) -> None:
        """The core will not come (the start failed): what waits for it gets no answer, the bot is stopping."""
        self._settled.set()

    @property
    def core(self) -> Core | None:
        return self._core

    def is_for_us(self, text: str) -> bool:
        """Asked on the connection's thread (by a ``Core`` that has it), which must not wait: before the core
        is there, yes; the message goes to a worker, which waits for the core and finds out."""
        core = self._core
        return True if core is None else core.is_for_us(text)

    def needs_account(self, text: str) -> bool:
        """Asked on the connection's thread, which must not wait: before the core is there, say yes.

        The connection then asks the server who the speaker is (a WHOIS, when
        no tag said it) before it hands the message on, which is never wrong,
        only one question more.
        """
        core = self._core
        return True if core is None else core.needs_account(text)

    def handle(self, message: Message, now: datetime) -> list[Reply]:
        """``Core.handle``, once the core is there; on a worker thread, which may wait for it."""
        self._settled.wait()
        core = self._core
        return [] if core is None else core.handle(message, now)

    def wait(self, timeout: float | None = None) -> bool:
        """Whether the core is ready, after waiting up to ``timeout`` for it to settle."""
        self._settled.wait(timeout)
        return self._core is not None
