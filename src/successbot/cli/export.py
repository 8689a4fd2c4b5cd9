"""Getting successes out: ``export`` a period in any format, ``publish`` the pages."""

from __future__ import annotations

import argparse

from successbot.cli.common import UsageError, load, open_telling, tell, write_output
from successbot.core.clock import Clock
from successbot.runtime.errors import StartupError

KIND_WORDS = {"successes": "successes", "thanks": "thanks", "all": "successes and thanks"}


def run_export(args: argparse.Namespace, clock: Clock) -> int:
    from successbot.core.privacy import NOTHING_HIDDEN
    from successbot.core.weeks import day_range, iso_week
    from successbot.publishing.export import export_successes
    from successbot.publishing.renderers.base import Privacy
    from successbot.publishing.visibility import hidden_channels

    try:
        if args.week:
            period = iso_week(args.week)
        elif args.last is None:
            raise UsageError("--from needs --to (both inclusive dates)")
        else:
            period = day_range(args.first, args.last)
    except ValueError as error:
        raise UsageError(str(error)) from None
    if args.week and args.last:
        raise UsageError("--to goes with --from, not with --week")
    app, note = open_telling(args)
    try:
        # An admin's export (--private) has every channel; a public one leaves the private ones out.
        hidden = NOTHING_HIDDEN if args.private else hidden_channels(app.channel_privacy, app.config.export.channels)
        left_out = None
        if args.channel and hidden.hides(args.channel):
            left_out = (
                f"{args.channel} is keyed, secret or private, so a public export leaves its "
                f"{KIND_WORDS[args.kind]} out; "
                "name it in [export] channels, or use --private for an admin's export"
            )
        document = export_successes(
            app.successes,
            period,
            args.format,
            channel=args.channel,
            network=args.network,
            group_by_channel=args.group_by_channel,
            include_deleted=args.include_deleted,
            log_url=app.config.export.log_url,
            site_url=app.config.export.url,
            privacy=Privacy(
                private=args.private,
                show_account=app.config.export.show_account,
                mark_unverified=app.config.export.mark_unverified,
            ),
            hidden=hidden,
            kind=args.kind,
        )
    finally:
        app.close()
    write_output(args.output, document)
    tell(left_out)
    tell(note)
    return 0


def run_publish(args: argparse.Namespace, clock: Clock) -> int:
    from successbot.core.ports import StorageError
    from successbot.publishing.directory import Publisher, no_schedule

    config = load(args)
    directory = args.directory or config.export.directory
    if directory is None:
        raise UsageError("nowhere to publish: set [export] directory in the config, or give --directory")
    app, note = open_telling(args, config)
    try:
        events_near = app.schedule.store.events_near if app.schedule is not None else no_schedule
        publisher = Publisher.from_settings(
            app.successes, config.export, directory, app.channel_privacy, events_near=events_near
        )
        weeks = publisher.publish_all()
    except OSError as error:
        raise UsageError(f"cannot publish to {directory}: {error.strerror or error}") from None
    except StorageError as error:
        raise StartupError(f"cannot read the database: {error}") from None
    finally:
        app.close()
    tell(note)
    print(f"published {weeks} week{'s' if weeks != 1 else ''}, the index and the feed in {directory}")
    return 0
