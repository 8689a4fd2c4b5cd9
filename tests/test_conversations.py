"""Commands run off the connection's thread: one conversation in order, conversations side by side."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from successbot.adapters.conversations import Conversations
from successbot.core.messages import Message, Reply

NOW = datetime(2016, 3, 14, 10, 0, tzinfo=UTC)
WAIT = 10.0


class ScriptedCore:
    """A core whose answer to a text is decided by the test; records the thread each ran on."""

    def __init__(self, answer: Callable[[Message], list[Reply]] | None = None) -> None:
        self.answer = answer or (lambda message: [Reply(message.reply_target, f"{message.nick}: {message.text}")])
        self.threads: list[str] = []

    def handle(self, message: Message, now: datetime) -> list[Reply]:
        self.threads.append(threading.current_thread().name)
        return self.answer(message)


class Delivered:
    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.changed = threading.Condition()

    def __call__(self, _message: Message, replies: list[Reply]) -> None:
        with self.changed:
            self.replies += replies
            self.changed.notify_all()

    def wait_for(self, text: str) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: any(reply.text == text for reply in self.replies), WAIT)

    @property
    def texts(self) -> list[str]:
        return [reply.text for reply in self.replies]


@pytest.fixture
def running() -> list[Conversations]:
    started: list[Conversations] = []
    yield started
    for conversations in started:
        conversations.stop()


def start(running: list[Conversations], core: ScriptedCore, delivered: Delivered, **options: int) -> Conversations:
    conversations = Conversations(core, delivered, **options)  # type: ignore[arg-type]
    running.append(conversations)
    return conversations


def said(text: str, nick: str = "alice", channel: str | None = "#dev") -> Message:
    return Message(text=text, nick=nick, channel=channel)


def test_one_person_in_one_channel_is_answered_in_the_order_they_spoke(running):
    delivered = Delivered()
    conversations = start(running, ScriptedCore(), delivered)
    for number in range(30):
        assert conversations.submit(said(f"#success number {number}"), NOW)
    assert conversations.wait_idle(WAIT)
    assert delivered.texts == [f"alice: #success number {number}" for number in range(30)]


def test_commands_never_run_on_the_submitting_thread(running):
    core, delivered = ScriptedCore(), Delivered()
    conversations = start(running, core, delivered)
    conversations.submit(said("!help"), NOW)
    assert conversations.wait_idle(WAIT)
    assert core.threads and threading.current_thread().name not in core.threads


def test_a_slow_command_holds_up_only_its_own_conversation(running):
    release = threading.Event()

    def answer(message: Message) -> list[Reply]:
        if message.text == "!schedule reload":
            release.wait(WAIT)
        return [Reply(message.reply_target, f"done {message.text} for {message.nick}")]

    delivered = Delivered()
    conversations = start(running, ScriptedCore(answer), delivered)
    conversations.submit(said("!schedule reload", nick="admin"), NOW)
    conversations.submit(said("!deadline", nick="admin"), NOW)  # behind the reload: same person, same place
    conversations.submit(said("!help", nick="bob"), NOW)
    conversations.submit(said("!help", nick="carol", channel="#other"), NOW)
    conversations.submit(said("!help", nick="admin", channel=None), NOW)  # the admin in private is another one
    assert delivered.wait_for("done !help for bob")
    assert delivered.wait_for("done !help for carol")
    assert delivered.wait_for("done !help for admin")
    assert "done !deadline for admin" not in delivered.texts
    release.set()
    assert conversations.wait_idle(WAIT)
    assert delivered.texts.index("done !schedule reload for admin") < delivered.texts.index("done !deadline for admin")


def test_a_flooding_conversation_is_cut_at_its_backlog_and_others_still_get_in(running):
    release = threading.Event()

    def answer(message: Message) -> list[Reply]:
        if message.nick == "flooder":
            release.wait(WAIT)
        return [Reply(message.reply_target, f"{message.nick} {message.text}")]

    delivered = Delivered()
    conversations = start(running, ScriptedCore(answer), delivered, threads=2, backlog=3)
    accepted = [conversations.submit(said(f"!help {number}", nick="flooder"), NOW) for number in range(10)]
    assert conversations.submit(said("!help", nick="bob"), NOW)
    assert delivered.wait_for("bob !help")
    release.set()
    assert conversations.wait_idle(WAIT)
    # One running and three waiting were taken; the six after them were refused at once.
    assert accepted.count(True) <= 4 and accepted[-1] is False
    assert len([text for text in delivered.texts if text.startswith("flooder")]) == accepted.count(True)


def test_a_command_that_raises_still_gets_one_answer(running):
    def answer(message: Message) -> list[Reply]:
        raise RuntimeError("a bug")

    delivered = Delivered()
    conversations = start(running, ScriptedCore(answer), delivered)
    conversations.submit(said("!help"), NOW)
    assert conversations.wait_idle(WAIT)
    assert delivered.texts == ["Sorry, something went wrong; it has been logged."]


def test_stop_says_how_many_commands_were_left_unhandled(running):
    started, release = threading.Event(), threading.Event()

    def answer(message: Message) -> list[Reply]:
        started.set()
        release.wait(WAIT)
        return []

    conversations = Conversations(ScriptedCore(answer), Delivered(), threads=1)  # type: ignore[arg-type]
    for text in ("!one", "!two", "!three"):
        conversations.submit(said(text), NOW)
    assert started.wait(WAIT)
    threading.Timer(0.2, release.set).start()  # the running one finishes while stop() waits for it
    assert conversations.stop(timeout=WAIT) == 2
    assert not conversations.submit(said("!four"), NOW)


def test_after_each_delivery_the_worker_calls_delivered_holding_no_lock(running):
    events: list[str] = []
    both_done = threading.Event()
    conversations: list[Conversations] = []

    def deliver(message: Message, _replies: list[Reply]) -> None:
        events.append(f"deliver {message.text}")

    def delivered() -> None:
        conversations[0].pending()  # takes the lock: would never return if the worker still held it
        events.append("delivered")
        if len(events) == 4:
            both_done.set()

    conversations.append(Conversations(ScriptedCore(), deliver, threads=1, delivered=delivered))
    running.append(conversations[0])
    for text in ("!one", "!two"):
        conversations[0].submit(said(text), NOW)
    assert both_done.wait(WAIT)
    assert events == ["deliver !one", "delivered", "deliver !two", "delivered"]


def test_many_conversations_at_once_are_each_answered_in_order_by_a_few_threads(running):
    delivered = Delivered()
    conversations = start(running, ScriptedCore(), delivered, threads=3)
    people = [f"nick{number}" for number in range(40)]
    for turn in range(15):
        for nick in people:
            assert conversations.submit(said(f"!say {turn}", nick=nick, channel=f"#c{len(nick) % 3}"), NOW)
    assert conversations.wait_idle(WAIT * 3)
    for nick in people:
        theirs = [text for text in delivered.texts if text.startswith(f"{nick}: ")]
        assert theirs == [f"{nick}: !say {turn}" for turn in range(15)]
