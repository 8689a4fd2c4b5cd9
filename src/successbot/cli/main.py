"""The ``successbot`` command line: console, ask, export, publish, db, check-config.

Every error a user can cause ends in one line on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, NoReturn

from successbot import __version__
from successbot.runtime.app import App, StartupError, open_app
from successbot.core.clock import Clock, FixedClock, SystemClock, parse_instant
from successbot.config import Config, ConfigError, config_path_from, load_config
from successbot.adapters.console import Console, Speaker
from successbot.publishing.renderers import RENDERERS
from successbot.cli.schedule import add_schedule_commands

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

log = logging.getLogger("successbot")


class UsageError(Exception):
    """A command line that cannot be carried out; the message says why."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit status 1."""

    def error(self, message: str) -> NoReturn:
        self.exit(1, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> Parser:
    common = Parser(add_help=False)
    common.add_argument(
        "--config",
        metavar="FILE",
        default=argparse.SUPPRESS,
        help=f"config file (default: ${'SUCCESSBOT_CONFIG'}, else built-in defaults)",
    )
    parser = Parser(
        prog="successbot",
        parents=[common],
        description="Records a community's successes on IRC and answers what is due next.",
    )
    parser.add_argument("--version", action="version", version=f"successbot {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True

    speaker = Parser(add_help=False)
    speaker.add_argument("--nick", help="who is speaking (default: your login name)")
    speaker.add_argument("--channel", help="where (default: [bot] console_channel)")
    speaker.add_argument("--account", help="the speaker's services account (default: none)")

    console = commands.add_parser(
        "console", parents=[common, speaker], help="talk to the bot at a terminal or through a pipe"
    )
    console.set_defaults(action=run_console_command)

    ask = commands.add_parser(
        "ask", parents=[common, speaker], help="send one message through the bot and print the replies"
    )
    ask.add_argument("--at", metavar="ISO-8601", help="the time of the message (default: now)")
    ask.add_argument("text", nargs="+", metavar="TEXT", help="the message, e.g. '!successes'")
    ask.set_defaults(action=run_ask)

    run = commands.add_parser(
        "run", parents=[common], help="run the bot on IRC ([irc] server), or the console when none is configured"
    )
    run.set_defaults(action=run_bot)

    announcements = commands.add_parser(
        "announcements", parents=[common], help="list what the bot will announce, when and where (a dry run)"
    )
    announcements.add_argument("--from", dest="first", metavar="ISO-8601", help="from this time (default: now)")
    announcements.add_argument("--days", type=int, default=7, metavar="N", help="this many days ahead (default: 7)")
    announcements.add_argument("--channel", help="only this channel")
    announcements.set_defaults(action=run_announcements)

    export = commands.add_parser(
        "export", parents=[common], help="print a period's successes, e.g. for the weekly digest"
    )
    period = export.add_mutually_exclusive_group(required=True)
    period.add_argument("--week", metavar="YYYY-Www", help="an ISO week, Monday to Sunday UTC, e.g. 2016-W11")
    period.add_argument("--from", dest="first", metavar="DATE", help="first day (UTC), with --to")
    export.add_argument("--to", dest="last", metavar="DATE", help="last day (UTC), inclusive")
    export.add_argument("--channel", help="only this channel")
    export.add_argument("--network", help="only this network (as stored from [irc] network), e.g. OFTC")
    export.add_argument("--format", choices=sorted(RENDERERS), default="text", help="default: text")
    export.add_argument("--group-by-channel", action="store_true", help="one section per channel")
    export.add_argument(
        "--include-deleted", action="store_true", help="deleted successes too, marked as such (an audit)"
    )
    export.add_argument("-o", "--output", metavar="FILE", default="-", help="write here (default: - for stdout)")
    export.set_defaults(action=run_export)

    publish = commands.add_parser(
        "publish", parents=[common], help="rewrite the published pages ([export] directory) from the database"
    )
    publish.add_argument("--directory", metavar="DIR", help="publish here instead of [export] directory")
    publish.set_defaults(action=run_publish)

    db = commands.add_parser("db", parents=[common], help="the database schema")
    db.add_argument(
        "db_action",
        choices=["upgrade", "current", "copy"],
        metavar="upgrade|current|copy",
        help="upgrade: bring the schema up to date; current: show its revision; "
        "copy: copy every table into the database --to URL (e.g. from SQLite to PostgreSQL)",
    )
    db.add_argument("--to", metavar="URL", help="copy: the target database's SQLAlchemy URL")
    db.add_argument("--replace", action="store_true", help="copy: empty a target that already holds rows")
    db.set_defaults(action=run_db)

    check = commands.add_parser("check-config", parents=[common], help="check a config file and list every problem")
    check.add_argument("file", nargs="?", metavar="FILE", help="the file to check (default: as --config)")
    check.set_defaults(action=run_check_config)

    add_schedule_commands(commands, common)
    return parser


def main(argv: Sequence[str] | None = None, clock: Clock | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="successbot: %(levelname)s: %(message)s", stream=sys.stderr)
    action: Callable[[argparse.Namespace, Clock], int] = args.action
    try:
        return action(args, clock or SystemClock())
    except ConfigError as error:
        for problem in error.problems:
            print(f"successbot: config error: {problem}", file=sys.stderr)
        return 1
    except (UsageError, StartupError) as error:
        print(f"successbot {args.command}: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def load(args: argparse.Namespace, secrets_needed: bool = False) -> Config:
    """The config; only commands that log in somewhere insist that its secrets can be read."""
    return load_config(config_path_from(getattr(args, "config", None)), secrets_needed=secrets_needed)


def open_from(args: argparse.Namespace) -> App:
    return open_app(load(args))


def run_console_command(args: argparse.Namespace, clock: Clock) -> int:
    from successbot.adapters.console import run_console
    from successbot.runtime.jobs import BotScheduler, announcement_policy, build_announcer

    app = open_from(args)
    jobs = None
    try:
        app.refresh_schedule(clock.now())
        console = Console(app.core, clock, app.config.bot.nick, _speaker(args, app.config), sys.stdout)
        policy = announcement_policy(app.config, (console.speaker.channel,), console.network)
        announcer = build_announcer(app, console, policy)
        announcer.run_due(clock.now())  # what is due now shows before the first prompt
        jobs = BotScheduler(app, announcer, clock)
        jobs.start(first_run_now=False)
        run_console(console, sys.stdin, interactive=sys.stdin.isatty())
    finally:
        if jobs is not None:
            jobs.stop()
        app.close()
    return 0


def run_bot(args: argparse.Namespace, clock: Clock) -> int:
    config = load(args, secrets_needed=True)
    logging.getLogger().setLevel(logging.INFO)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    if not config.irc.server:
        log.info("no [irc] server configured: starting the console")
        args.nick = args.channel = args.account = None
        return run_console_command(args, clock)
    from successbot.adapters.irc.connection import IrcBot
    from successbot.runtime.jobs import BotScheduler, announcement_policy, build_announcer, configured_audience

    app = open_app(config)
    try:
        bot = IrcBot(app.core, config.irc, config.bot.nick, clock)
        policy = announcement_policy(config, *configured_audience(config))
        jobs = BotScheduler(app, build_announcer(app, bot, policy), clock)
        bot.on_stop.append(jobs.stop)
        bot.install_signal_handlers()
        jobs.start()
        status = bot.run()
    finally:
        app.close()
    log.info("stopped")
    return status


def run_announcements(args: argparse.Namespace, clock: Clock) -> int:
    from datetime import timedelta

    from successbot.storage.claims import SqlAnnouncementStore
    from successbot.announcements.plan import plan
    from successbot.runtime.jobs import announcement_policy, configured_audience

    start = window_start(args.first, "--from", args.days, clock)
    app = open_from(args)
    try:
        config = app.config
        policy = announcement_policy(config, *configured_audience(config))
        events = app.schedule.store.events() if app.schedule is not None else []
        planned = plan(events, policy, start, start + timedelta(days=args.days))
        known = SqlAnnouncementStore(app.engine, "dry-run", timedelta(0)).records_since(start)
    finally:
        app.close()
    for announcement in planned:
        if args.channel and announcement.channel != args.channel:
            continue
        text = announcement.text or f"weekly summary of {announcement.week}, if the week has successes"
        status = f" [{known[announcement.key].status}]" if announcement.key in known else ""
        print(f"{announcement.due:%Y-%m-%d %H:%M} UTC  {announcement.channel}  {announcement.kind}{status}  {text}")
    if not planned:
        print(f"nothing to announce from {start:%Y-%m-%d %H:%M} UTC for {args.days} days")
    return 0


def window_start(given: str | None, option: str, days: int, clock: Clock) -> datetime:
    """Where a listing of ``days`` days starts: the ISO time given with ``option``, else now."""
    try:
        start = parse_instant(given) if given else clock.now()
    except ValueError as error:
        raise UsageError(f"{option}: {error}") from None
    if days < 1:
        raise UsageError(f"--days: expected a number of days of at least 1, found {days}")
    return start


def run_ask(args: argparse.Namespace, clock: Clock) -> int:
    if args.at:
        try:
            clock = FixedClock(parse_instant(args.at))
        except ValueError as error:
            raise UsageError(f"--at: {error}") from None
    app = open_from(args)
    try:
        app.refresh_schedule(clock.now())
        console = Console(app.core, clock, app.config.bot.nick, _speaker(args, app.config), sys.stdout)
        for reply in console.core.handle(console.message(" ".join(args.text)), clock.now()):
            print(reply.text)
    finally:
        app.close()
    return 0


def _speaker(args: argparse.Namespace, config: Config) -> Speaker:
    nick = args.nick or _login_name()
    channel = args.channel or config.bot.console_channel
    if not channel.startswith(("#", "&")):
        raise UsageError(f"--channel: expected a channel name such as #dev, found {channel!r}")
    return Speaker(nick=nick, channel=channel, account=args.account or None)


def _login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers: any nick will do
        return "you"


def run_export(args: argparse.Namespace, clock: Clock) -> int:
    from successbot.publishing.export import day_range, export_successes, iso_week

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
    app = open_from(args)
    try:
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
        )
    finally:
        app.close()
    _write_output(args.output, document)
    return 0


def _write_output(target: str, document: str) -> None:
    if target == "-":
        sys.stdout.write(document)
        return
    temporary = f"{target}.tmp-{os.getpid()}"
    try:
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(document)
        os.replace(temporary, target)  # readers never see half a file
    except OSError as error:
        raise UsageError(f"cannot write {target}: {error.strerror}") from None


def run_publish(args: argparse.Namespace, clock: Clock) -> int:
    from successbot.publishing.directory import Publisher
    from successbot.core.successes import StorageError

    config = load(args)
    directory = args.directory or config.export.directory
    if directory is None:
        raise UsageError("nowhere to publish: set [export] directory in the config, or give --directory")
    app = open_app(config)
    try:
        weeks = Publisher.from_settings(app.successes, config.export, directory).publish_all()
    except OSError as error:
        raise UsageError(f"cannot publish to {directory}: {error.strerror or error}") from None
    except StorageError as error:
        raise StartupError(f"cannot read the database: {error}") from None
    finally:
        app.close()
    print(f"published {weeks} week{'s' if weeks != 1 else ''}, the index and the feed in {directory}")
    return 0


def run_db(args: argparse.Namespace, clock: Clock) -> int:
    from successbot.storage.database import current_revision, make_engine, upgrade
    from successbot.storage.models import SCHEMA_REVISION

    if (args.db_action == "copy") != bool(args.to):
        raise UsageError("copy needs --to URL" if args.to is None else "--to goes with copy")
    config = load(args)
    engine = make_engine(config.database.url, config.database.busy_timeout)
    try:
        if args.db_action == "copy":
            _copy_to(engine, args.to, args.replace)
        elif args.db_action == "upgrade":
            before = current_revision(engine)
            upgrade(engine)
            print(f"database at {SCHEMA_REVISION} (was {before or 'empty'})")
        else:
            revision = current_revision(engine)
            state = "up to date" if revision == SCHEMA_REVISION else f"behind; this successbot needs {SCHEMA_REVISION}"
            print(f"{revision or 'empty'} ({state})")
    except UsageError:
        raise
    except Exception as error:  # any driver error: one line, not a traceback
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        raise StartupError(f"cannot use the database {engine.url!r}: {reason}") from None
    finally:
        engine.dispose()
    return 0


def _copy_to(source: Engine, target_url: str, replace: bool) -> None:
    from successbot.config import parse_database_url
    from successbot.storage.database import make_engine
    from successbot.storage.database_copy import CopyRefused, copy_database

    try:
        target = make_engine(parse_database_url(target_url))
    except ValueError as error:
        raise UsageError(f"--to: {error}, found {target_url!r}") from None
    try:
        copies = copy_database(source, target, replace=replace)
    except CopyRefused as error:
        raise UsageError(str(error)) from None
    except Exception as error:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        raise StartupError(f"cannot copy to {target.url!r}: {reason}") from None
    finally:
        target.dispose()
    for copy in copies:
        print(f"{copy.table}: {copy.source_rows} rows copied, {copy.target_rows} in the target")
    print(f"copied to {target.url!r}; every table's row count matches")


def run_check_config(args: argparse.Namespace, clock: Clock) -> int:
    path = args.file or config_path_from(getattr(args, "config", None))
    try:
        load_config(path)
    except ConfigError as error:
        for problem in error.problems:
            print(problem)
        return 1
    print("OK")
    return 0
