"""The channel states and the liveness check of the IRC connection, without a server."""

from __future__ import annotations

import threading

from successbot.adapters.irc.channels import Channels
from successbot.adapters.irc.liveness import Liveness, Verdict
from successbot.config import ChannelSetting


def channels(*names: str) -> Channels:
    return Channels([ChannelSetting(name, "sekrit" if name == "#keyed" else None) for name in names], str.lower)


def test_the_channels_to_join_are_those_not_joined_and_not_given_up():
    known = channels("#dev", "#ops", "#keyed")
    assert [state.join_line for state in known.to_join()] == ["JOIN #dev", "JOIN #ops", "JOIN #keyed sekrit"]
    known.joined("#DEV")
    known.refused("#ops", "banned")
    assert [state.setting.name for state in known.to_join()] == ["#keyed"]


def test_joined_says_when_every_channel_is_joined_or_given_up():
    known = channels("#dev", "#ops")
    assert known.joined("#dev") is False
    known.refused("#ops", "invite only")
    assert known.joined("#dev") is True


def test_present_is_a_snapshot_that_follows_joins_parts_and_disconnects():
    known = channels("#dev", "#ops")
    before = known.present
    known.joined("#dev")
    assert known.is_in("#Dev") and not known.is_in("#ops") and before == frozenset()
    known.joined("#ops")
    known.left("#dev")
    assert known.present == {"#ops"}
    known.disconnected()
    assert known.present == frozenset() and not known.is_in("#ops")


def test_a_channel_given_up_for_one_reason_may_be_retried_after_the_login():
    known = channels("#registered-only", "#banned")
    known.refused("#registered-only", "only for registered nicks")
    known.refused("#banned", "banned")
    known.may_retry("only for registered nicks")
    assert [state.setting.name for state in known.to_join()] == ["#registered-only"]


def test_another_thread_always_reads_a_whole_snapshot():
    known = channels(*(f"#c{number}" for number in range(50)))
    seen: list[frozenset[str]] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            seen.append(known.present)

    reader = threading.Thread(target=read)
    reader.start()
    for _ in range(20):
        for number in range(50):
            known.joined(f"#c{number}")
        known.disconnected()
    stop.set()
    reader.join()
    assert all(isinstance(snapshot, frozenset) for snapshot in seen)


def test_silence_brings_a_ping_and_an_unanswered_ping_a_reconnect():
    alive = Liveness(ping_interval=60, ping_timeout=30)
    alive.connected(0)
    assert alive.check(59) is Verdict.FINE
    assert alive.check(60) is Verdict.PING
    assert alive.check(89) is Verdict.FINE  # waiting for the answer
    assert alive.check(90) is Verdict.DEAD
    alive.connected(100)
    assert alive.check(150) is Verdict.FINE


def test_any_line_from_the_server_answers_the_ping():
    alive = Liveness(ping_interval=60, ping_timeout=30)
    alive.connected(0)
    assert alive.check(60) is Verdict.PING
    alive.heard(70)
    assert alive.check(100) is Verdict.FINE
    assert alive.check(130) is Verdict.PING
