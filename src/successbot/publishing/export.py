"""Exporting a period's successes (and thanks): which period, which records, which format."""

from __future__ import annotations

from successbot.core.dates import days_text
from successbot.core.ports import SuccessStore
from successbot.core.privacy import NOTHING_HIDDEN, HiddenChannels
from successbot.core.successes import SUCCESS, THANKS
from successbot.core.weeks import Period
from successbot.publishing.log_links import LogUrlTemplate
from successbot.publishing.renderers import RENDERERS, ExportRequest
from successbot.publishing.renderers.base import PUBLIC, Privacy

# The name OpenStack's weekly digest gives its list of successes: the pages' and the exports' title.
DIGEST_TITLE = "SuccessBot Says"
THANKS_TITLE = "Thanks"

# What ``export --kind`` may ask for, and the store's kind for each (None: both, in the order they were said).
EXPORT_KINDS: dict[str, str | None] = {"successes": SUCCESS, "thanks": THANKS, "all": None}


def period_title(period: Period, heading: str = DIGEST_TITLE) -> str:
    """``SuccessBot Says, 2016-W11 (Mon 14 Mar to Sun 20 Mar 2016)``: the year is always in it."""
    if period.is_iso_week:
        return f"{heading}, {period.label} ({days_text(period.first_day, period.last_day)})"
    return f"{heading}, {days_text(period.first_day, period.last_day)}"


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
    privacy: Privacy = PUBLIC,
    hidden: HiddenChannels = NOTHING_HIDDEN,
    kind: str = "successes",
) -> str:
    """The period's successes (``kind``: or its thanks, or ``all`` of both) in ``format_name``; deleted ones
    only when asked, for an audit.

    ``privacy`` says what of each speaker is shown: by default the nick only.
    ``hidden``: the channels left out (private ones, for a public export).
    """
    renderer = RENDERERS[format_name]
    found = store.between(
        period.start,
        period.end,
        channel=channel,
        network=network,
        include_deleted=include_deleted,
        kind=EXPORT_KINDS[kind],
    )
    found = hidden.visible(found)
    request = ExportRequest(
        found,
        period.first_day,
        period.last_day,
        period_title(period, THANKS_TITLE if kind == "thanks" else DIGEST_TITLE),
        channel,
        group_by_channel=group_by_channel,
        log_url=log_url,
        site_url=site_url,
        privacy=privacy,
        audit=include_deleted,
        kind=kind,
    )
    return renderer.render(request)
