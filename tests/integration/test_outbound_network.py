"""The outbound queue through a real InspIRCd: CTCP floods, reconnects and piles of acknowledgements.

The point is what the bot sends first when it cannot send everything at
once. The CTCP flood and the fifty acknowledgements keep its default flood
pace (4 lines at once, then one per 1.1 s), which is what the servers'
limits are measured against; the reconnect test paces it at 2 lines a
second, which still leaves most of its lines queued when the link breaks.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
from test_irc_bot import acknowledged, fresh_channel
from wiretap import Wiretap

pytestmark = pytest.mark.irc

CTCP_REQUESTS = 100
ASKERS = 3
EVERYTHING = (datetime(2000, 1, 1).astimezone(), datetime(2100, 1, 1).astimezone())


def ask_ctcp(client, count: int, burst: int) -> None:
    """``count`` CTCP requests to the bot: ``burst`` at once, then one a second (the server's own pace)."""
    queries = [("\x01VERSION\x01" if n % 2 else f"\x01PING {n}\x01") for n in range(count)]
    client.send_burst(f"PRIVMSG sbot :{query}" for query in queries[:burst])
    for query in queries[burst:]:
        time.sleep(1.0)
        client.say("sbot", query)


def ack_latency(speaker, channel: str, text: str, timeout: float = 20.0) -> float:
    said = time.monotonic()
    speaker.say(channel, f"#success {text}")
    reply = speaker.wait_for(
        lambda m: m.command == "PRIVMSG" and m.nick == "sbot" and (acknowledged(m.text) or ([],))[0] == [speaker.nick],
        timeout=timeout,
        what="the acknowledgement",
    )
    return reply.received - said


@pytest.mark.parametrize("profile", ["fakelag_network", "kill_network"])
def test_a_ctcp_flood_from_three_clients_does_not_delay_an_acknowledgement(profile, request, start_bot):
    # Each asker stays within what the profile lets a client send (a burst of 12,
    # then a line a second), so the server delivers all 100 requests to the bot.
    network = request.getfixturevalue(profile)
    channel = fresh_channel()
    bot = start_bot(network, channels=channel, auth="none", wait=False)
    *askers, speaker = network.connect_many(*({"nick": f"asker{n}"} for n in range(ASKERS)), {"nick": "speaker"})
    bot.wait_joined()
    speaker.join(channel)
    per_asker = [CTCP_REQUESTS // ASKERS + (n < CTCP_REQUESTS % ASKERS) for n in range(ASKERS)]
    threads = [
        threading.Thread(target=ask_ctcp, args=(client, count, 12), daemon=True)
        for client, count in zip(askers, per_asker, strict=True)
    ]
    for thread in threads:
        thread.start()
    time.sleep(1.0)  # the bursts have arrived: 36 requests for the bot to answer
    latencies = [ack_latency(speaker, channel, "during the CTCP burst")]
    time.sleep(5.0)
    latencies.append(ack_latency(speaker, channel, "while the CTCP requests keep coming"))
    for thread in threads:
        thread.join(timeout=60)
    print(f"acknowledgements during the CTCP flood took {[round(t, 2) for t in latencies]}s")
    assert max(latencies) < 5.0, f"acknowledgements took {latencies}"

    bot.wait_for_log(r"dropped \d+ CTCP answers to \d askers", timeout=40)  # once the flood is over
    with ThreadPoolExecutor(max_workers=ASKERS) as pool:  # each asker reads for a second, all at once
        heard = list(pool.map(lambda client: client.collect(1.0), askers))
    answers = sum(message.command == "NOTICE" and message.nick == "sbot" for messages in heard for message in messages)
    dropped = sum(int(n) for n in re.findall(r"dropped (\d+) CTCP answers", bot.log()))
    print(f"{answers} CTCP answers sent, {dropped} dropped")
    assert 1 <= answers <= 12, f"{answers} CTCP answers: the small rate was not kept"
    assert answers + dropped == CTCP_REQUESTS  # every request answered or counted as dropped
    log = bot.log()
    assert "disconnected" not in log and "Excess Flood" not in log and "RecvQ" not in log
    assert bot.process.poll() is None
    assert all(client.closed_reason is None for client in (*askers, speaker))


def test_after_a_reconnect_no_line_for_a_channel_goes_before_its_join(irc_network, start_bot):
    channel = fresh_channel()
    burst, rate = 4, 2.0  # lines at once, then lines per second
    tap = Wiretap(irc_network.port)

    def listed() -> list[str]:
        lines = [line for session in tap.sessions for line in session.sent_lines()]
        return [line for line in lines if re.match(rf"PRIVMSG {channel} :#\d ", line)]

    try:
        bot = start_bot(tap, channels=channel, auth="none", flood_burst=str(burst), flood_rate=f"{rate:g}", wait=False)
        readers = irc_network.connect_many(*({"nick": f"reader{n}"} for n in range(3)))  # while the bot starts
        bot.wait_joined()
        for client in readers:
            client.join(channel)
        readers[0].send_burst(f"PRIVMSG {channel} :#success entry {n}" for n in range(5))
        acked: list[int] = []
        while len(acked) < 5:
            named = acknowledged(readers[1].wait_for(lambda m: m.nick == "sbot", what="acknowledgements").text)
            acked += named[1] if named else []
        time.sleep(burst / rate + 0.5)  # the bot's flood budget is back

        # Fifteen listing lines, at one line per 0.5 s once the burst is spent: the link
        # breaks with most of them queued.
        for client in readers:
            client.say(channel, "!successes 5")
        time.sleep(1.5)
        before = len(bot.log())
        tap.cut()
        bot.wait_joined(channel, after=before)
        again = tap.wait_for_sessions(2)
        deadline = time.monotonic() + 30
        while len(listed()) < 15 and time.monotonic() < deadline:  # the rest of the listings, at the pace
            time.sleep(0.1)
        time.sleep(4 / rate)  # four more lines' worth of the pace: none comes twice
    finally:
        tap.close()

    first, second = tap.sessions[0].sent_lines(), again.sent_lines()
    join = next(n for n, line in enumerate(second) if line.startswith(f"JOIN {channel}"))
    for_channel = [n for n, line in enumerate(second) if f" {channel} " in f"{line} " and not line.startswith("JOIN")]
    assert for_channel, "no reply queued before the cut was posted after it"
    assert min(for_channel) > join
    # The JOIN went out as soon as the bot was registered, not behind the queued replies.
    assert [line.split()[0] for line in second[: join + 1]].count("PRIVMSG") == 0
    assert not [line for _, line in again.received if " 404 " in line], "the server refused a line"
    listings = [line for line in first + second if re.match(rf"PRIVMSG {channel} :#\d ", line)]
    # Three listings of the same five: each line posted three times in all, none lost in the queue, none repeated.
    assert Counter(listings) == dict.fromkeys(set(listings), 3) and len(set(listings)) == 5
    assert "connection lost: " in bot.log() and "kept for after the rejoin" in bot.log()


def test_fifty_successes_said_at_once_get_merged_acknowledgements(irc_network, start_bot):
    channel = fresh_channel()
    bot = start_bot(irc_network, channels=channel, auth="none", wait=False)
    clients = irc_network.connect_many(*({"nick": f"merge{n}"} for n in range(5)))  # while the bot starts
    bot.wait_joined()
    for client in clients:
        client.join(channel)
    observer = clients[0]
    started = time.monotonic()
    for number, client in enumerate(clients):
        client.send_burst(f"PRIVMSG {channel} :#success merged {number}-{k}" for k in range(10))
    lines: list[tuple[list[str], list[int]]] = []
    deadline = time.monotonic() + 60
    while sum(len(ids) for _, ids in lines) < 50 and time.monotonic() < deadline:
        message = observer.wait_for(lambda m: m.command == "PRIVMSG" and m.nick == "sbot", timeout=30)
        named = acknowledged(message.text)
        assert named is not None, message.text
        assert len(message.raw.split(" ", 1)[1].encode()) + 2 <= 512
        lines.append(named)
    took = time.monotonic() - started
    ids = [number for _, numbers in lines for number in numbers]
    assert sorted(ids) == list(range(1, 51)), "each success acknowledged exactly once"
    assert len(lines) < 50
    stored = {success.id: success.nick for success in bot.store().between(*EVERYTHING)}
    for nicks, numbers in lines:  # a merged line names exactly the nicks whose successes it lists
        assert set(nicks) == {stored[number] for number in numbers}
    print(f"50 successes acknowledged in {len(lines)} lines, the last {took:.1f}s after they were said")
    assert took < 20
