"""Exporting a period's successes: which period, which successes, which format."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from successbot.publishing.renderers import RENDERERS, ExportRequest
from successbot.publishing.log_links import LogUrlTemplate
from successbot.core.successes import SuccessStore


@dataclass(frozen=True)
class Period:
    """Whole UTC days, ``first_day`` to ``last_day`` inclusive."""

    first_day: date
    last_day: date
    label: str

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(), UTC)

    @property
    def end(self) -> datetime:
        """The first instant after the period."""
        return datetime.combine(self.last_day + timedelta(days=1), time(), UTC)


def iso_week(text: str) -> Period:
    """``2016-W11`` → Monday 2016-03-14 to Sunday 2016-03-20. Raises ValueError for the user."""
    found = re.fullmatch(r"(\d{4})-?W(\d{1,2})", text.strip(), re.IGNORECASE)
    if not found:
        raise ValueError(f"expected an ISO week such as 2016-W11, found {text!r}")
    year, week = int(found.group(1)), int(found.group(2))
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f"{year} has no ISO week {week}") from None
    return Period(monday, monday + timedelta(days=6), f"{year}-W{week:02d}")


def week_containing(instant: datetime) -> Period:
    year, week, _ = instant.astimezone(UTC).isocalendar()
    return iso_week(f"{year}-W{week:02d}")


def day_range(first: str, last: str) -> Period:
    """Inclusive dates ``YYYY-MM-DD``. Raises ValueError for the user."""
    days = []
    for text in (first, last):
        try:
            days.append(date.fromisoformat(text.strip()))
        except ValueError:
            raise ValueError(f"expected a date such as 2016-03-14, found {text!r}") from None
    if days[1] < days[0]:
        raise ValueError(f"the period ends ({days[1]}) before it starts ({days[0]})")
    return Period(days[0], days[1], f"{days[0]} to {days[1]}")


def period_title(period: Period) -> str:
    if period.label.count("-W") == 1:
        return f"SuccessBot Says, {period.label} ({period.first_day:%d %b} to {period.last_day:%d %b %Y})"
    return f"SuccessBot Says, {period.first_day} to {period.last_day}"


def export_successes(
    store: SuccessStore,
    period: Period,
    format_name: str,
    channel: str | None = None,
    network: str | None = None,
    *,
    group_by_channel: bool = False,
    include_deleted: bool = False,
    log_url: LogUrlTemplate | None = None,
    site_url: str | None = None,
) -> str:
    """The period's successes in ``format_name``; deleted ones only when asked, for an audit."""
    renderer = RENDERERS[format_name]
    found = store.between(period.start, period.end, channel=channel, network=network, include_deleted=include_deleted)
    request = ExportRequest(
        found,
        period.first_day,
        period.last_day,
        period_title(period),
        channel,
        group_by_channel=group_by_channel,
        log_url=log_url,
        site_url=site_url,
    )
    return renderer.render(request)
