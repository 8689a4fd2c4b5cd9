"""``successbot digest``: the weekly digest's draft (successes, thanks, elections, release countdown) for a period."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from typing import Any

from successbot.cli.common import UsageError, current_schedule, load, open_telling, tell, write_output
from successbot.config import Config
from successbot.core.clock import Clock
from successbot.core.dates import days_text
from successbot.core.weeks import Period, day_range, iso_week, week_containing

BAD_INPUT = 2  # exit status of a digest asked for wrongly: the period or the format


def digest_period(first: str | None, last: str | None, week: str | None, clock: Clock, max_days: int) -> Period:
    """The period asked for; the last full ISO week when none is. Raises ValueError for the user, in one line."""
    if week and (first or last):
        raise ValueError("give either --week or --from and --to, not both")
    if week:
        return iso_week(week)
    if first or last:
        if not (first and last):
            raise ValueError("--from and --to go together (both inclusive dates)")
        period = day_range(first, last)
        days = (period.last_day - period.first_day).days + 1
        if days > max_days:
            raise ValueError(
                f"the period {days_text(period.first_day, period.last_day)} is {days} days long; "
                f"a digest covers at most {max_days} ([digest] max_days)"
            )
        return period
    return week_containing(clock.now() - timedelta(weeks=1))


def run_digest(args: argparse.Namespace, clock: Clock) -> int:
    from successbot.publishing.renderers.digest_formats import DIGEST_FORMATS, render_digest
    from successbot.publishing.visibility import hidden_channels
    from successbot.runtime.digests import digest_of

    config: Config = load(args)
    try:
        if args.format not in DIGEST_FORMATS:
            raise ValueError(f"--format: expected one of {', '.join(DIGEST_FORMATS)}, found {args.format!r}")
        period = digest_period(args.first, args.last, args.week, clock, config.digest.max_days)
    except ValueError as error:
        print(f"successbot digest: error: {error}", file=sys.stderr)
        return BAD_INPUT
    app, note = open_telling(args, config)
    try:
        current_schedule(app, clock, "digest")
        hidden = hidden_channels(app.channel_privacy, config.export.channels)
        if args.channel and hidden.hides(args.channel):
            raise UsageError(
                f"{args.channel} is keyed, secret or private, so the digest leaves its successes out; "
                "name it in [export] channels to show them"
            )
        digest = digest_of(app, period, channel=args.channel)
    finally:
        app.close()
    write_output(args.output, render_digest(digest, args.format))
    tell(note)
    return 0


def add_digest_command(commands: Any, common: argparse.ArgumentParser) -> None:
    digest = commands.add_parser(
        "digest",
        parents=[common],
        help="write the weekly digest: the successes, the thanks, the elections and the release countdown "
        "(default: the last full ISO week)",
    )
    digest.add_argument("--week", metavar="YYYY-Www", help="an ISO week, Monday to Sunday UTC, e.g. 2016-W10")
    digest.add_argument("--from", dest="first", metavar="DATE", help="first day (UTC), with --to")
    digest.add_argument("--to", dest="last", metavar="DATE", help="last day (UTC), inclusive")
    digest.add_argument("--format", default="text", metavar="text|markdown|html", help="default: text")
    digest.add_argument("--channel", help="only this channel's successes")
    digest.add_argument("-o", "--output", metavar="FILE", default="-", help="write here (default: - for stdout)")
    digest.set_defaults(action=run_digest)
