"""The outbound queue (classes, fairness, receipts, gating, merging) and its flood limiter, on a fake clock."""

from __future__ import annotations

import itertools
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from irc.schedule import DefaultScheduler

from successbot.adapters.irc.lines import MAX_LINE_BYTES, prefix_budget_for
from successbot.adapters.irc.outbound import (
    CLEARED,
    DEFAULT_BURST,
    DEFAULT_LINES_PER_SECOND,
    DISCONNECTED,
    EXPIRED,
    RATE_LIMITED,
    REPLY_MAX_AGE,
    SHUTDOWN,
    OutboundQueue,
    Priority,
    Sender,
    TokenBucket,
)
from successbot.core.messages import Acknowledgement, acknowledgement_text


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_sender(clock: FakeClock, sent: list[tuple[float, str]], **kwargs: object) -> tuple[OutboundQueue, Sender]:
    queue = OutboundQueue()
    sender = Sender(queue, lambda line: sent.append((clock(), line)), clock=clock, **kwargs)
    return queue, sender


def run_until_empty(clock: FakeClock, sender: Sender, step: float = 0.05) -> None:
    """Drive pump like the reactor's periodic tick would."""
    for _ in range(100_000):
        if sender.pump() is None:
            return
        clock.advance(step)
    raise AssertionError("queue never drained")


# --- TokenBucket ---------------------------------------------------------------


def test_bucket_allows_a_burst_then_asks_to_wait() -> None:
    clock = FakeClock()
    bucket = TokenBucket(3, 1.0, clock)
    for _ in range(3):
        assert bucket.delay() == 0
        bucket.take()
    assert bucket.delay() == pytest.approx(1.0)


def test_bucket_refills_at_its_rate_up_to_the_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(2, 0.5, clock)
    bucket.take()
    bucket.take()
    clock.advance(1.0)
    assert bucket.delay() == pytest.approx(1.0)  # half a token back, needs 1
    clock.advance(100)
    bucket.take()
    bucket.take()
    assert bucket.delay() > 0  # refill stopped at the burst of 2


def test_bucket_cost_above_burst_waits_for_a_full_bucket() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10, 5.0, clock)
    bucket.take(10)
    assert bucket.delay(10_000) == pytest.approx(2.0)


def test_bucket_ignores_a_clock_stepping_back() -> None:
    clock = FakeClock()
    bucket = TokenBucket(1, 1.0, clock)
    bucket.take()
    clock.advance(-50)
    assert bucket.delay() == pytest.approx(1.0)


def test_bucket_refuses_nonpositive_settings() -> None:
    with pytest.raises(ValueError):
        TokenBucket(0, 1.0)


# --- OutboundQueue ----------------------------------------------------------------


def test_queue_is_fifo() -> None:
    queue = OutboundQueue()
    queue.put("a")
    queue.put_many(["b", "c"])
    assert [queue.pop() for _ in range(3)] == ["a", "b", "c"]
    assert queue.peek() is None


@pytest.mark.parametrize("line", ["PRIVMSG #c :a\r\nQUIT", "x\n", "x\rQUIT", "a\0b"])
def test_queue_refuses_line_breaks_and_nul(line: str) -> None:
    queue = OutboundQueue()
    with pytest.raises(ValueError):
        queue.put(line)
    assert len(queue) == 0


def test_queue_clear_returns_the_waiting_lines() -> None:
    queue = OutboundQueue()
    queue.put_many(["a", "b"])
    assert queue.clear() == ["a", "b"]
    assert len(queue) == 0


# --- Sender --------------------------------------------------------------------------


def test_fifty_line_burst_all_sent_in_order() -> None:
    clock, sent = FakeClock(), []
    queue, sender = make_sender(clock, sent)
    lines = [f"PRIVMSG #c :line {i}" for i in range(50)]
    queue.put_many(lines)
    run_until_empty(clock, sender)
    assert [line for _, line in sent] == lines


def test_default_pace_is_a_short_burst_then_about_one_line_a_second() -> None:
    clock, sent = FakeClock(), []
    queue, sender = make_sender(clock, sent)
    start = clock()
    queue.put_many(f"PRIVMSG #c :{i}" for i in range(50))
    run_until_empty(clock, sender)
    times = [t - start for t, _ in sent]
    assert times[:DEFAULT_BURST] == [0.0] * DEFAULT_BURST
    assert times[DEFAULT_BURST] > 1.0
    gaps = [b - a for a, b in zip(times[DEFAULT_BURST:], times[DEFAULT_BURST + 1 :], strict=False)]
    assert min(gaps) >= 1 / DEFAULT_LINES_PER_SECOND - 1e-9


def test_default_pace_stays_under_inspircd_example_penalty() -> None:
    # InspIRCd's example connect class: +1 penalty per line, draining 1/s,
    # fakelag or kill at 10. Registration and a JOIN were seen to spend
    # about 3 of those 10 (shared/ircd README), so ours must peak at 7.
    clock, sent = FakeClock(), []
    queue, sender = make_sender(clock, sent)
    queue.put_many(f"PRIVMSG #c :{i}" for i in range(200))
    run_until_empty(clock, sender, step=0.01)
    penalty, last, peak = 0.0, sent[0][0], 0.0
    for sent_at, _ in sent:
        penalty = max(0.0, penalty - (sent_at - last)) + 1
        last = sent_at
        peak = max(peak, penalty)
    assert peak <= 10 - 3
    assert peak == DEFAULT_BURST


def test_byte_bucket_slows_long_lines() -> None:
    clock, sent = FakeClock(), []
    queue, sender = make_sender(
        clock,
        sent,
        lines=TokenBucket(100, 100.0, clock),
        octets=TokenBucket(1024, 512.0, clock),
    )
    long_line = "PRIVMSG #c :" + "x" * 498  # 510 bytes + CR LF
    queue.put_many([long_line] * 4)
    run_until_empty(clock, sender, step=0.01)
    times = [t - sent[0][0] for t, _ in sent]
    assert times[1] == 0.0  # two fit the 1024-byte burst
    assert times[2] == pytest.approx(1.0, abs=0.02)
    assert times[3] == pytest.approx(2.0, abs=0.02)


