"""Running the bot: on IRC, at the console, for one message (``ask``), and its announcement dry run."""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import replace
from typing import TextIO

from successbot.adapters.console import Console
from successbot.cli.common import UsageError, current_schedule, load, open_telling, speaker, tell, window_start
from successbot.cli.example_schedule import HOW_TO_USE_REAL_DATA, ExampleScheduleStore
from successbot.cli.logs import bot_level, use_level
from successbot.core.clock import Clock, FixedClock, parse_instant
from successbot.core.dates import count, moment
from successbot.runtime.app import open_app

log = logging.getLogger("successbot")


def run_console_command(args: argparse.Namespace, clock: Clock) -> int:
    from successbot.adapters.console import run_console
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
    from successbot.adapters.irc.connection import IrcBot
    from successbot.runtime.channel_privacy import PrivacyRecorder
    from successbot.runtime.jobs import (
        BotScheduler,
        SettlingThread,
        announcement_policy,
        build_announcer,
        build_digest_mailer,
        configured_audience,
        network_once_known,
    )

    app = open_app(config)
    try:
        bot = IrcBot(app.core, config.irc, config.bot.nick, clock)
        # !successes asks the connection whether a channel is private and who is in it now.
        app.core.services = replace(app.core.services, channel_facts=bot)
        if app.channel_privacy is not None:
            republish = None if app.publisher is None else app.publisher.publish_all
            recorder = PrivacyRecorder(app.channel_privacy, lambda: bot.network_name, clock, republish)
            bot.on_channel_privacy.append(recorder)
            bot.on_stop.append(recorder.close)
        policy = announcement_policy(config, *configured_audience(config))
        settling = SettlingThread()
        mailer = build_digest_mailer(app, network_once_known(bot, tuple(c.name for c in config.irc.channels)))
        jobs = BotScheduler(app, build_announcer(app, bot, policy, settling), clock, mailer)
        bot.on_stop.append(jobs.stop)
        bot.on_stop.append(settling.close)  # after the QUIT: what was never written is released
        bot.install_signal_handlers()
        jobs.start()
        status = bot.run()
    finally:
        app.close()
    log.info("stopped")
    return status


def run_announcements(args: argparse.Namespace, clock: Clock) -> int:
    from datetime import timedelta

    from successbot.announcements.plan import plan
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
