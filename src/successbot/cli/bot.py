"""Running the bot: on IRC, at the console, for one message (``ask``), and its announcement dry run."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TextIO

from successbot.cli.common import UsageError, current_schedule, load, open_telling, speaker, tell, window_start
from successbot.cli.logs import bot_level, use_level
from successbot.core.clock import Clock, FixedClock, parse_instant

log = logging.getLogger("successbot")

# How long ``run`` lets the registration have Python to itself before importing the rest: the
# negotiation takes a few milliseconds on a near server; a far one's round trips are not waited out.
REGISTRATION_HEAD_START = 0.25


def run_console_command(args: argparse.Namespace, clock: Clock) -> int:
    from successbot.adapters.console import Console, run_console
    from successbot.cli.example_schedule import ExampleScheduleStore
    from successbot.runtime.app import open_app
    from successbot.runtime.jobs import BotScheduler, announcement_policy, build_announcer, build_digest_mailer

    config = load(args)
    use_level(bot_level(getattr(args, "log_level", None), config))
    app = open_app(config, example_schedule=lambda: ExampleScheduleStore(clock.now()))
    jobs = None
    try:
        app.refresh_schedule(clock.now())
        console = Console(app.core, clock, app.config.bot.nick, speaker(args, app.config), sys.stdout)
        if app.example_schedule:
            say_example_schedule(sys.stdout)
        announcer = None
        if app.config.irc.server and not getattr(args, "announce", False):
            # An IRC deployment's database records what its channels were told: a console on it must
            # not claim those announcements (or record others) unless asked to.
            console.note("announcements are off: this config is an IRC deployment's; add --announce to see them here")
        else:
            policy = announcement_policy(app.config, (console.speaker.channel,), console.network)
            announcer = build_announcer(app, console, policy)
            announcer.run_due(clock.now())  # what is due now shows before the first prompt
        mailer = None if announcer is None else build_digest_mailer(app, lambda: console.network)
        jobs = BotScheduler(app, announcer, clock, mailer)
        jobs.start(first_run_now=False)
        run_console(console, sys.stdin, interactive=sys.stdin.isatty())
    finally:
        if jobs is not None:
            jobs.stop()
        app.close()
    return 0


def say_example_schedule(output: TextIO) -> None:
    from successbot.cli.example_schedule import HOW_TO_USE_REAL_DATA

    note = "no schedule configured: answering from an example schedule with made-up dates"
    output.write(f"-- {note}; {HOW_TO_USE_REAL_DATA}\n")
    output.flush()


def run_bot(args: argparse.Namespace, clock: Clock) -> int:
    config = load(args, secrets_needed=True)
    use_level(bot_level(getattr(args, "log_level", None), config), timed=True)
    if not config.irc.server:
        log.info("no [irc] server configured: starting the console")
        args.nick = args.channel = args.account = None
        return run_console_command(args, clock)
    # The connection first, before anything heavy is imported: the server registers the bot while
    # the irc library, the database and the scheduler load (see runtime.startup).
    from successbot.adapters.irc.early_registration import EarlyRegistration

    registration = EarlyRegistration.begin(config.irc, config.bot.nick)
    registration.wait_until_sent(REGISTRATION_HEAD_START)
    from successbot.adapters.core_when_ready import CoreWhenReady
    from successbot.adapters.irc.connection import IrcBot
    from successbot.runtime.startup import BotStart

    core = CoreWhenReady()
    bot = IrcBot(core, config.irc, config.bot.nick, clock, registration=registration)
    start = BotStart(config, bot, core, clock)
    bot.install_signal_handlers()
    start.begin()
    try:
        status = bot.run()
    finally:
        start.close()  # raises what kept the app from opening: one line, as before the connection opened first
    log.info("stopped")
    return status


def run_announcements(args: argparse.Namespace, clock: Clock) -> int:
    from datetime import timedelta

    from successbot.announcements.plan import plan
    from successbot.core.dates import count, moment
    from successbot.runtime.jobs import announcement_policy, configured_audience
    from successbot.storage.claims import SqlAnnouncementStore

    start = window_start(args.first, "--at", args.days, clock)
    app, note = open_telling(args)
    try:
        current_schedule(app, clock, "announcements")
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
        print(f"{moment(announcement.due)}  {announcement.channel}  {announcement.kind}{status}  {text}")
    if not planned:
        print(f"nothing to announce from {moment(start)} for {count(args.days, 'day')}")
    tell(note)
    return 0


def run_ask(args: argparse.Namespace, clock: Clock) -> int:
    from successbot.adapters.console import Console
    from successbot.cli.example_schedule import ExampleScheduleStore
    from successbot.runtime.app import open_app

    if args.at:
        try:
            clock = FixedClock(parse_instant(args.at))
        except ValueError as error:
            raise UsageError(f"--at: {error}") from None
    app = open_app(load(args), example_schedule=lambda: ExampleScheduleStore(clock.now()))
    try:
        app.refresh_schedule(clock.now())
        console = Console(app.core, clock, app.config.bot.nick, speaker(args, app.config), sys.stdout)
        if app.example_schedule:
            say_example_schedule(sys.stderr)  # stdout keeps the replies only, for scripts
        for reply in console.core.handle(console.message(" ".join(args.text)), clock.now()):
            print(reply.text)
    finally:
        app.close()
    return 0
