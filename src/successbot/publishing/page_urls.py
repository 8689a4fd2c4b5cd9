"""Names and URLs of the published pages: one per ISO week, an index and a feed."""

from __future__ import annotations

from datetime import UTC, datetime

INDEX_PAGE = "index.html"
FEED = "feed.atom"


def week_label(instant: datetime) -> str:
    """The ISO week (Monday to Sunday, UTC) that ``instant`` falls in, as ``2016-W11``."""
    year, week, _ = instant.astimezone(UTC).isocalendar()
    return f"{year}-W{week:02d}"


def week_page(label: str, extension: str = "html") -> str:
    return f"{label}.{extension}"


def week_page_url(site_url: str, instant: datetime) -> str:
    """The published HTML page of the week containing ``instant``; ``site_url`` ends with ``/``."""
    return site_url + week_page(week_label(instant))
