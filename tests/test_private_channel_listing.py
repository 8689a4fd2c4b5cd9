"""!successes and a keyed, secret or private channel: its successes stay in it.

The core is driven as the IRC adapter drives it, with a fake of what the
adapter sees (``ChannelFacts``) and the real SQL store of what the bot
recorded of channels' privacy.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pytest

from harness import EXAMPLE_TIME, make_core
from successbot.core.clock import FixedClock
from successbot.core.dispatch import Core
from successbot.core.messages import Message
from successbot.core.privacy import channel_key
from successbot.storage.channel_privacy import SqlChannelPrivacyStore

SECRET_TEXT = "rotated the signing keys"


@dataclass
class FakeChannels:
    """What the IRC adapter would say: channels' privacy (None: not known) and who is in them."""

    private: dict[str, bool | None] = field(default_factory=dict)
    members: dict[str, set[str]] = field(default_factory=dict)

    def is_private(self, channel: str) -> bool | None:
        return self.private.get(channel_key(channel))

    def is_member(self, nick: str, channel: str) -> bool:
        return nick.lower() in self.members.get(channel_key(channel), set())


@pytest.fixture
def facts() -> FakeChannels:
    return FakeChannels(private={"#secret": True, "#dev": False}, members={"#secret": {"alice"}, "#dev": {"bob"}})


@pytest.fixture
def privacy(engine) -> SqlChannelPrivacyStore:
    return SqlChannelPrivacyStore(engine)


@pytest.fixture
def core(store, facts, privacy) -> Core:
    core = make_core(store, admins=("root",))
    core.services = replace(core.services, channel_facts=facts, channel_privacy=privacy)
    return core


def say(core: Core, text: str, nick: str = "mallory", channel: str | None = None, account: str | None = None):
    message = Message(text, nick, channel=channel, account=account, userhost=f"{nick}@example.org", network="TestNet")
    return [reply.text for reply in core.handle(message, FixedClock(EXAMPLE_TIME).now())]


@pytest.fixture
def recorded(core) -> Core:
    assert say(core, f"#success {SECRET_TEXT}", nick="alice", channel="#secret") == ["alice: Added success #1"]
    assert say(core, "#success fixed the gate", nick="bob", channel="#dev") == ["bob: Added success #2"]
    return core


REFUSAL = "#secret keeps its successes to itself: I list them only to people in it now (or to admins)."


def test_an_outsider_asking_in_private_is_refused_without_the_text(recorded):
    assert say(recorded, "!successes 3 #secret") == [REFUSAL]


def test_the_refusal_is_the_same_whether_the_channel_has_successes_or_not(core):
    assert say(core, "!successes 3 #secret") == [REFUSAL]


def test_a_member_asking_in_private_gets_the_list(recorded):
    (line,) = say(recorded, "!successes 3 #secret", nick="alice")
    assert line.endswith(f"alice: {SECRET_TEXT}")


def test_an_admin_by_account_gets_the_list_and_a_nick_alone_does_not(recorded):
    assert say(recorded, "!successes #secret", nick="root", account="root")[0].endswith(SECRET_TEXT)
    assert say(recorded, "!successes #secret", nick="root") == [REFUSAL]


def test_listing_in_the_private_channel_itself_works_as_before(recorded):
    (line,) = say(recorded, "!successes", nick="carol", channel="#secret")
    assert line.endswith(SECRET_TEXT)


def test_another_channel_never_reads_a_private_channels_successes_even_asked_by_a_member(recorded, facts):
    facts.members["#dev"].add("alice")
    (line,) = say(recorded, "!successes #secret", nick="alice", channel="#dev")
    assert SECRET_TEXT not in line
    assert line == (
        "alice: #secret keeps its successes to itself: ask in #secret, or in a private message while you are in it."
    )


def test_public_channels_are_listed_to_anyone_as_before(recorded):
    (line,) = say(recorded, "!successes #dev")
    assert line.endswith("bob: fixed the gate")


def test_a_private_message_without_a_channel_lists_nothing(recorded):
    assert say(recorded, "!successes 10") == ["Which channel? Usage: !successes [N] [#CHANNEL]"]


def test_the_weeks_count_leaves_private_channels_out_except_in_the_channel_itself(recorded):
    assert say(recorded, "!successes week") == ["1 success so far in 2016-W11"]
    assert say(recorded, "!successes week", nick="bob", channel="#dev") == [
        "bob: 1 success so far in 2016-W11, 1 of them in #dev"
    ]
    assert say(recorded, "!successes week", nick="alice", channel="#secret") == [
        "alice: 2 successes so far in 2016-W11, 1 of them in #secret"
    ]


