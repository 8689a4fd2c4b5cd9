"""The runtime through the real network: the connection's thread only does I/O, so slow work delays nobody else."""

from __future__ import annotations

import http.server
import itertools
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_irc_bot import acknowledged

pytestmark = pytest.mark.irc

SCHEDULE = Path(__file__).resolve().parents[1] / "data" / "openstack" / "releases" / "indri" / "schedule.yaml"
_channels = itertools.count(1)


def fresh_channel() -> str:
    return f"#runtime{next(_channels)}"


def from_bot(nick: str):
    return lambda m: m.command == "PRIVMSG" and m.nick == nick


class SlowSource:
    """A schedule URL on loopback that answers only after the test lets it: a mirror having a bad day."""

    def __init__(self, body: bytes) -> None:
        self.release = threading.Event()
        self.asked = threading.Event()
        slow = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                slow.asked.set()
                slow.release.wait(60)
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/indri/schedule.yaml"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()


@pytest.fixture
def slow_source() -> Iterator[SlowSource]:
    source = SlowSource(SCHEDULE.read_bytes())
    yield source
    source.close()


def test_a_slow_schedule_reload_delays_no_one_else(irc_network, accounts, start_bot, slow_source):
    admin_channel, other_channel = fresh_channel(), fresh_channel()
    slow_source.release.set()  # the start-up refresh goes through at once
    start_bot(
        irc_network,
        nick="sbotslow",
        channels=f"{admin_channel}, {other_channel}",
        admins="alice",
        sections={"schedule": {"sources": slow_source.url, "refresh": "1d"}},
    )
    alice = irc_network.connect("alice", sasl=("alice", "alicepw"))
    alice.join(admin_channel)
    bob = irc_network.connect("bob")
    bob.join(other_channel)
    slow_source.release.clear()
    slow_source.asked.clear()
    alice.say(admin_channel, "!schedule reload")
    assert slow_source.asked.wait(10), "the reload never asked the source"
    answered = []
    for _ in range(3):
        started = time.monotonic()
        bob.say(other_channel, "!help")
        bob.wait_for(from_bot("sbotslow"), timeout=10, what="!help answered during the reload")
        answered.append(time.monotonic() - started)
        alice.say(admin_channel, "#success said while my reload waits")  # queued behind alice's own reload
    assert max(answered) < 2.0, answered  # usually a few ms; the reload has 60 s to go
    slow_source.release.set()
    reload = alice.wait_for(from_bot("sbotslow"), timeout=15).text
    assert reload.startswith("alice: Reloaded 1 sources:")  # alice's own replies keep her order
    ids: list[int] = []
    while len(ids) < 3:  # the three acknowledgements, merged into fewer lines when they wait together
        nicks, numbers = acknowledged(alice.wait_for(from_bot("sbotslow"), timeout=15).text)
        assert nicks == ["alice"]
        ids += numbers
    assert ids == [1, 2, 3]
