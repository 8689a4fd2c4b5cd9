"""The renderer interface, what it is given, and what every format shares."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Protocol

from successbot.core.dates import moment
from successbot.core.successes import Success, shown_text
from successbot.publishing.log_links import LogUrlTemplate


@dataclass(frozen=True)
class Link:
    """A page related to the document (the index, the same week in JSON): label and relative href."""

    label: str
    href: str


@dataclass(frozen=True)
class Privacy:
    """What an export shows of each speaker besides the nick.

    Public outputs (the published pages, ``successbot export``) show the nick,
    the text, the channel, the time, the id and links; a services account only
    with ``show_account``. ``private`` is an admin's export (``export
    --private``): the account, user@host and network too, which on a real
    network can be an IP address or a cloak, so they never reach a page.
    """

    private: bool = False
    show_account: bool = False
    mark_unverified: bool = False  # a speaker without a services account is marked "unverified"

    @property
    def shows_account(self) -> bool:
        return self.private or self.show_account


PUBLIC = Privacy()


@dataclass(frozen=True)
class ExportRequest:
    """Successes of a period, oldest first; ``first_day``/``last_day`` are inclusive UTC dates.

    ``log_url`` links each success to its day's channel log; ``site_url``
    (ending in ``/``) is where the published pages live, for the feed's links
    and ids. Deleted successes are in ``successes`` only for an audit, and
    every format marks them. ``kind`` says what the document holds:
    ``successes``, ``thanks`` or ``all``; a thanks is shown as said (``thanks
    bob for the review``), and where the export holds thanks the machine
    formats (JSON, CSV) carry each record's ``kind`` and ``thanked``.
    """

    successes: Sequence[Success]
    first_day: date
    last_day: date
    title: str
    channel: str | None = None
    group_by_channel: bool = False
    log_url: LogUrlTemplate | None = None
    site_url: str | None = None
    related: tuple[Link, ...] = ()
    privacy: Privacy = PUBLIC
    audit: bool = False  # deleted successes are in the list, marked, with who deleted them
    kind: str = "successes"  # or "thanks", or "all"

    @property
    def includes_thanks(self) -> bool:
        return self.kind != "successes"

    @staticmethod
    def said(success: Success) -> str:
        """What the record says after the nick: a success's text, or ``thanks bob for the review``."""
        return shown_text(success)

    @property
    def nothing(self) -> str:
        """What an empty document says."""
        what = {"successes": "successes", "thanks": "thanks"}.get(self.kind, "successes or thanks")
        return f"No {what} recorded in this period."

    def speaker(self, success: Success) -> str:
        """The nick as readers see it: ``alice``, or ``alice (unverified)`` when asked to mark those."""
        if self.privacy.mark_unverified and not success.account:
            return f"{success.nick} (unverified)"
        return success.nick

    def log_link(self, success: Success) -> str | None:
        return None if self.log_url is None else self.log_url.for_success(success)

    def groups(self) -> list[tuple[str | None, Sequence[Success]]]:
        """``[(None, all)]``, or ``[(channel, its successes), …]`` by channel name when grouping."""
        if not self.group_by_channel:
            return [(None, self.successes)]
        channels: dict[str, list[Success]] = {}
        for success in self.successes:
            channels.setdefault(success.channel, []).append(success)
        return [(name, channels[name]) for name in sorted(channels, key=str.casefold)]


class Renderer(Protocol):
    name: str
    extension: str

    def render(self, export: ExportRequest) -> str: ...


def document_pieces(renderer: Renderer, export: ExportRequest) -> Iterable[str]:
    """The document in pieces that join to ``render``'s string: from ``pieces`` where the renderer writes a
    document piecewise (a week's pages: one success at a time), else the whole string as the one piece."""
    piecewise: Callable[[ExportRequest], Iterable[str]] | None = getattr(renderer, "pieces", None)
    return piecewise(export) if piecewise is not None else (renderer.render(export),)


# C0 and C1 controls, lone surrogates and the non-characters XML forbids.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAKS = re.compile("[\t\n\r\x0b\x0c\x85\u2028\u2029]+")


def one_line(text: str) -> str:
    """``text`` safe to put on one line of any format: breaks become spaces, controls become U+FFFD.

    IRC gives one line without controls (formatting is stripped before
    storing), so this changes nothing in real successes; it stops a text
    from elsewhere from starting a line of its own in a line-based format.
    """
    return _UNPRINTABLE.sub("\ufffd", _LINE_BREAKS.sub(" ", text))


def channel_label(channel: str) -> str:
    """A channel name as a heading: on one line, and any whitespace (which IRC never allows in a
    channel name, and which a heading would silently drop) shown as U+FFFD."""
    return re.sub(r"\s", "\ufffd", one_line(channel))


def shown_time(instant: datetime) -> str:
    """A time as readers see it (``Mon 14 Mar 2016 10:00 UTC``); the formats' machine fields use ``iso_time``."""
    return moment(instant)


def iso_time(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def deletion_note(success: Success) -> str | None:
    """``deleted by root, Tue 15 Mar 2016 11:01 UTC`` for a deleted success, else None."""
    if success.deleted_at is None:
        return None
    return f"deleted by {success.deleted_by or 'unknown'}, {shown_time(success.deleted_at)}"