def test_when_the_adapter_cannot_tell_what_the_bot_stored_decides(recorded, facts, privacy):
    facts.private["#secret"] = None  # the bot is not in #secret now (kicked, or a console)
    facts.members.clear()
    assert say(recorded, "!successes #secret", nick="alice")[0].endswith(SECRET_TEXT)  # nothing stored: public
    privacy.record("TestNet", "#Secret", True, EXAMPLE_TIME)
    assert say(recorded, "!successes #secret", nick="alice") == [REFUSAL]
    privacy.record("TestNet", "#secret", False, EXAMPLE_TIME)
    assert say(recorded, "!successes #secret", nick="alice")[0].endswith(SECRET_TEXT)


def test_what_the_adapter_sees_now_wins_over_what_was_stored(recorded, facts, privacy):
    privacy.record("TestNet", "#dev", True, EXAMPLE_TIME)  # it was private once; now the bot sees -s
    assert say(recorded, "!successes #dev")[0].endswith("bob: fixed the gate")
    facts.private["#dev"] = True  # and back to +s: the outsider is refused at once, before any write
    privacy.record("TestNet", "#dev", False, EXAMPLE_TIME)
    assert say(recorded, "!successes #dev") == [REFUSAL.replace("#secret", "#dev")]


def test_a_private_channel_s_acknowledgement_links_no_public_page(store, facts, privacy):
    core = make_core(store, site_url="https://successes.example.org/")
    core.services = replace(core.services, channel_facts=facts, channel_privacy=privacy)
    (secret,) = say(core, f"#success {SECRET_TEXT}", nick="alice", channel="#secret")
    (public,) = say(core, "#success fixed the gate", nick="bob", channel="#dev")
    assert secret == "alice: Added success #1"
    assert public.startswith("bob: Added success #2") and "https://successes.example.org/" in public


class SteppingClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def reads_of_privacy(engine, action) -> int:
    """How many statements read the channel_privacy table while ``action`` ran."""
    from sqlalchemy import event

    seen: list[str] = []

    def note(_connection, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "channel_privacy" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return len(seen)


def test_the_private_channels_are_read_once_and_again_only_after_a_record(engine):
    from datetime import UTC, datetime

    at = datetime(2016, 3, 14, tzinfo=UTC)
    privacy = SqlChannelPrivacyStore(engine, clock=SteppingClock())
    privacy.record("TestNet", "#secret", True, at)
    assert reads_of_privacy(engine, lambda: [privacy.private_channels() for _ in range(50)]) == 1
    assert privacy.private_channels() == {"#secret"}
    privacy.record("TestNet", "#Secret", True, at)  # the same channel, spelled anew: its privacy unchanged
    assert privacy.private_channels() == {"#Secret"}
    privacy.record("TestNet", "#secret", False, at)
    assert privacy.private_channels() == frozenset()


def test_what_another_instance_records_is_seen_once_the_kept_answer_is_old(engine):
    from datetime import UTC, datetime

    from successbot.storage.channel_privacy import FRESH_FOR

    clock = SteppingClock()
    here, elsewhere = SqlChannelPrivacyStore(engine, clock=clock), SqlChannelPrivacyStore(engine, clock=clock)
    assert here.private_channels() == frozenset()
    elsewhere.record("OtherNet", "#ops", True, datetime(2016, 3, 14, tzinfo=UTC))
    clock.now += FRESH_FOR - 1
    assert here.private_channels() == frozenset()  # kept
    clock.now += 1
    assert here.private_channels() == {"#ops"}


def test_a_private_channel_stays_private_to_commands_while_its_answer_is_kept(core, privacy, engine, facts):
    from datetime import UTC, datetime

    facts.private.pop("#secret")  # the bot is not in it now: what it recorded decides
    privacy.record("TestNet", "#secret", True, datetime(2016, 3, 14, tzinfo=UTC))
    reads = reads_of_privacy(
        engine, lambda: [say(core, "!successes #secret", channel="#dev", nick="bob") for _ in range(20)]
    )
    assert reads == 1  # one read for twenty commands
    assert all("keeps its successes to itself" in reply for reply in say(core, "!successes #secret", channel="#dev"))
