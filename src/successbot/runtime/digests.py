"""A period's digest from what the app holds: its public successes and thanks, and the stored schedule.

``successbot digest`` and the weekly digest mail both write this one; the
published pages build theirs from the records of the week they rewrite.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from successbot.core.weeks import Period
from successbot.publishing.digest import Digest, build_digest
from successbot.publishing.visibility import hidden_channels

if TYPE_CHECKING:
    from successbot.runtime.app import App


def digest_of(app: App, period: Period, *, channel: str | None = None) -> Digest:
    """The digest of ``period`` (``channel``'s records only, when given); private channels are left out."""
    hidden = hidden_channels(app.channel_privacy, app.config.export.channels)
    records = hidden.visible(app.successes.between(period.start, period.end, channel=channel, kind=None))
    events = app.schedule.store.events_near(period.end) if app.schedule is not None else []
    return build_digest(
        period,
        records,
        events,
        site_url=app.config.export.url,
        mark_unverified=app.config.export.mark_unverified,
    )