def test_pump_reports_the_wait_and_none_when_empty() -> None:
    clock, sent = FakeClock(), []
    queue, sender = make_sender(clock, sent, lines=TokenBucket(1, 0.5, clock))
    assert sender.pump() is None
    queue.put_many(["A", "B"])
    assert sender.pump() == pytest.approx(2.0)
    assert [line for _, line in sent] == ["A"]


def test_nothing_goes_out_until_ready() -> None:
    clock, sent = FakeClock(), []
    is_ready = False
    queue, sender = make_sender(clock, sent, ready=lambda: is_ready)
    queue.put("PRIVMSG #c :hi")
    assert sender.pump() is None
    assert sent == []
    is_ready = True
    sender.pump()
    assert [line for _, line in sent] == ["PRIVMSG #c :hi"]


def test_failed_send_keeps_the_line_first_and_tick_does_not_raise() -> None:
    def broken(line: str) -> None:
        raise OSError("not connected")

    queue = OutboundQueue()
    sender = Sender(queue, broken, clock=FakeClock())
    queue.put_many(["A", "B"])
    sender.tick()
    assert queue.peek() == "A"
    assert len(queue) == 2


def test_attach_runs_pump_on_the_irc_scheduler() -> None:
    clock, sent = FakeClock(), []
    queue, sender = make_sender(clock, sent)
    scheduler = DefaultScheduler()
    sender.attach(scheduler, tick=0.001)
    queue.put("PRIVMSG #c :hi")
    for _ in range(200):
        scheduler.run_pending()
        if sent:
            break
        threading.Event().wait(0.005)
    assert [line for _, line in sent] == ["PRIVMSG #c :hi"]


def test_many_producer_threads_lose_nothing_and_keep_their_own_order() -> None:
    clock, sent = FakeClock(), []
    queue, sender = make_sender(clock, sent, lines=TokenBucket(5, 1000.0, clock))
    producers, per_producer = 8, 500
    start = threading.Barrier(producers + 1)
    done = threading.Event()

    def produce(who: int) -> None:
        start.wait()
        for i in range(per_producer):
            queue.put(f"PRIVMSG #c :{who} {i}")

    def consume() -> None:
        start.wait()
        while not done.is_set() or len(queue):
            sender.pump()
            clock.advance(0.01)  # only this thread touches the clock

    threads = [threading.Thread(target=produce, args=(n,)) for n in range(producers)]
    consumer = threading.Thread(target=consume)
    for thread in [*threads, consumer]:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    consumer.join(timeout=30)
    assert not consumer.is_alive()
    assert len(sent) == producers * per_producer
    for who in range(producers):
        seen = [int(line.split()[-1]) for _, line in sent if line.split()[2] == f":{who}"]
        assert seen == list(range(per_producer))


def test_put_many_keeps_one_reply_together_among_other_threads() -> None:
    queue = OutboundQueue()
    reply = [f"PRIVMSG #c :part {i}" for i in range(20)]
    noise = threading.Thread(target=lambda: [queue.put("PING x") for _ in range(2000)])
    noise.start()
    queue.put_many(reply)
    noise.join()
    lines = queue.clear()
    first = lines.index(reply[0])
    assert lines[first : first + len(reply)] == reply


def test_lines_allowed_together_go_out_in_one_write() -> None:
    clock = FakeClock()
    writes: list[list[str]] = []
    queue = OutboundQueue()
    sender = Sender(
        queue, lambda line: writes.append([line]), send_batch=lambda lines: writes.append(list(lines)),
        lines=TokenBucket(4, 1.0, clock), clock=clock,
    )  # fmt: skip
    queue.put_many(f"PRIVMSG #dev :line {n}" for n in range(6))
    assert sender.pump() == pytest.approx(1.0)
    assert writes == [[f"PRIVMSG #dev :line {n}" for n in range(4)]]  # the burst, in one write
    clock.now += 1.0
    sender.pump()
    assert writes[1:] == [["PRIVMSG #dev :line 4"]]
    assert len(queue) == 1


def test_a_failed_batch_write_keeps_its_lines_first() -> None:
    clock = FakeClock()
    queue = OutboundQueue()

    def broken(lines: list[str]) -> None:
        raise OSError("broken pipe")

    sender = Sender(queue, lambda line: None, send_batch=broken, lines=TokenBucket(4, 1.0, clock), clock=clock)
    queue.put_many(["PRIVMSG #dev :a", "PRIVMSG #dev :b"])
    with pytest.raises(OSError):
        sender.pump()
    assert [queue.peek(0), queue.peek(1)] == ["PRIVMSG #dev :a", "PRIVMSG #dev :b"]


# --- the prioritised, fair queue --------------------------------------------------------
#
# One fake clock drives the queue (expiry, CTCP limit) and the sender's buckets.


class Gate:
    """The connection's ``can_send_to``: channels in ``joined`` are open; a nick always is."""

    def __init__(self, *joined: str) -> None:
        self.joined = set(joined)

    def __call__(self, target: str) -> bool:
        return not target.startswith("#") or target in self.joined


