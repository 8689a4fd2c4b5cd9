"""``successbot schedule import|list|export``: the schedule from the command line.

A file that cannot be imported is one line on stderr naming the file, the
entry (and line) and what is wrong; the other files still import, and the
exit status is 1. A file imported in part says so on its line, and each row
it could not read is one warning line on stderr (file:line, entry, what was
expected and what was done); the exit status stays 0.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from successbot.cli.common import current_schedule, open_from, window_start, write_output
from successbot.core.clock import Clock
from successbot.schedules.formats import FORMATS

if TYPE_CHECKING:
    from successbot.schedules.model import Event

DEFAULT_LIST_DAYS = 30


def add_schedule_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    schedule = commands.add_parser("schedule", parents=[common], help="import, list and export schedule events")
    actions = schedule.add_subparsers(dest="schedule_action", metavar="ACTION", parser_class=type(schedule))
    actions.required = True

    importing = actions.add_parser("import", parents=[common], help="import schedule files into the database")
    importing.add_argument("files", nargs="+", metavar="FILE", help="files or http(s) URLs")
    importing.add_argument("--format", choices=FORMATS, help="force a format (default: detected from the content)")
    importing.set_defaults(action=run_schedule_import)

    listing = actions.add_parser("list", parents=[common], help="list the stored events")
    listing.add_argument("--at", metavar="ISO-8601", help="list from this time (default: now)")
    listing.add_argument(
        "--days",
        type=int,
        default=DEFAULT_LIST_DAYS,
        metavar="N",
        help=f"this many days ahead (default: {DEFAULT_LIST_DAYS})",
    )
    listing.add_argument("--all", action="store_true", help="every stored event, past ones and cycle weeks too")
    listing.set_defaults(action=run_schedule_list)

    export = actions.add_parser("export", parents=[common], help="print every stored event as iCalendar or our YAML")
    export.add_argument("--format", choices=["ics", "yaml"], required=True)
    export.add_argument("-o", "--output", metavar="FILE", default="-", help="write here (default: - for stdout)")
    export.set_defaults(action=run_schedule_export)


def run_schedule_import(args: argparse.Namespace, clock: Clock) -> int:
    from successbot.schedules.model import ScheduleImportError
    from successbot.schedules.sources import load_location

    app = open_from(args)
    failed = False
    try:
        for location in args.files:
            try:
                result = load_location(location, args.format, max_bytes=app.config.schedule.max_source_bytes)
            except ScheduleImportError as error:
                print(f"successbot schedule import: error: {error}", file=sys.stderr)
                failed = True
                continue
            count = app.schedule.store.replace_source(location, result.events, clock.now(), result.format)
            unread = f"; {len(result.warnings)} not read or in doubt" if result.warnings else ""
            print(f"{location}: {count} events ({result.format}){unread}")
            for warning in result.warnings:  # each names its file, line and entry already
                print(f"successbot schedule import: warning: {warning}", file=sys.stderr)
            for note in result.notes:
                print(f"  ignored or adjusted: {note.removeprefix(location + ': ')}")
    finally:
        app.close()
    return 1 if failed else 0


def run_schedule_list(args: argparse.Namespace, clock: Clock) -> int:
    from successbot.core.dates import count, moment
    from successbot.schedules.model import Kind
    from successbot.schedules.queries import in_order

    at = window_start(args.at, "--at", args.days, clock)
    app = open_from(args)
    try:
        current_schedule(app, clock, "schedule list")
        events = app.schedule.store.events()
    finally:
        app.close()
    if not args.all:
        until = at + timedelta(days=args.days)
        events = [e for e in events if e.kind is not Kind.CYCLE_WEEK and not e.is_over(at) and e.start < until]
    for event in in_order(events):
        print(listed(event))
    if not events:
        print("no events" + ("" if args.all else f" from {moment(at)} in the next {count(args.days, 'day')}"))
    return 0


def listed(event: Event) -> str:
    from successbot.schedules.model import series_display
    from successbot.schedules.wording import when

    series = series_display(event.series, event.release_id)
    scope = f"{series} {event.project}" if event.project else series
    return f"{when(event)}  {event.kind.value}  {event.title}  [{scope.strip() or '-'}]  ({event.source} {event.entry})"


def run_schedule_export(args: argparse.Namespace, clock: Clock) -> int:
    from successbot.schedules.formats.ics import export_calendar
    from successbot.schedules.formats.successbot_yaml import export_yaml
    from successbot.schedules.model import Kind
    from successbot.schedules.queries import in_order

    app = open_from(args)
    try:
        events = in_order(app.schedule.store.events())
    finally:
        app.close()
    if args.format == "ics":
        document = export_calendar([e for e in events if e.kind is not Kind.CYCLE_WEEK], clock.now())
    else:
        document = export_yaml(events)
    write_output(args.output, document)
    return 0
