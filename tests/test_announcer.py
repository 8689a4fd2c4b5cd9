"""Posting announcements exactly once, against a real SQLite database migrated by Alembic and a controllable clock."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field, replace
from datetime import time, timedelta

import pytest

from pgserver import BACKENDS
from successbot.announcements.announcer import Announcer
from successbot.announcements.plan import ELECTION, RELEASE, SUMMARY, AnnouncementPolicy, WeeklyTime, plan
from successbot.core.successes import NewSuccess
from successbot.schedules.sources import load_location
from successbot.storage.claims import SqlAnnouncementStore
from test_announcements import MITAKA, NEWTON_ELECTION, at


@dataclass
class RecordingSink:
    network: str = "TestNet"
    joined: bool = True
    posted: list[tuple[str, str, bool]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def can_post(self, channel: str) -> bool:
        return self.joined

    def post(self, channel: str, text: str, notice: bool, delivery) -> None:
        with self.lock:
            self.posted.append((channel, text, notice))
        delivery.written()

    def texts(self) -> list[str]:
        return [text for _channel, text, _notice in self.posted]


# The claims are what makes announcements exactly once: prove them on both databases.
on_every_backend = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

POLICY = AnnouncementPolicy(
    channels_by_kind={SUMMARY: ("#dev",), ELECTION: ("#dev",), RELEASE: ("#dev",)},
    weekly_summary=WeeklyTime(4, time(15, 0)),
    max_per_channel_per_day=10,
)
SCHEDULE = [e for path in (NEWTON_ELECTION, MITAKA) for e in load_location(str(path)).events]


def announcer(engine, store, sink, instance="one", events=SCHEDULE, **changes) -> Announcer:
    claims = SqlAnnouncementStore(engine, instance, stale_after=timedelta(minutes=5))
    made = Announcer(policy=POLICY, events=lambda: events, claims=claims, successes=store, sink=sink)
    return replace(made, **changes)


def add(store, text, when, nick="alice", channel="#dev", network="TestNet"):
    store.add(NewSuccess(text=text, nick=nick, channel=channel, created_at=when, account=nick, network=network))


@on_every_backend
def test_election_reminder_posts_at_its_minute_once(engine, store):
    sink = RecordingSink()
    bot = announcer(engine, store, sink)
    assert bot.run_due(at("2016-03-10T23:59")) == []
    posted = bot.run_due(at("2016-03-11T00:00"))
    assert [a.text for a in posted] == ["PTL nomination is open until Thu 17 Mar 2016 23:59 UTC."]
    assert bot.run_due(at("2016-03-11T00:00:30")) == []
    assert bot.run_due(at("2016-03-11T00:05")) == []
    assert sink.texts() == ["PTL nomination is open until Thu 17 Mar 2016 23:59 UTC."]


@on_every_backend
def test_weekly_summary_counts_people_and_quotes_the_latest(engine, store):
    add(store, "fixed the gate", at("2016-03-14T10:00"))
    add(store, "released oslo.config", at("2016-03-15T10:00"), nick="bob")
    add(store, "wrote docs", at("2016-03-16T10:00"))
    add(store, "last week's", at("2016-03-13T23:59"))
    add(store, "other channel", at("2016-03-16T11:00"), channel="#ops")
    add(store, "other network", at("2016-03-16T11:00"), network="OFTC")
    sink = RecordingSink()
    bot = announcer(engine, store, sink, events=[])
    bot.run_due(at("2016-03-18T14:59"))
    assert sink.posted == []
    bot.run_due(at("2016-03-18T15:00"))
    assert sink.texts() == [
        "This week in #dev (2016-W11): 3 successes from 2 people. Latest: alice: wrote docs · "
        "bob: released oslo.config · alice: fixed the gate. "
        "Full list: successbot export --week 2016-W11 --channel '#dev'"
    ]


@on_every_backend
def test_a_week_without_successes_posts_nothing(engine, store):
    sink = RecordingSink()
    bot = announcer(engine, store, sink, events=[])
    assert bot.run_due(at("2016-03-18T15:00")) == []
    add(store, "too late for the summary", at("2016-03-18T15:10"))
    assert bot.run_due(at("2016-03-18T15:20")) == []
    assert sink.posted == []


@on_every_backend
def test_a_restart_in_the_middle_posts_nothing_twice(engine, store):
    sink = RecordingSink()
    first = announcer(engine, store, sink, instance="before-restart")
    for minute in range(0, 60 * 24 * 3, 30):  # three days, every half hour
        now = at("2016-03-15T00:00") + timedelta(minutes=minute)
        if minute == 60 * 24:  # the bot restarts after one day
            first = announcer(engine, store, sink, instance="after-restart")
        first.run_due(now)
    texts = sink.texts()
    assert len(texts) == len(set(texts))
    assert "PTL nomination closes in 2 days, Thu 17 Mar 2016 23:59 UTC." in texts
    assert "PTL nomination closes in 4 hours, Thu 17 Mar 2016 23:59 UTC." in texts


@on_every_backend
def test_two_instances_on_one_database_post_each_announcement_once(engine, store):
    sinks = [RecordingSink(), RecordingSink()]
    bots = [announcer(engine, store, sink, instance=f"bot{n}") for n, sink in enumerate(sinks)]
    barrier = threading.Barrier(2)

    def run(bot):
        for minute in range(0, 60 * 24 * 30, 60):  # thirty days, every hour, both at the same instants
            barrier.wait()
            bot.run_due(at("2016-03-10T00:00") + timedelta(minutes=minute))

    threads = [threading.Thread(target=run, args=(bot,)) for bot in bots]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    texts = sinks[0].texts() + sinks[1].texts()
    assert len(texts) == len(set(texts))
    assert len(texts) >= 12  # every election reminder of the 2016 timeline, and the release ones


@on_every_backend
def test_missed_while_down_recent_ones_post_older_ones_are_skipped(engine, store, caplog):
    caplog.set_level(logging.INFO, logger="successbot.announcements.announcer")
    sink = RecordingSink()
    bot = announcer(engine, store, sink, grace=timedelta(hours=1))
    # Down from before the PTL nomination opened until 30 minutes after the 4-hour reminder.
    bot.run_due(at("2016-03-17T20:29"))
    assert sink.texts() == ["PTL nomination closes in 4 hours, Thu 17 Mar 2016 23:59 UTC."]
    assert "announcement skipped in #dev: PTL nomination opens" in caplog.text
    assert "announcement skipped in #dev: PTL nomination closes in 2 days" in caplog.text
    sink.posted.clear()
    bot.run_due(at("2016-03-17T21:00"))
    assert sink.posted == []  # skipped ones stay skipped


@on_every_backend
def test_a_channel_the_bot_is_not_in_yet_is_tried_again_within_the_grace(engine, store):
    sink = RecordingSink(joined=False)
    bot = announcer(engine, store, sink)
    bot.run_due(at("2016-03-11T00:00"))
    assert sink.posted == []
    sink.joined = True
    bot.run_due(at("2016-03-11T00:30"))
    assert sink.texts() == ["PTL nomination is open until Thu 17 Mar 2016 23:59 UTC."]


@on_every_backend
def test_a_claim_whose_sender_died_is_taken_over_once_stale(engine, store):
    dying = SqlAnnouncementStore(engine, "died", stale_after=timedelta(minutes=5))
    # Planned as the bot plans: with the network its sink is on (RecordingSink: TestNet).
    (opening,) = plan(SCHEDULE, replace(POLICY, network="TestNet"), at("2016-03-11T00:00"), at("2016-03-11T00:01"))
    assert dying.claim(opening, at("2016-03-11T00:00"))  # ... and then the process is killed
    sink = RecordingSink()
    survivor = announcer(engine, store, sink, instance="survivor")
    survivor.run_due(at("2016-03-11T00:02"))
    assert sink.posted == []  # the claim is fresh: its sender may still be at it
    survivor.run_due(at("2016-03-11T00:06"))
    assert sink.texts() == ["PTL nomination is open until Thu 17 Mar 2016 23:59 UTC."]


@on_every_backend
def test_a_moved_deadline_is_announced_at_the_new_time_not_the_old(engine, store):
    sink = RecordingSink()
    schedule = list(SCHEDULE)
    bot = announcer(engine, store, sink, events=schedule)
    bot.run_due(at("2016-03-11T00:00"))
    # The source is reloaded: the PTL nomination now closes a day later.
    schedule[:] = [replace(e, end=e.end + timedelta(days=1)) if e.title == "PTL nomination" else e for e in schedule]
    bot.run_due(at("2016-03-15T23:59"))
    bot.run_due(at("2016-03-16T23:59"))
    assert sink.texts()[1:] == ["PTL nomination closes in 2 days, Fri 18 Mar 2016 23:59 UTC."]


@on_every_backend
def test_the_daily_cap_holds(engine, store):
    sink = RecordingSink()
    capped = replace(POLICY, max_per_channel_per_day=1)
    bot = announcer(engine, store, sink, policy=capped)
    for hour in range(24):
        bot.run_due(at("2016-03-17T00:00") + timedelta(hours=hour))
    assert len(sink.posted) == 1


@on_every_backend
def test_notice_setting_reaches_the_sink(engine, store):
    sink = RecordingSink()
    announcer(engine, store, sink, notice=True).run_due(at("2016-03-11T00:00"))
    assert sink.posted[0][2] is True


@on_every_backend
def test_a_failed_post_is_released_and_tried_again(engine, store):
    class FlakySink(RecordingSink):
        fail = True

        def post(self, channel, text, notice, delivery):
            if self.fail:
                self.fail = False
                raise OSError("connection reset")
            super().post(channel, text, notice, delivery)

    sink = FlakySink()
    bot = announcer(engine, store, sink)
    bot.run_due(at("2016-03-11T00:00"))
    assert sink.posted == []
    bot.run_due(at("2016-03-11T00:01"))
    assert len(sink.posted) == 1


@on_every_backend
@pytest.mark.parametrize("when", ["2016-03-17T19:59", "2016-03-17T20:58"])
def test_the_four_hour_reminder_within_grace(engine, store, when):
    sink = RecordingSink()
    bot = announcer(engine, store, sink)
    bot.run_due(at("2016-03-17T19:58"))
    sink.posted.clear()
    bot.run_due(at(when))
    assert sink.texts() == ["PTL nomination closes in 4 hours, Thu 17 Mar 2016 23:59 UTC."]


def test_summary_links_the_published_week_and_rewrites_its_pages(tmp_path):
    from successbot.config import load_config
    from successbot.runtime.app import open_app
    from successbot.runtime.jobs import announcement_policy, build_announcer

    config_path = tmp_path / "bot.ini"
    config_path.write_text(
        f"[database]\nurl = sqlite:///{tmp_path / 'bot.db'}\n"
        f"[export]\ndirectory = {tmp_path / 'site'}\nurl = https://successes.example.org/\n",
        encoding="utf-8",
    )
    app = open_app(load_config(config_path))
    try:
        add(app.successes, "published", at("2016-03-15T10:00"), network="console")
        assert not (tmp_path / "site" / "2016-W11.html").exists()  # stored directly: nothing published yet
        sink = RecordingSink(network="console")
        bot = build_announcer(app, sink, announcement_policy(app.config, ("#dev",), "console"))
        bot.run_due(at("2016-03-18T15:00"))
    finally:
        app.close()
    (text,) = sink.texts()
    assert text.endswith(
        "Full list: https://successes.example.org/2016-W11.html · "
        "digest: https://successes.example.org/digest-2016-W11.html"
    )
    assert "published" in (tmp_path / "site" / "2016-W11.html").read_text(encoding="utf-8")
    assert "published" in (tmp_path / "site" / "digest-2016-W11.html").read_text(encoding="utf-8")


@dataclass
class HoldingSink(RecordingSink):
    """Queues like the IRC adapter: the receipt comes later, when the test says the lines were written or not."""

    held: list = field(default_factory=list)

    def post(self, channel: str, text: str, notice: bool, delivery) -> None:
        self.held.append((channel, text, delivery))


def statuses(engine, since: str) -> list[str]:
    """The claims' states, less the weekly summaries skipped for want of successes."""
    records = SqlAnnouncementStore(engine, "reader", timedelta(minutes=5)).records_since(at(since)).values()
    return [record.status for record in records if record.status != "skipped"]


