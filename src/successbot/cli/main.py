"""The ``successbot`` command line: console, ask, export, digest, publish, db, check-config.

Every error a user can cause ends in one line on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from successbot import __version__
from successbot.cli import bot as running
from successbot.cli import database as databases
from successbot.cli import export as exporting
from successbot.cli.check_config import deployment_problems
from successbot.cli.common import Parser, UsageError
from successbot.cli.digest import add_digest_command
from successbot.cli.logs import start_logging
from successbot.cli.schedule import add_schedule_commands
from successbot.config import LOG_LEVELS, ConfigError, config_path_from, load_config
from successbot.core.clock import Clock, SystemClock
from successbot.publishing.renderers import RENDERERS
from successbot.runtime.errors import StartupError


def build_parser() -> Parser:
    common = Parser(add_help=False)
    common.add_argument(
        "--config",
        metavar="FILE",
        default=argparse.SUPPRESS,
        help=f"config file (default: ${'SUCCESSBOT_CONFIG'}, else built-in defaults)",
    )
    common.add_argument(
        "--log-level",
        metavar="LEVEL",
        choices=LOG_LEVELS,
        default=argparse.SUPPRESS,
        help="log debug, info, warning or error and above to stderr "
        "(default: [log] level for run and console, else warning)",
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
    console.add_argument(
        "--announce",
        action="store_true",
        help="post due announcements in the console even when the config has an [irc] server, whose database "
        "records what its channels were told (default: off then)",
    )
    console.set_defaults(action=running.run_console_command)

    ask = commands.add_parser(
        "ask", parents=[common, speaker], help="send one message through the bot and print the replies"
    )
    ask.add_argument("--at", metavar="ISO-8601", help="the time of the message (default: now)")
    ask.add_argument("text", nargs="+", metavar="TEXT", help="the message, e.g. '!successes'")
    ask.set_defaults(action=running.run_ask)

    run = commands.add_parser(
        "run", parents=[common], help="run the bot on IRC ([irc] server), or the console when none is configured"
    )
    run.set_defaults(action=running.run_bot)

    announcements = commands.add_parser(
        "announcements", parents=[common], help="list what the bot will announce, when and where (a dry run)"
    )
    announcements.add_argument(
        "--at", "--from", dest="first", metavar="ISO-8601", help="from this time (default: now), as schedule list --at"
    )
    announcements.add_argument("--days", type=int, default=7, metavar="N", help="this many days ahead (default: 7)")
    announcements.add_argument("--channel", help="only this channel")
    announcements.set_defaults(action=running.run_announcements)

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
        "--kind",
        choices=("successes", "thanks", "all"),
        default="successes",
        help="what to export: the successes (default), the thanks (#thanks), or all of both in the order said",
    )
    export.add_argument(
        "--include-deleted", action="store_true", help="deleted successes too, marked as such (an audit)"
    )
    export.add_argument(
        "--private",
        action="store_true",
        help="an admin's export: each speaker's services account, user@host and network too (never publish it)",
    )
    export.add_argument("-o", "--output", metavar="FILE", default="-", help="write here (default: - for stdout)")
    export.set_defaults(action=exporting.run_export)

    publish = commands.add_parser(
        "publish", parents=[common], help="rewrite the published pages ([export] directory) from the database"
    )
    publish.add_argument("--directory", metavar="DIR", help="publish here instead of [export] directory")
    publish.set_defaults(action=exporting.run_publish)

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
    db.set_defaults(action=databases.run_db)

    check = commands.add_parser("check-config", parents=[common], help="check a config file and list every problem")
    check.add_argument("file", nargs="?", metavar="FILE", help="the file to check (default: as --config)")
    check.set_defaults(action=run_check_config)

    add_schedule_commands(commands, common)
    add_digest_command(commands, common)
    return parser


def main(argv: Sequence[str] | None = None, clock: Clock | None = None) -> int:
    args = build_parser().parse_args(argv)
    start_logging(getattr(args, "log_level", None))
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


def run_check_config(args: argparse.Namespace, clock: Clock) -> int:
    path = args.file or config_path_from(getattr(args, "config", None))
    try:
        config = load_config(path)
    except ConfigError as error:
        for problem in error.problems:
            print(problem)
        return 1
    problems = deployment_problems(config)
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print("OK")
    return 0
