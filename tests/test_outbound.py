"""The outbound queue and its flood limiter, on a fake clock (no sleeps)."""

from __future__ import annotations

import threading

import pytest
from irc.schedule import DefaultScheduler

from successbot.adapters.irc.outbound import (
    DEFAULT_BURST,
    DEFAULT_LINES_PER_SECOND,
    OutboundQueue,
    Sender,
    TokenBucket,
)


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