@on_every_backend
def test_an_announcement_counts_as_sent_only_once_its_lines_are_written(engine, store):
    sink = HoldingSink()
    bot = announcer(engine, store, sink)
    bot.run_due(at("2016-03-11T00:00"))
    assert len(sink.held) == 1 and statuses(engine, "2016-03-04T00:00") == ["claimed"]
    other = RecordingSink()
    announcer(engine, store, other, instance="other").run_due(at("2016-03-11T00:01"))
    assert other.posted == []  # claimed and being sent: nobody else posts it meanwhile
    sink.held[0][2].written()
    assert statuses(engine, "2016-03-04T00:00") == ["sent"]
    announcer(engine, store, other, instance="other").run_due(at("2016-03-11T00:10"))
    assert other.posted == []


@on_every_backend
def test_an_announcement_dropped_before_it_was_written_is_posted_once_later(engine, store):
    sink = HoldingSink()
    announcer(engine, store, sink, instance="stopping").run_due(at("2016-03-11T00:00"))
    sink.held[0][2].dropped("shutdown")
    assert statuses(engine, "2016-03-04T00:00") == []  # the claim is given back, not marked sent
    after_restart = RecordingSink()
    restarted = announcer(engine, store, after_restart, instance="restarted")
    restarted.run_due(at("2016-03-11T00:01"))
    restarted.run_due(at("2016-03-11T00:02"))
    assert after_restart.texts() == ["PTL nomination is open until Thu 17 Mar 2016 23:59 UTC."]
    assert statuses(engine, "2016-03-04T00:00") == ["sent"]


