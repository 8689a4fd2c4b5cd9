"""What the core needs from the world, as Protocols: the adapters implement them.

The SQL stores (``successbot.storage``) implement the stores and the claims;
the schedule sources (``successbot.schedules.sources``) implement
``ScheduleService``; the mail adapter (``successbot.adapters.mail``)
implements ``MailSender``; tests pass in-memory ones. Failures of a store come out
as ``StorageError``, so that nothing here needs to know the database.
Schedule and announcement values are named only in annotations: the core
imports no module of ours outside ``core``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from successbot.core.successes import SUCCESS, NewSuccess, Success

if TYPE_CHECKING:
    from email.message import EmailMessage

    from successbot.announcements.plan import Announcement
    from successbot.schedules.model import Event, RefreshOutcome


class StorageError(Exception):
    """The store could not do what was asked (database locked, disk full, gone); the message says why in one line."""


class UnknownSuccess(LookupError):
    def __init__(self, success_id: int) -> None:
        super().__init__(f"no success #{success_id}")
        self.success_id = success_id


class SuccessStore(Protocol):
    """Where successes live, and thanks beside them (a record's ``kind``).

    Every method that changes something has committed when it returns. Reads
    give successes unless ``kind`` says otherwise (``THANKS``, or None for both);
    ``get``, ``mark_deleted`` and ``restore`` go by id, whatever the kind.
    """

    def add(self, new: NewSuccess) -> Success: ...

    def get(self, success_id: int) -> Success | None: ...

    def recent(self, channel: str, limit: int, *, kind: str = SUCCESS) -> Sequence[Success]:
        """The newest ``limit`` live records of ``kind`` in ``channel``, newest first."""
        ...

    def latest(self, limit: int, *, kind: str | None = SUCCESS) -> Sequence[Success]:
        """The newest ``limit`` live records of ``kind`` (None: both) in every channel, newest first."""
        ...

    def between(
        self,
        start: datetime,
        end: datetime,
        *,
        channel: str | None = None,
        network: str | None = None,
        include_deleted: bool = False,
        kind: str | None = SUCCESS,
    ) -> Sequence[Success]:
        """Records of ``kind`` (None: both) with ``start <= created_at < end``, oldest first."""
        ...

    def mark_deleted(self, success_id: int, by: str, at: datetime) -> Success:
        """Raises UnknownSuccess when there is no such success."""
        ...

    def restore(self, success_id: int) -> Success:
        """Raises UnknownSuccess when there is no such success."""
        ...


class ChannelFacts(Protocol):
    """What the chat adapter sees of channels now (on IRC: their modes and members). Safe from any thread."""

    def is_private(self, channel: str) -> bool | None:
        """Keyed, secret or private now; None when the adapter cannot tell (it is not in the channel)."""
        ...

    def is_member(self, nick: str, channel: str) -> bool:
        """Whether ``nick`` is in ``channel`` now, as far as the adapter can see (it must be there too)."""
        ...


class ChannelPrivacyStore(Protocol):
    """Which channels were private when the bot last saw their modes, kept for the pages and exports."""

    def record(self, network: str, channel: str, private: bool, at: datetime) -> bool:
        """Store what the bot saw; True when that changes what the pages may show (it turned private or public)."""
        ...

    def private_channels(self) -> frozenset[str]:
        """The names of the channels stored as private, on any network."""
        ...


@dataclass(frozen=True)
class SourceState:
    """What is known of one schedule source: its last good import and its last attempt."""

    location: str
    format: str | None
    event_count: int
    loaded_at: datetime | None  # the last good import; None if there never was one
    attempted_at: datetime
    problem: str | None  # why the last attempt failed; None if it did not


class ScheduleStore(Protocol):
    """The stored schedule: every source's last good events."""

    def events(self) -> list[Event]:
        """Every current event, by start (exports, listings): as many as are stored."""
        ...

    def events_near(self, at: datetime) -> list[Event]:
        """The events a question at ``at`` needs, by start, bounded however many are stored.

        Of each kind and project, the next ones not over at ``at`` and the last
        ones over by then, and one event of each series: what ``!deadline``,
        ``!election`` and the announcements ask about. A store that holds few
        events may return them all.
        """
        ...

    def sources(self) -> list[SourceState]: ...

    def replace_source(self, location: str, events: Iterable[Event], at: datetime, format: str | None = None) -> int:
        """Make ``events`` the whole of ``location``'s events, at once; returns how many."""
        ...

    def record_failure(self, location: str, problem: str, at: datetime) -> None:
        """Note that ``location`` could not be read; its last good events stay."""
        ...


class ScheduleService(Protocol):
    """What the schedule commands use: the stored events and the configured sources."""

    @property
    def store(self) -> ScheduleStore: ...

    @property
    def locations(self) -> tuple[str, ...]: ...

    def refresh(self, now: datetime) -> list[RefreshOutcome]:
        """Read every configured source again; a source that fails keeps its last good events."""
        ...


class Delivery(Protocol):
    """A receipt for lines handed to an adapter: told once, when they were written or when they never will be.

    The adapter calls it on its own thread; whoever implements it must hand any
    slow work (a database write) elsewhere.
    """

    def written(self) -> None:
        """Every line was written to the connection (or shown, on the console)."""
        ...

    def dropped(self, reason: str) -> None:
        """The lines will not be sent (shutdown, too old after an outage); ``reason`` says why, for the log."""
        ...

    @property
    def expires_in(self) -> float | None:
        """Seconds the lines may wait to be sent (an outage, a channel not joined); None: no limit."""
        ...


CLAIMED, SENT, SKIPPED = "claimed", "sent", "skipped"


@dataclass(frozen=True)
class AnnouncementRecord:
    key: str
    status: str  # CLAIMED, SENT or SKIPPED
    claimed_at: datetime
    note: str | None


class AnnouncementClaims(Protocol):
    """Who posts which announcement: each is claimed before it is sent, so that it goes out once."""

    def records_since(self, since: datetime) -> dict[str, AnnouncementRecord]:
        """What is known of the announcements due at or after ``since``, by key."""
        ...

    def is_settled(self, record: AnnouncementRecord | None, now: datetime) -> bool:
        """Sent, skipped, or claimed recently enough that its sender may still be at it."""
        ...

    def claim(self, announcement: Announcement, now: datetime) -> bool:
        """True when this instance may send it."""
        ...

    def mark_sent(self, announcement: Announcement, now: datetime, text: str) -> None: ...

    def mark_skipped(self, announcement: Announcement, now: datetime, note: str) -> None: ...

    def skip(self, announcement: Announcement, now: datetime, note: str) -> bool:
        """Record as skipped one nobody claimed; False if someone else has it."""
        ...

    def release(self, announcement: Announcement) -> None:
        """Give a claim back (sending failed), so that it is tried again."""
        ...


class MailDeliveryError(Exception):
    """The mail server did not accept a message (refused, unreachable, bad login); one line: which server, what."""


class MailSender(Protocol):
    """Where the digest mail goes: an SMTP server. ``send`` returns once the server accepted the message."""

    def send(self, message: EmailMessage) -> None:
        """Raises MailDeliveryError when the server did not take it; nothing of the login is in the message."""
        ...