class Receipts:
    """Records which items were written and which dropped, and why."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def written(self, name: str):
        return lambda: self.events.append((name, "written"))

    def dropped(self, name: str):
        return lambda reason: self.events.append((name, reason))

    def of(self, name: str, **extra: object) -> dict[str, object]:
        return {"on_written": self.written(name), "on_dropped": self.dropped(name), **extra}

    def delivery(self, name: str, expires_in: float | None = None) -> Delivered:
        """The same receipts as a ``Delivery``, as the announcer hands them to the bot."""
        return Delivered(self.written(name), self.dropped(name), expires_in)


@dataclass(frozen=True)
class Delivered:
    on_written: Callable[[], None]
    on_dropped: Callable[[str], None]
    expires_in: float | None = None

    def written(self) -> None:
        self.on_written()

    def dropped(self, reason: str) -> None:
        self.on_dropped(reason)


def fair_setup(
    *joined: str, burst: float = 1000, rate: float = 1000.0, **queue_options: object
) -> tuple[FakeClock, OutboundQueue, Sender, list[tuple[float, str]], Gate]:
    clock, sent, gate = FakeClock(), [], Gate(*joined)
    queue = OutboundQueue(can_send_to=gate, clock=clock, **queue_options)
    sender = Sender(
        queue, lambda line: sent.append((clock(), line)), lines=TokenBucket(burst, rate, clock),
        octets=TokenBucket(100_000, 100_000, clock), clock=clock,
    )  # fmt: skip
    return clock, queue, sender, sent, gate


def texts(sent: list[tuple[float, str]]) -> list[str]:
    return [line for _, line in sent]


def test_classes_go_in_order_protocol_replies_announcements_lookups_ctcp() -> None:
    clock, queue, sender, sent, _ = fair_setup("#dev")
    queue.put("NOTICE carol :\x01VERSION successbot\x01", Priority.CTCP, sender="carol")
    queue.put("WHOIS dave", Priority.LOOKUP, sender="dave")
    queue.put("PRIVMSG #dev :PTL nominations are open", Priority.ANNOUNCEMENT, sender="#dev")
    queue.put("PRIVMSG #dev :alice: Added success #1", Priority.REPLY, sender="alice")
    queue.put("JOIN #ops", Priority.PROTOCOL)
    run_until_empty(clock, sender)
    assert [line.split()[0] + " " + line.split()[1] for line in texts(sent)] == [
        "JOIN #ops", "PRIVMSG #dev", "PRIVMSG #dev", "WHOIS dave", "NOTICE carol",
    ]  # fmt: skip
    assert texts(sent)[1].endswith("Added success #1")


def test_a_join_never_waits_behind_queued_replies() -> None:
    clock, queue, sender, sent, _ = fair_setup("#dev", burst=1, rate=1 / 1.1)
    for number in range(14):
        queue.put(f"PRIVMSG #dev :reply {number}", sender=f"nick{number}")
    sender.pump()
    queue.put("JOIN #ops", Priority.PROTOCOL)
    clock.advance(1.1)
    sender.pump()
    assert texts(sent) == ["PRIVMSG #dev :reply 0", "JOIN #ops"]


def test_one_senders_flood_delays_anothers_reply_by_one_item_at_most() -> None:
    clock, queue, sender, sent, _ = fair_setup("#dev", burst=1, rate=1.0)
    for number in range(100):
        queue.put(f"PRIVMSG #dev :flood {number}", sender="Flooder")
    sender.pump()  # flood 0 goes
    queue.put("PRIVMSG #dev :bob: Added success #7", sender="bob")
    run_until_empty(clock, sender)
    lines = texts(sent)
    assert lines.index("PRIVMSG #dev :bob: Added success #7") <= 2
    assert [line for line in lines if "flood" in line] == [f"PRIVMSG #dev :flood {n}" for n in range(100)]


def test_senders_take_turns_one_item_each_and_keep_their_own_order() -> None:
    clock, queue, sender, sent, _ = fair_setup("#dev")
    for number in range(3):
        for nick in ("alice", "bob", "carol"):
            queue.put(f"PRIVMSG #dev :{nick} {number}", sender=nick)
    run_until_empty(clock, sender)
    assert [line.split(":", 1)[1] for line in texts(sent)] == [
        f"{nick} {number}" for number in range(3) for nick in ("alice", "bob", "carol")
    ]


def test_sender_keys_compare_as_irc_nicks() -> None:
    clock, queue, sender, sent, _ = fair_setup("#dev")
    queue.put("PRIVMSG #dev :one", sender="Alice[away]")
    queue.put("PRIVMSG #dev :other", sender="bob")
    queue.put("PRIVMSG #dev :two", sender="alice{AWAY}")  # the same nick under rfc1459 folding
    run_until_empty(clock, sender)
    assert texts(sent) == ["PRIVMSG #dev :one", "PRIVMSG #dev :other", "PRIVMSG #dev :two"]


def test_a_reply_started_is_finished_before_anything_else_even_a_join() -> None:
    clock, queue, sender, sent, _ = fair_setup("#dev", burst=2, rate=1.0)
    queue.put_many([f"PRIVMSG #dev :part {n}" for n in range(4)], sender="alice")
    sender.pump()
    queue.put("JOIN #ops", Priority.PROTOCOL)
    queue.put("PRIVMSG #dev :bob's", sender="bob")
    run_until_empty(clock, sender)
    assert texts(sent) == [*(f"PRIVMSG #dev :part {n}" for n in range(4)), "JOIN #ops", "PRIVMSG #dev :bob's"]


# --- CTCP answers: a small rate, the rest dropped and counted ---------------------------------


def test_ctcp_answers_beyond_the_rate_are_dropped_and_logged_once_per_burst(caplog: pytest.LogCaptureFixture) -> None:
    clock, queue, sender, sent, _ = fair_setup()
    receipts = Receipts()
    with caplog.at_level(logging.INFO, logger="successbot.adapters.irc.outbound"):
        for number in range(100):
            asker = f"asker{number % 3}"
            queue.put(f"NOTICE {asker} :\x01VERSION x\x01", Priority.CTCP, sender=asker, **receipts.of(str(number)))
            clock.advance(0.05)
        run_until_empty(clock, sender)
        assert len(sent) == 3  # one per asker in these 5 seconds: within 3 per 10 s
        assert queue.ctcp_dropped == 97
        assert sum(reason == RATE_LIMITED for _, reason in receipts.events) == 97
        assert [r.getMessage() for r in caplog.records if "CTCP" in r.getMessage()] == []  # the burst is not over
        clock.advance(10)
        sender.pump()
        sender.pump()
    notes = [r.getMessage() for r in caplog.records if "CTCP" in r.getMessage()]
    assert notes == ["dropped 97 CTCP answers to 3 askers over 5s (at most 3 per 10s, one per asker per 5s)"]


def test_one_ctcp_answer_per_asker_every_few_seconds() -> None:
    clock, queue, sender, sent, _ = fair_setup()
    for _ in range(3):
        queue.put("NOTICE carol :\x01PING 1\x01", Priority.CTCP, sender="carol")
    clock.advance(5)
    queue.put("NOTICE carol :\x01PING 2\x01", Priority.CTCP, sender="carol")
    run_until_empty(clock, sender)
    assert texts(sent) == ["NOTICE carol :\x01PING 1\x01", "NOTICE carol :\x01PING 2\x01"]
    assert queue.ctcp_dropped == 2


def test_a_ctcp_answer_is_never_queued_for_minutes() -> None:
    clock, queue, sender, sent, _ = fair_setup("#dev", burst=1, rate=1 / 1.1)
    receipts = Receipts()
    for number in range(60):
        queue.put(f"PRIVMSG #dev :reply {number}", sender=f"nick{number}")
    queue.put("NOTICE carol :\x01VERSION x\x01", Priority.CTCP, sender="carol", **receipts.of("version"))
    run_until_empty(clock, sender)
    assert not any("VERSION" in line for line in texts(sent))
    assert receipts.events == [("version", EXPIRED)]
    assert queue.ctcp_dropped == 1


# --- delivery receipts ---------------------------------------------------------------------------


def test_on_written_runs_once_when_the_last_line_is_written_not_when_queued() -> None:
    clock, queue, sender, sent, _ = fair_setup("#dev", burst=1, rate=1.0)
    receipts = Receipts()
    queue.put_many(["PRIVMSG #dev :a", "PRIVMSG #dev :b", "PRIVMSG #dev :c"], sender="#dev", **receipts.of("reply"))
    assert receipts.events == []
    sender.pump()
    clock.advance(1)
    sender.pump()
    assert len(sent) == 2 and receipts.events == []
    clock.advance(1)
    sender.pump()
    assert receipts.events == [("reply", "written")]
    run_until_empty(clock, sender)
    assert receipts.events == [("reply", "written")]


def test_a_merged_or_batched_write_runs_every_items_receipt() -> None:
    clock = FakeClock()
    writes: list[list[str]] = []
    queue = OutboundQueue(clock=clock)
    sender = Sender(
        queue, lambda line: writes.append([line]), send_batch=lambda lines: writes.append(list(lines)), clock=clock
    )
    receipts = Receipts()
    for name in "abc":
        queue.put(f"PRIVMSG #dev :{name}", sender=name, **receipts.of(name))
    sender.pump()
    assert writes == [["PRIVMSG #dev :a", "PRIVMSG #dev :b", "PRIVMSG #dev :c"]]
    assert receipts.events == [("a", "written"), ("b", "written"), ("c", "written")]


def test_a_failed_write_runs_no_receipt_and_the_retry_does() -> None:
    clock, attempts = FakeClock(), []
    queue = OutboundQueue(clock=clock)
    receipts = Receipts()

    def flaky(line: str) -> None:
        attempts.append(line)
        if len(attempts) == 1:
            raise OSError("EAGAIN")

    sender = Sender(queue, flaky, clock=clock)
    queue.put("PRIVMSG #dev :hi", **receipts.of("hi"))
    sender.tick()
    assert receipts.events == [] and len(queue) == 1
    sender.tick()
    assert attempts == ["PRIVMSG #dev :hi"] * 2
    assert receipts.events == [("hi", "written")]


def test_a_write_that_loses_the_connection_counts_as_not_written() -> None:
    # jaraco irc's send_raw swallows the OSError and runs the disconnect handlers,
    # which tell the queue, before it returns as if the line went.
    clock = FakeClock()
    queue = OutboundQueue(clock=clock)
    receipts = Receipts()
    sent: list[str] = []

    def send_raw(line: str) -> None:
        if not sent:
            sent.append("lost")
            queue.disconnected()

    sender = Sender(queue, send_raw, clock=clock)
    queue.put("PRIVMSG #dev :alice: Added success #3", sender="alice", **receipts.of("ack"))
    sender.pump()
    assert receipts.events == [] and len(queue) == 1
    sender.pump()
    assert receipts.events == [("ack", "written")] and len(queue) == 0


def test_a_blank_item_is_delivered_at_once() -> None:
    queue = OutboundQueue()
    receipts = Receipts()
    queue.put_many([], **receipts.of("nothing"))
    assert receipts.events == [("nothing", "written")]
    assert len(queue) == 0


def test_a_failing_receipt_is_logged_and_sending_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    clock, queue, sender, sent, _ = fair_setup("#dev")

    def broken() -> None:
        raise RuntimeError("announcer bug")

    queue.put("PRIVMSG #dev :a", on_written=broken)
    queue.put("PRIVMSG #dev :b", sender="other")
    with caplog.at_level(logging.ERROR):
        run_until_empty(clock, sender)
    assert texts(sent) == ["PRIVMSG #dev :a", "PRIVMSG #dev :b"]
    assert "a delivery callback failed" in caplog.text


# --- channel gating and expiry -----------------------------------------------------------------


def test_a_channels_lines_wait_until_it_can_take_them_and_other_targets_pass() -> None:
    clock, queue, sender, sent, gate = fair_setup("#ops")
    queue.put("PRIVMSG #dev :alice: Added success #1", sender="alice")
    queue.put("PRIVMSG #ops :bob: Added success #2", sender="bob")
    queue.put("PRIVMSG carol :a private answer", sender="carol")
    run_until_empty(clock, sender)
    assert texts(sent) == ["PRIVMSG #ops :bob: Added success #2", "PRIVMSG carol :a private answer"]
    assert len(queue) == 1 and sender.pump() is None
    gate.joined.add("#dev")
    run_until_empty(clock, sender)
    assert texts(sent)[-1] == "PRIVMSG #dev :alice: Added success #1"


def test_an_item_never_passes_an_earlier_one_of_its_sender_for_the_same_target() -> None:
    clock, queue, sender, sent, gate = fair_setup()
    queue.put("PRIVMSG #dev :first", sender="alice")
    queue.put("PRIVMSG alice :private", sender="alice")
    queue.put("PRIVMSG #dev :second", sender="alice")
    run_until_empty(clock, sender)
    assert texts(sent) == ["PRIVMSG alice :private"]
    gate.joined.add("#DEV".lower())
    run_until_empty(clock, sender)
    assert texts(sent)[1:] == ["PRIVMSG #dev :first", "PRIVMSG #dev :second"]


def test_a_reply_older_than_two_minutes_when_its_channel_opens_is_dropped_with_one_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock, queue, sender, sent, gate = fair_setup()
    receipts = Receipts()
    for number in range(5):
        queue.put(f"PRIVMSG #dev :reply {number}", sender=f"nick{number}", **receipts.of(str(number)))
    clock.advance(REPLY_MAX_AGE - 1)
    queue.put("PRIVMSG #dev :young", sender="late", **receipts.of("young"))
    clock.advance(2)
    gate.joined.add("#dev")
    with caplog.at_level(logging.INFO, logger="successbot.adapters.irc.outbound"):
        run_until_empty(clock, sender)
    assert texts(sent) == ["PRIVMSG #dev :young"]
    assert receipts.events == [*((str(n), EXPIRED) for n in range(5)), ("young", "written")]
    assert [r.getMessage() for r in caplog.records] == [
        "dropped 5 queued messages older than 120s, not posted late (#dev: 5)"
    ]


def test_announcements_wait_for_their_channel_without_expiring() -> None:
    clock, queue, sender, sent, gate = fair_setup()
    receipts = Receipts()
    queue.put("PRIVMSG #dev :PTL nominations are open", Priority.ANNOUNCEMENT, sender="#dev", **receipts.of("ptl"))
    clock.advance(3600)
    sender.pump()
    gate.joined.add("#dev")
    sender.pump()
    assert texts(sent) == ["PRIVMSG #dev :PTL nominations are open"]
    assert receipts.events == [("ptl", "written")]


def test_an_explicit_expiry_applies_to_any_class() -> None:
    clock, queue, sender, sent, gate = fair_setup()
    receipts = Receipts()
    queue.put(
        "PRIVMSG #dev :closing soon", Priority.ANNOUNCEMENT, sender="#dev", expires_at=clock() + 60,
        **receipts.of("soon"),
    )  # fmt: skip
    clock.advance(61)
    gate.joined.add("#dev")
    sender.pump()
    assert sent == [] and receipts.events == [("soon", EXPIRED)]


# --- disconnect and shutdown -------------------------------------------------------------------


def test_a_disconnect_keeps_replies_and_announcements_and_drops_the_old_connections_lines(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock, queue, sender, sent, gate = fair_setup()
    receipts = Receipts()
    queue.put("JOIN #dev", Priority.PROTOCOL, **receipts.of("join"))
    queue.put("WHOIS dave", Priority.LOOKUP, sender="dave", **receipts.of("whois"))
    queue.put("NOTICE carol :\x01VERSION x\x01", Priority.CTCP, sender="carol", **receipts.of("ctcp"))
    queue.put("PRIVMSG #dev :alice: Added success #1", sender="alice", **receipts.of("reply"))
    queue.put("PRIVMSG #dev :announced", Priority.ANNOUNCEMENT, sender="#dev", **receipts.of("announcement"))
    with caplog.at_level(logging.INFO, logger="successbot.adapters.irc.outbound"):
        queue.disconnected()
    assert sorted(receipts.events) == [("ctcp", DISCONNECTED), ("join", DISCONNECTED), ("whois", DISCONNECTED)]
    assert [r.getMessage() for r in caplog.records] == [
        "connection lost: 2 queued replies or announcements kept for after the rejoin, "
        "3 protocol, look-up or CTCP items discarded"
    ]
    queue.put("JOIN #dev", Priority.PROTOCOL)  # the new connection's
    run_until_empty(clock, sender)
    assert texts(sent) == ["JOIN #dev"]  # nothing for #dev before the bot is back in it
    gate.joined.add("#dev")
    run_until_empty(clock, sender)
    assert texts(sent)[1:] == ["PRIVMSG #dev :alice: Added success #1", "PRIVMSG #dev :announced"]
    assert receipts.events[3:] == [("reply", "written"), ("announcement", "written")]


def test_a_half_written_reply_resumes_after_the_rejoin_without_repeating_lines() -> None:
    clock, queue, sender, sent, gate = fair_setup("#dev", burst=1, rate=1.0)
    receipts = Receipts()
    queue.put_many([f"PRIVMSG #dev :part {n}" for n in range(3)], sender="alice", **receipts.of("list"))
    sender.pump()
    queue.disconnected()
    gate.joined.clear()
    clock.advance(5)
    queue.put("PRIVMSG #dev :bob's", sender="bob")
    sender.pump()
    assert texts(sent) == ["PRIVMSG #dev :part 0"]
    gate.joined.add("#dev")
    run_until_empty(clock, sender)
    assert texts(sent) == [*(f"PRIVMSG #dev :part {n}" for n in range(3)), "PRIVMSG #dev :bob's"]
    assert receipts.events == [("list", "written")]


def test_a_half_written_reply_waits_when_its_channel_closes_and_others_go_on() -> None:
    clock, queue, sender, sent, gate = fair_setup("#dev", "#ops", burst=1, rate=1.0)
    queue.put_many(["PRIVMSG #dev :part 0", "PRIVMSG #dev :part 1"], sender="alice")
    sender.pump()
    gate.joined.discard("#dev")  # kicked
    queue.put("PRIVMSG #ops :elsewhere", sender="bob")
    clock.advance(1)
    sender.pump()
    assert texts(sent) == ["PRIVMSG #dev :part 0", "PRIVMSG #ops :elsewhere"]
    gate.joined.add("#dev")
    run_until_empty(clock, sender)
    assert texts(sent)[-1] == "PRIVMSG #dev :part 1"


def test_shutdown_hands_every_item_back_and_refuses_new_ones() -> None:
    _clock, queue, sender, sent, _ = fair_setup()
    receipts = Receipts()
    queue.put("PRIVMSG #dev :announced", Priority.ANNOUNCEMENT, sender="#dev", **receipts.of("announcement"))
    queue.put_many(["PRIVMSG alice :a", "PRIVMSG alice :b"], sender="alice", **receipts.of("reply"))
    assert queue.shutdown() == 2
    assert sorted(receipts.events) == [("announcement", SHUTDOWN), ("reply", SHUTDOWN)]
    queue.put("PRIVMSG #dev :too late", Priority.ANNOUNCEMENT, **receipts.of("late"))
    assert receipts.events[-1] == ("late", SHUTDOWN)
    assert len(queue) == 0 and sender.pump() is None and sent == []


def test_clear_hands_the_items_back_too() -> None:
    queue = OutboundQueue()
    receipts = Receipts()
    queue.put_many(["PRIVMSG #dev :a", "PRIVMSG #dev :b"], **receipts.of("reply"))
    assert queue.clear() == ["PRIVMSG #dev :a", "PRIVMSG #dev :b"]
    assert receipts.events == [("reply", CLEARED)]


# --- merging acknowledgements ----------------------------------------------------------------------


def put_ack(queue: OutboundQueue, channel: str, nick: str, number: int, page: str | None = None, **extra) -> None:
    ack = Acknowledgement(number, nick, page)
    queue.put(f"PRIVMSG {channel} :{acknowledgement_text([ack])}", sender=nick, ack=ack, **extra)


def test_waiting_acknowledgements_for_one_channel_become_one_line() -> None:
    clock, queue, sender, sent, _ = fair_setup("#dev", burst=1, rate=1.0)
    receipts = Receipts()
    put_ack(queue, "#dev", "alice", 11, **receipts.of("11"))
    sender.pump()  # the first goes alone: nothing was waiting with it
    for number, nick in ((12, "alice"), (13, "bob"), (14, "alice")):
        put_ack(queue, "#dev", nick, number, **receipts.of(str(number)))
    run_until_empty(clock, sender)
    assert texts(sent) == [
        "PRIVMSG #dev :alice: Added success #11",
        "PRIVMSG #dev :alice, bob: Added successes #12, #13, #14",
    ]
    assert receipts.events == [(str(n), "written") for n in (11, 12, 14, 13)]


def test_one_nicks_waiting_acknowledgements_are_named_once() -> None:
    clock, queue, sender, sent, _ = fair_setup("#dev")
    put_ack(queue, "#dev", "alice", 12, "https://example.org/2016-W11.html")
    put_ack(queue, "#dev", "alice", 13, "https://example.org/2016-W11.html")
    run_until_empty(clock, sender)
    assert texts(sent) == ["PRIVMSG #dev :alice: Added successes #12, #13 to https://example.org/2016-W11.html"]


def test_acknowledgements_are_merged_only_within_one_channel_and_one_page() -> None:
    clock, queue, sender, sent, _ = fair_setup("#dev", "#ops")
    put_ack(queue, "#dev", "alice", 1, "https://x/W11.html")
    put_ack(queue, "#ops", "bob", 2, "https://x/W11.html")
    put_ack(queue, "#dev", "carol", 3, "https://x/W12.html")
    put_ack(queue, "#dev", "dave", 4, "https://x/W11.html")
    run_until_empty(clock, sender)
    assert texts(sent) == [
        "PRIVMSG #dev :alice, dave: Added successes #1, #4 to https://x/W11.html",
        "PRIVMSG #ops :bob: Added success #2 to https://x/W11.html",
        "PRIVMSG #dev :carol: Added success #3 to https://x/W12.html",
    ]


def test_merging_never_reorders_a_senders_replies() -> None:
    clock, queue, sender, sent, _ = fair_setup("#dev")
    put_ack(queue, "#dev", "bob", 4)
    put_ack(queue, "#dev", "bob", 5)
    queue.put_many(["PRIVMSG #dev :alice: #1 earlier", "PRIVMSG #dev :alice: #2 listed"], sender="alice")
    put_ack(queue, "#dev", "alice", 6)  # behind alice's listing: not merged into bob's line ahead of it
    run_until_empty(clock, sender)
    assert [line.split(":", 1)[1] for line in texts(sent)] == [
        "bob: Added successes #4, #5",
        "alice: #1 earlier",
        "alice: #2 listed",
        "alice: Added success #6",
    ]


def test_merged_acknowledgements_fit_a_relayed_line_and_each_id_is_said_once() -> None:
    clock, queue, sender, sent, _ = fair_setup(
        "#a-channel-with-a-long-name", prefix_budget=lambda: prefix_budget_for("n" * 30)
    )
    nicks = [f"{'n' * 25}{k:05d}" for k in range(40)]
    for number in range(1, 301):
        put_ack(queue, "#a-channel-with-a-long-name", nicks[number % 40], number, "https://example.org/" + "w" * 60)
    run_until_empty(clock, sender)
    said: list[int] = []
    for line in texts(sent):
        assert prefix_budget_for("n" * 30) + len(line.encode()) + 2 <= MAX_LINE_BYTES
        said += [int(word.strip("#,")) for word in line.split(": Added ")[1].split() if word.startswith("#")]
    assert sorted(said) == list(range(1, 301))
    assert 1 < len(sent) < 300


def test_merged_lines_still_keep_to_the_flood_pace() -> None:
    clock, sent = FakeClock(), []
    queue = OutboundQueue(clock=clock)
    sender = Sender(queue, lambda line: sent.append((clock(), line)), clock=clock)
    for number in range(1, 51):
        put_ack(queue, "#dev", f"nick{number % 5}", number)
        queue.put(f"PRIVMSG #dev :other {number}", sender=f"other{number}")
        queue.put("JOIN #x", Priority.PROTOCOL)
        clock.advance(0.02)
        sender.pump()
    run_until_empty(clock, sender, step=0.01)
    penalty, last, peak = 0.0, sent[0][0], 0.0
    for sent_at, _ in sent:
        penalty = max(0.0, penalty - (sent_at - last)) + 1
        last = sent_at
        peak = max(peak, penalty)
    assert peak <= DEFAULT_BURST + 1e-9


# --- the queue in the IRC adapter ------------------------------------------------------------------------


@pytest.fixture
def irc_bot(store):
    """An IrcBot on a socket pair (never read: the sender is swapped for a recorder) with a fake clock."""
    from dataclasses import replace

    from harness import EXAMPLE_TIME, make_core
    from successbot.adapters.irc.connection import IrcBot
    from successbot.config import ChannelSetting, load_config
    from successbot.core.clock import FixedClock

    clock = FakeClock()
    settings = replace(load_config(None).irc, server="irc.test", auth="none", channels=(ChannelSetting("#dev"),))
    bot = IrcBot(make_core(store), settings, "sbot", clock=FixedClock(EXAMPLE_TIME), monotonic=clock)
    ours, theirs = socket.socketpair()
    bot.connection.connect("irc.test", 6667, "sbot", connect_factory=lambda _address: ours)
    bot._caps.enabled = {"account-tag", "server-time", "message-tags"}
    written: list[str] = []
    bot.sender = Sender(
        bot.outbound, written.append, ready=lambda: bot.registered, clock=clock, send_batch=written.extend,
        lines=TokenBucket(settings.flood_burst, settings.flood_rate, clock),
    )  # fmt: skip
    bot.fake_clock, bot.written, bot.server_side = clock, written, theirs  # type: ignore[attr-defined]
    yield bot
    bot.conversations.stop()
    bot.connection.close()
    theirs.close()


def server_says(bot, *lines: str) -> None:
    for line in lines:
        bot.connection._process_line(line)  # what the reactor calls for each line read
    assert bot.conversations.wait_idle(10), "a command handed to the workers did not finish"


def drain(bot, seconds: float) -> None:
    for _ in range(int(seconds / 0.1)):
        bot.sender.tick()
        bot.fake_clock.advance(0.1)


def test_the_bot_sends_a_channels_lines_only_after_its_join_is_confirmed(irc_bot) -> None:
    server_says(irc_bot, ":irc.test 001 sbot :Welcome")
    irc_bot.say("#dev", "queued before the join", sender="alice")
    drain(irc_bot, 1)
    assert irc_bot.written == ["JOIN #dev"]
    server_says(irc_bot, ":sbot!u@h JOIN #dev")
    drain(irc_bot, 1)
    # After the join the bot asks for the channel's modes (is it keyed, secret or private?), then the reply goes.
    assert irc_bot.written == ["JOIN #dev", "MODE #dev", "PRIVMSG #dev :queued before the join"]


def test_after_a_reconnect_the_join_goes_first_and_replies_follow_it(irc_bot) -> None:
    server_says(irc_bot, ":irc.test 001 sbot :Welcome", ":sbot!u@h JOIN #dev")
    drain(irc_bot, 1)
    for number in range(6):
        irc_bot.say("#dev", f"list line {number}", sender=f"nick{number}")
    drain(irc_bot, 1)
    irc_bot.connection.disconnect("Connection reset by peer.")
    before = len(irc_bot.written)
    ours, theirs = socket.socketpair()
    irc_bot.connection.connect("irc.test", 6667, "sbot", connect_factory=lambda _address: ours)
    server_says(irc_bot, ":irc.test 001 sbot :Welcome")
    drain(irc_bot, 3)
    assert irc_bot.written[before:] == ["JOIN #dev"]
    server_says(irc_bot, ":sbot!u@h JOIN #dev")
    drain(irc_bot, 10)
    again = irc_bot.written[before:]
    assert again[0] == "JOIN #dev" and len(again) > 1  # the rest of the replies, only after the JOIN
    assert [line for line in irc_bot.written if "list line" in line] == [
        f"PRIVMSG #dev :list line {n}" for n in range(6)
    ]
    theirs.close()


def test_acknowledgements_waiting_in_the_bot_are_merged(irc_bot) -> None:
    server_says(irc_bot, ":irc.test 001 sbot :Welcome", ":sbot!u@h JOIN #dev")
    drain(irc_bot, 2)
    for number in range(12):
        nick = ("alice", "bob", "carol")[number % 3]
        server_says(irc_bot, f":{nick}!{nick}@host PRIVMSG #dev :#success number {number}")
    drain(irc_bot, 20)
    acks = [line.split(" :", 1)[1] for line in irc_bot.written if "Added" in line]
    assert len(acks) < 12
    assert set(acks[-1].split(": Added successes ")[0].split(", ")) == {"alice", "bob", "carol"}
    ids = [int(word.strip("#,")) for ack in acks for word in ack.split() if word.startswith("#")]
    assert sorted(ids) == list(range(1, 13))


def test_a_ctcp_flood_does_not_delay_a_reply_in_the_bot(irc_bot) -> None:
    server_says(irc_bot, ":irc.test 001 sbot :Welcome", ":sbot!u@h JOIN #dev")
    drain(irc_bot, 2)
    for number in range(100):
        asker = f"asker{number % 3}"
        server_says(irc_bot, f":{asker}!a@host PRIVMSG sbot :\x01VERSION\x01")
    server_says(irc_bot, ":dave!d@host PRIVMSG #dev :#success despite the flood")
    drain(irc_bot, 1)
    assert "PRIVMSG #dev :dave: Added success #1" in irc_bot.written
    drain(irc_bot, 30)
    assert sum("VERSION" in line for line in irc_bot.written) <= 6
    assert irc_bot.outbound.ctcp_dropped >= 94


def test_quitting_writes_the_quit_first_then_hands_back_what_was_queued(irc_bot) -> None:
    server_says(irc_bot, ":irc.test 001 sbot :Welcome")
    on_the_wire: list[bytes] = []
    reasons: list[str] = []

    def handed_back(reason: str) -> None:
        on_the_wire.append(irc_bot.server_side.recv(65536))
        reasons.append(reason)

    irc_bot.post("#dev", "PTL nominations are open", False, Delivered(lambda: None, handed_back))
    irc_bot.stop("SIGTERM")
    irc_bot._begin_quit()
    assert reasons == ["shutdown"]
    assert b"QUIT :" in on_the_wire[0]


# --- invariants under any mix of operations ----------------------------------------------------------

operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("put"), st.sampled_from(list(Priority)), st.sampled_from(["alice", "bob", "carol", "#dev"]),
            st.sampled_from(["#dev", "#ops", "alice", None]), st.integers(1, 3), st.booleans(),
        ),
        st.tuples(st.just("pump")),
        st.tuples(st.just("advance"), st.sampled_from([0.05, 1.0, 30.0, 130.0])),
        st.tuples(st.just("toggle"), st.sampled_from(["#dev", "#ops"])),
        st.tuples(st.just("disconnect")),
    ),
    max_size=80,
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(ops=operations)
def test_every_item_gets_exactly_one_receipt_and_each_senders_order_holds(ops) -> None:
    clock, queue, sender, sent, gate = fair_setup("#dev", "#ops", burst=2, rate=1.0)
    receipts, order, number = Receipts(), {}, itertools.count()
    for op in ops:
        if op[0] == "put":
            _, priority, who, target, size, is_ack = op
            name = str(next(number))
            destination = target or "#dev"
            if is_ack and size == 1 and destination.startswith("#") and priority is Priority.REPLY:
                ack = Acknowledgement(int(name), who)
                lines = [f"PRIVMSG {destination} :{acknowledgement_text([ack])}"]
                options = {"ack": ack}
            else:
                lines = [f"PRIVMSG {destination} :{name}.{k}" for k in range(size)]
                options = {}
            if target is None and priority is Priority.PROTOCOL:
                lines = [f"NICK n{name}"]
            queue.put_many(lines, priority, sender=who, **receipts.of(name), **options)
            order.setdefault((priority, who, destination), []).append(name)
        elif op[0] == "pump":
            sender.pump()
        elif op[0] == "advance":
            clock.advance(op[1])
        elif op[0] == "toggle":
            gate.joined ^= {op[1]}
        else:
            queue.disconnected()
    gate.joined |= {"#dev", "#ops"}
    run_until_empty(clock, sender)
    assert len(queue) == 0
    outcomes: dict[str, list[str]] = {}
    for name, outcome in receipts.events:
        outcomes.setdefault(name, []).append(outcome)
    assert sorted(outcomes, key=int) == [str(n) for n in range(len(outcomes))]
    assert all(len(outcome) == 1 for outcome in outcomes.values()), outcomes
    written_order = [name for name, outcome in receipts.events if outcome == "written"]
    for names in order.values():
        delivered = [name for name in names if outcomes[name] == ["written"]]
        assert sorted(delivered, key=written_order.index) == delivered
    for line in texts(sent):  # each line that went is whole and appears once (an ack inside a merged line)
        assert texts(sent).count(line) == 1 or line.startswith("NICK")


def test_an_announcement_through_the_bot_is_reported_written_only_once_on_the_socket(irc_bot) -> None:
    server_says(irc_bot, ":irc.test 001 sbot :Welcome")
    receipts = Receipts()
    irc_bot.post("#dev", "PTL nominations are open", False, receipts.delivery("ptl"))
    irc_bot.post("#dev", "TC nominations close soon", False, receipts.delivery("tc", expires_in=5))
    drain(irc_bot, 6)
    assert receipts.events == [("tc", EXPIRED)]  # not in #dev yet: waited, then too late
    server_says(irc_bot, ":sbot!u@h JOIN #dev")
    drain(irc_bot, 1)
    assert receipts.events[1:] == [("ptl", "written")]
    assert irc_bot.written[-1] == "PRIVMSG #dev :PTL nominations are open"


def test_the_announcer_reads_where_the_bot_is_and_its_network_from_snapshots(irc_bot) -> None:
    assert not irc_bot.can_post("#dev") and irc_bot.network == "irc.test"
    server_says(irc_bot, ":irc.test 001 sbot :Welcome", ":irc.test 005 sbot NETWORK=TestNet :are supported")
    assert irc_bot.network == "TestNet" and not irc_bot.can_post("#dev")
    server_says(irc_bot, ":sbot!u@h JOIN #dev")
    assert irc_bot.can_post("#DEV") and irc_bot.channels.present == {"#dev"}
    server_says(irc_bot, ":sbot!u@h PART #dev :bye")
    assert not irc_bot.can_post("#dev")
    server_says(irc_bot, ":sbot!u@h JOIN #dev")
    irc_bot.connection.disconnect("Connection reset by peer.")
    assert not irc_bot.can_post("#dev") and irc_bot.channels.present == frozenset()


def test_a_line_a_channel_refuses_is_one_warning(irc_bot, caplog) -> None:
    with caplog.at_level(logging.WARNING):
        server_says(irc_bot, ":irc.test 404 sbot #dev :You cannot send external messages to this channel")
    assert [record.getMessage() for record in caplog.records] == [
        "cannot send to #dev: You cannot send external messages to this channel"
    ]


def test_an_acknowledgement_that_says_its_text_was_cut_is_never_merged_away() -> None:
    clock, queue, sender, sent, _ = fair_setup("#dev", burst=1, rate=1.0)
    put_ack(queue, "#dev", "alice", 11)
    sender.pump()
    cut = Acknowledgement(12, "bob", cut_at=400)
    queue.put(f"PRIVMSG #dev :{acknowledgement_text([cut])}", Priority.REPLY, sender="bob", ack=cut)
    put_ack(queue, "#dev", "carol", 13)
    run_until_empty(clock, sender)
    assert "PRIVMSG #dev :bob: Added success #12 (cut at 400 characters)" in texts(sent)


def test_thanks_and_successes_waiting_together_are_acknowledged_on_lines_of_their_own() -> None:
    clock, queue, sender, sent, _ = fair_setup("#dev", burst=1, rate=1.0)
    put_ack(queue, "#dev", "alice", 11)
    sender.pump()
    for number, nick, kind in ((12, "alice", "success"), (13, "bob", "thanks"), (14, "carol", "thanks")):
        ack = Acknowledgement(number, nick, kind=kind)
        queue.put(f"PRIVMSG #dev :{acknowledgement_text([ack])}", sender=nick, ack=ack)
    run_until_empty(clock, sender)
    assert texts(sent) == [
        "PRIVMSG #dev :alice: Added success #11",
        "PRIVMSG #dev :alice: Added success #12",
        "PRIVMSG #dev :bob, carol: Added thanks #13, #14",
    ]


def test_replies_queued_while_the_loop_has_not_woken_yet_cost_one_wake_up(irc_bot) -> None:
    import select

    from successbot.core.messages import Message, Reply

    def waiting_bytes() -> int:
        readable, _, _ = select.select([irc_bot._wake_reader], [], [], 0)
        return len(irc_bot._wake_reader.recv(4096, socket.MSG_PEEK)) if readable else 0

    asker = Message(text="!successes", nick="alice", channel="#dev", network="TestNet")
    for number in range(3):  # three workers answering before the loop looked
        irc_bot._deliver(asker, [Reply("#dev", f"line {number}")])
        irc_bot.conversations.delivered()
    assert waiting_bytes() == 1
    irc_bot._process_input(0)  # the loop wakes, and will look at the queue
    assert waiting_bytes() == 0 and len(irc_bot.outbound) == 3
    irc_bot._deliver(asker, [Reply("#dev", "after it looked")])
    irc_bot.conversations.delivered()
    assert waiting_bytes() == 1  # a reply queued after the loop woke wakes it again