@on_every_backend
def test_receipts_are_settled_where_the_announcer_says(engine, store):
    settled: list = []
    sink = HoldingSink()
    bot = announcer(engine, store, sink, settle=settled.append)
    bot.run_due(at("2016-03-11T00:00"))
    sink.held[0][2].written()  # on the sink's thread: nothing is written to the database there
    assert statuses(engine, "2016-03-04T00:00") == ["claimed"] and len(settled) == 1
    settled[0]()
    assert statuses(engine, "2016-03-04T00:00") == ["sent"]


@on_every_backend
def test_a_missed_announcement_is_noted_in_words_not_as_a_python_timedelta(engine, store):
    announcer(engine, store, RecordingSink()).run_due(at("2016-03-13T16:54"))
    records = SqlAnnouncementStore(engine, "reader", timedelta(minutes=5)).records_since(at("2016-03-06T00:00"))
    notes = [record.note for record in records.values() if record.status == "skipped"]
    assert "missed: due Fri 11 Mar 2016 00:00 UTC, 2 days 16 hours before anyone could post it" in notes


@on_every_backend
def test_keys_follow_the_network_the_sink_is_on_not_the_server_host(engine, store):
    """Moving to another server of the same network (another host in the policy) repeats nothing."""
    first = announcer(engine, store, RecordingSink(network="OFTC"), policy=replace(POLICY, network="irc1.oftc.net"))
    assert first.run_due(at("2016-03-11T00:00"))
    moved = RecordingSink(network="OFTC")
    announcer(engine, store, moved, instance="moved", policy=replace(POLICY, network="irc2.oftc.net")).run_due(
        at("2016-03-11T00:05")
    )
    assert moved.posted == []
