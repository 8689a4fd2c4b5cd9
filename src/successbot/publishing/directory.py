"""The published directory: pages people can read, kept up to date from the database.

``index.html`` shows the recent weeks, newest first; each ISO week has a page
in HTML, Markdown and JSON (``2016-W11.html``, ``.md``, ``.json``) and its
digest in HTML, Markdown and text (``digest-2016-W11.html``, ``.md``, ``.txt``:
the successes, the thanks, the elections and the release countdown, from the
schedule); and ``feed.atom`` carries the latest successes. Thanks are on all
of them beside the successes, in the order they were said. Deleted ones
appear nowhere.

Every file is replaced atomically (a temporary file in the same directory,
then a rename), so a reader sees the old file or the new one, never half of
one; a file whose content has not changed is left alone. ``Publisher``
raises ``OSError`` and ``StorageError``; the bot calls it through
``publish_quietly``, which logs them instead.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from successbot.config import ExportSettings
from successbot.core.ports import ChannelPrivacyStore, StorageError, SuccessStore
from successbot.core.successes import Success
from successbot.core.weeks import Period, is_week_label, iso_week, week_containing, week_label
from successbot.publishing.digest import build_digest
from successbot.publishing.export import DIGEST_TITLE, period_title
from successbot.publishing.log_links import LogUrlTemplate
from successbot.publishing.page_urls import FEED, INDEX_PAGE, digest_page, week_page
from successbot.publishing.renderers import RENDERERS, ExportRequest, Link
from successbot.publishing.renderers import html_format as html
from successbot.publishing.renderers.base import PUBLIC, Privacy, document_pieces
from successbot.publishing.renderers.digest_formats import DIGEST_FORMATS, digest_pieces
from successbot.publishing.visibility import PublicSuccesses, hidden_channels
from successbot.schedules.model import Event

log = logging.getLogger(__name__)

SITE_TITLE = DIGEST_TITLE  # [export] title's default
FEED_ENTRIES = 50
WEEK_FORMATS = ("html", "markdown", "json")
_ALL_TIME = (datetime(1, 1, 2, tzinfo=UTC), datetime(9999, 12, 30, tzinfo=UTC))
# The schedule's events a question at an instant needs (ScheduleStore.events_near): what a digest reads.
EventsNear = Callable[[datetime], Sequence[Event]]


def no_schedule(at: datetime) -> list[Event]:
    return []


def write_atomically(path: Path, content: str | Iterable[str]) -> bool:
    """Replace ``path`` with ``content`` (a string, or its pieces in order) in one step; False when it already
    held exactly that.

    The pieces are written as they come, in chunks of some ``CHUNK`` characters: a week of 10,000 successes is
    megabytes in each format, and holding each document whole (and its bytes, and the old file's) is what
    made the process's heap grow and stay grown. The old file is compared chunk by chunk on the way; an
    unchanged one is left alone (the temporary file is removed, nothing is synced).
    """
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file, _opened(path) as old:
            same = old is not None
            for chunk in _chunks((content,) if isinstance(content, str) else content):
                data = chunk.encode("utf-8")
                file.write(data)
                if same and old is not None:
                    same = old.read(len(data)) == data
            if same and old is not None and not old.read(1):
                os.unlink(temporary)
                return False
            file.flush()
            os.fsync(file.fileno())  # the rename must not land before the data does
        os.chmod(temporary, 0o644)  # mkstemp makes it private; these pages are for everyone
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return True


CHUNK = 64 * 1024  # characters written at a time: big enough for few writes, small enough to stay out of the heap


def _chunks(pieces: Iterable[str]) -> Iterator[str]:
    buffered: list[str] = []
    size = 0
    for piece in pieces:
        buffered.append(piece)
        size += len(piece)
        if size >= CHUNK:
            yield "".join(buffered)
            buffered, size = [], 0
    if buffered:
        yield "".join(buffered)


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[BinaryIO | None]:
    """The file now at ``path`` to compare with, or None when there is none to read."""
    try:
        old = path.open("rb")
    except OSError:
        yield None
        return
    with old:
        yield old


@dataclass(frozen=True)
class Week:
    period: Period
    successes: Sequence[Success]  # live ones, oldest first: successes and thanks


class Publisher:
    def __init__(
        self,
        store: SuccessStore,
        directory: str | os.PathLike[str],
        *,
        site_url: str | None = None,
        log_url: LogUrlTemplate | None = None,
        weeks_on_index: int = 8,
        privacy: Privacy = PUBLIC,
        title: str = SITE_TITLE,
        intro: str = "",
        events_near: EventsNear = no_schedule,
    ) -> None:
        if privacy.private:
            raise ValueError("published pages are public: they never carry user@host")
        self.store, self.directory = store, Path(directory)
        self.site_url, self.log_url, self.weeks_on_index = site_url, log_url, weeks_on_index
        self.privacy = privacy
        self.title, self.intro = title, intro
        self.events_near = events_near

    @classmethod
    def from_settings(
        cls,
        store: SuccessStore,
        settings: ExportSettings,
        directory: str | None = None,
        channel_privacy: ChannelPrivacyStore | None = None,
        events_near: EventsNear = no_schedule,
    ) -> Publisher:
        """``channel_privacy``: the channels the bot saw keyed, secret or private, left out unless
        ``[export] channels`` names them. ``events_near``: the schedule the digests read."""
        target = directory or settings.directory
        if target is None:
            raise ValueError("no directory to publish to")
        privacy = Privacy(show_account=settings.show_account, mark_unverified=settings.mark_unverified)
        if channel_privacy is not None:
            store = PublicSuccesses(store, lambda: hidden_channels(channel_privacy, settings.channels))
        return cls(
            store,
            target,
            site_url=settings.url,
            log_url=settings.log_url,
            weeks_on_index=settings.weeks_on_index,
            privacy=privacy,
            title=settings.title,
            intro=settings.intro,
            events_near=events_near,
        )

    def success_changed(self, success: Success) -> None:
        """After an add, delete or restore: its week's pages, the index and the feed."""
        self.publish_week(week_containing(success.created_at))

    def publish_week(self, period: Period) -> None:
        """Rewrite one week's pages (empty if it has no successes left), then the index and the feed.

        Reads only that week, the feed's entries and the index's recent
        weeks, so its cost does not grow with the years of history.
        """
        self.publish_weeks([period])

    def publish_weeks(self, periods: Sequence[Period]) -> None:
        """``publish_week`` for several weeks at once: each week's pages, then the index and the feed once."""
        for period in periods:
            self._write_week(Week(period, self.store.between(period.start, period.end, kind=None)))
        self._write_index_and_feed()

    def publish_all(self) -> int:
        """Rewrite every page from the database; the number of week pages."""
        by_week: dict[str, list[Success]] = {}
        for success in self.store.between(*_ALL_TIME, include_deleted=True, kind=None):
            live = by_week.setdefault(week_label(success.created_at), [])
            if not success.is_deleted:
                live.append(success)  # a week whose successes were all deleted still gets its (empty) pages
        for label in self._published_weeks():
            by_week.setdefault(label, [])  # so does one whose channel turned private since it was published
        for label, successes in by_week.items():
            self._write_week(Week(iso_week(label), successes))
        self._write_index_and_feed()
        return len(by_week)

    def publish_digests(self) -> int:
        """After the schedule changed: rewrite the digests of the weeks the index shows; how many weeks.

        Older digests stay as they were written: their countdown was the news of their week.
        """
        labels = self._published_weeks()[: self.weeks_on_index]
        for label in labels:
            period = iso_week(label)
            self._write_digest(Week(period, self.store.between(period.start, period.end, kind=None)))
        return len(labels)

    def _request(self, week: Week, related: tuple[Link, ...] = ()) -> ExportRequest:
        period = week.period
        return ExportRequest(
            week.successes,
            period.first_day,
            period.last_day,
            f"{self.title}, {week_heading(period)}",
            log_url=self.log_url,
            site_url=self.site_url,
            related=related,
            privacy=self.privacy,
            kind="all",
        )

    def _write_week(self, week: Week) -> None:
        label = week.period.label
        related = week_links(label)
        self.directory.mkdir(parents=True, exist_ok=True)
        for name in WEEK_FORMATS:
            renderer = RENDERERS[name]
            document = document_pieces(renderer, self._request(week, related))
            write_atomically(self.directory / week_page(label, renderer.extension), document)
        self._write_digest(week)

    def _write_digest(self, week: Week) -> None:
        """The week's digest in every digest format, from its successes and the schedule at the week's end."""
        label, period = week.period.label, week.period
        digest = build_digest(
            period,
            week.successes,
            self.events_near(period.end),
            site_url=self.site_url,
            mark_unverified=self.privacy.mark_unverified,
        )
        related = (
            Link("All weeks", INDEX_PAGE),
            Link(f"Successes of {label}", week_page(label)),
            Link("Markdown", digest_page(label, "md")),
            Link("Text", digest_page(label, "txt")),
        )
        self.directory.mkdir(parents=True, exist_ok=True)
        for name, extension in DIGEST_FORMATS.items():
            write_atomically(self.directory / digest_page(label, extension), digest_pieces(digest, name, related))

    def _write_index_and_feed(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        latest = self.store.latest(FEED_ENTRIES, kind=None)
        write_atomically(self.directory / INDEX_PAGE, self._index(latest[0].created_at if latest else None))
        oldest_first = latest[::-1]
        first_day = oldest_first[0].created_at.date() if latest else date(1970, 1, 1)
        last_day = oldest_first[-1].created_at.date() if latest else first_day
        feed = ExportRequest(
            oldest_first,
            first_day,
            last_day,
            self.title,
            log_url=self.log_url,
            site_url=self.site_url,
            privacy=self.privacy,
            kind="all",
        )
        write_atomically(self.directory / FEED, RENDERERS["atom"].render(feed))

    def _recent_weeks(self, newest: datetime) -> Iterator[Week]:
        """The weeks with successes among the ``weeks_on_index`` up to the newest success's, newest first.

        Read one week at a time, each when the index comes to it: a busy week's thousands of successes
        are held only while its section is written.
        """
        last = week_containing(newest)
        for back in range(self.weeks_on_index):
            period = week_containing(last.start - timedelta(weeks=back))
            if successes := self.store.between(period.start, period.end, kind=None):
                yield Week(period, successes)

    def _published_weeks(self) -> list[str]:
        """Every week that has pages here, newest first: the index's list of all weeks."""
        labels = (page.stem for page in self.directory.glob("*-W*.html"))
        return sorted((label for label in labels if is_week_label(label)), reverse=True)

    def _index(self, newest: datetime | None) -> Iterator[str]:
        """The index page in pieces: a section per recent week, a list item per success."""
        feed = [Link("Feed", FEED)]
        if newest is None:
            body: Iterable[str] = ('<p class="empty">No successes recorded yet.</p>\n',)
        else:
            body = self._index_body(newest)
        return html.document_pieces(self.title, body, feed, self.intro)

    def _index_body(self, newest: datetime) -> Iterator[str]:
        for week in self._recent_weeks(newest):
            page = html.text(week_page(week.period.label))
            heading = f'<a href="{page}">{html.text(week_heading(week.period))}</a>'
            yield f'<section>\n<h2>{heading} <span class="count">{count(week.successes)}</span></h2>\n'
            yield f'<p class="digest"><a href="{html.text(digest_page(week.period.label))}">Digest</a></p>\n'
            yield from html.success_list_pieces(self._request(week), week.successes)
            yield "</section>\n"
        listed = "".join(
            f'<li><a href="{week_page(label)}">{label}</a> · <a href="{digest_page(label)}">digest</a></li>\n'
            for label in self._published_weeks()
        )
        yield f'<h2>All weeks</h2>\n<ul class="weeks">\n{listed}</ul>\n'


def week_links(label: str) -> tuple[Link, ...]:
    """What a week's page links to: the index, its other formats, its digest and the feed."""
    return (
        Link("All weeks", INDEX_PAGE),
        Link("Markdown", week_page(label, "md")),
        Link("JSON", week_page(label, "json")),
        Link("Digest", digest_page(label)),
        Link("Feed", FEED),
    )


def week_heading(period: Period) -> str:
    """A week as its heading on the index says it: its dates, without the digest's title before them."""
    return period_title(period).removeprefix(f"{DIGEST_TITLE}, ")


def count(records: Sequence[Success]) -> str:
    """``3 successes``, ``3 successes, 1 thanks``, or ``1 thanks`` for a week of thanks alone."""
    thanks = sum(record.is_thanks for record in records)
    successes = len(records) - thanks
    said = f"{successes} success{'es' if successes != 1 else ''}"
    if not thanks:
        return said
    return f"{said}, {thanks} thanks" if successes else f"{thanks} thanks"


def publish_quietly(publisher: Publisher, success: Success) -> None:
    """``publisher.success_changed``, with a failure logged in one line instead of raised: the bot goes on."""
    publish_weeks_quietly(publisher, [week_containing(success.created_at)], f"after success #{success.id}")


def publish_weeks_quietly(publisher: Publisher, periods: Sequence[Period], why: str) -> bool:
    """``publisher.publish_weeks``, with a failure logged in one line instead of raised; False if it failed."""
    try:
        publisher.publish_weeks(periods)
    except (OSError, StorageError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        log.error("cannot publish the pages in %s %s: %s", publisher.directory, why, reason)
        return False
    return True


def publish_digests_quietly(publisher: Publisher, why: str) -> bool:
    """``publisher.publish_digests``, with a failure logged in one line instead of raised; False if it failed."""
    try:
        publisher.publish_digests()
    except (OSError, StorageError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        log.error("cannot publish the digests in %s %s: %s", publisher.directory, why, reason)
        return False
    return True
