"""Names and URLs of the published pages: one per ISO week, its digest, an index and a feed."""

from __future__ import annotations

from datetime import datetime

from successbot.core.weeks import week_label

INDEX_PAGE = "index.html"
FEED = "feed.atom"


def week_page(label: str, extension: str = "html") -> str:
    return f"{label}.{extension}"


def digest_page(label: str, extension: str = "html") -> str:
    """``digest-2016-W10.html``: the published digest of a week."""
    return f"digest-{label}.{extension}"


def week_page_url(site_url: str, instant: datetime) -> str:
    """The published HTML page of the week containing ``instant``; ``site_url`` ends with ``/``."""
    return site_url + week_page(week_label(instant))
