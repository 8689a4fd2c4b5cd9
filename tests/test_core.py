"""The command core, driven with a fixed clock and a real (file) SQLite database; no server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from harness import EXAMPLE_TIME, Channel, make_core
from successbot.core.clock import FixedClock
from successbot.core.messages import Message
from successbot.core.ports import StorageError
from successbot.core.successes import MAX_TEXT_LENGTH


def test_success_is_recorded_with_everything_known_and_acknowledged(channel, store):
    assert channel.say("#success fixed the gate", userhost="al@host.example") == ["alice: Added success #1"]
    stored = store.get(1)
    assert stored.text == "fixed the gate"
    assert (stored.nick, stored.account, stored.userhost) == ("alice", "alice", "al@host.example")
    assert (stored.channel, stored.network) == ("#dev", "TestNet")
    assert stored.created_at == EXAMPLE_TIME


def test_success_takes_the_time_it_is_given_not_the_wall_clock(store):
    later = datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC)
    channel = Channel(make_core(store), FixedClock(later))
    channel.say("#success later")
    assert store.get(1).created_at == later


def test_success_ids_count_up_in_the_acknowledgements(channel):
    assert channel.say("#success one") == ["alice: Added success #1"]
    assert channel.say("#success two", nick="bob", account=None) == ["bob: Added success #2"]


def test_reply_goes_to_the_channel(channel):
    (reply,) = channel.replies("#success x")
    assert reply.target == "#dev"
    assert not reply.notice


@pytest.mark.parametrize("text", ["#success", "#success   ", "#success \x02\x0304,05\x0f", "#success\t"])
def test_empty_success_gets_usage_hint_and_records_nothing(channel, store, text):
    (reply,) = channel.say(text)
    assert reply.startswith("alice: Usage: #success TEXT")
    assert store.get(1) is None


@pytest.mark.parametrize("text", ["#successful release", "#successes", "I had a #success today", " x #success"])
def test_words_that_merely_contain_the_trigger_are_ignored(channel, store, text):
    assert channel.say(text) == []
    assert store.get(1) is None


def test_trigger_is_case_insensitive(channel, store):
    assert channel.say("#Success Shouting works") == ["alice: Added success #1"]
    assert store.get(1).text == "Shouting works"


def test_formatting_codes_are_stripped_and_the_rest_kept_exactly(channel, store):
    channel.say("#success  \x02bold\x02 \x0304,12red\x03 «quoted» ünïcödé 🎉  ")
    assert store.get(1).text == "bold red «quoted» ünïcödé 🎉"


def test_text_at_the_limit_is_kept_and_a_longer_one_cut_there_with_a_note(channel, store):
    assert channel.say("#success " + "é" * MAX_TEXT_LENGTH) == ["alice: Added success #1"]
    assert channel.say("#success " + "é" * (MAX_TEXT_LENGTH + 1)) == [
        f"alice: Added success #2 (cut at {MAX_TEXT_LENGTH} characters)"
    ]
    assert store.get(2).text == "é" * MAX_TEXT_LENGTH


def test_a_long_text_a_client_split_is_cut_at_a_word_end_and_the_speaker_told(channel, store):
    words = " ".join(f"word{number}" for number in range(100))  # about 590 characters, as a client's first line
    (reply,) = channel.say(f"#success {words}")
    kept = store.get(1).text
    assert reply == f"alice: Added success #1 (cut at {len(kept)} characters)"
    assert len(kept) <= MAX_TEXT_LENGTH and words.startswith(kept) and words[len(kept)] == " "


def test_success_in_a_private_message_is_refused_with_a_hint(channel, store):
    (reply,) = channel.say("#success in private", private=True)
    assert "in a channel" in reply
    assert store.get(1) is None


def test_storage_failure_acknowledges_nothing(clock):
    class BrokenStore:
        def add(self, new):
            raise StorageError("database is locked")

    channel = Channel(make_core(BrokenStore()), clock)  # type: ignore[arg-type]
    (reply,) = channel.say("#success lost?")
    assert "Added" not in reply
    assert "nothing was changed" in reply


def test_a_bug_in_a_command_gives_one_short_line_not_an_exception(clock, store, caplog):
    class ExplodingStore:
        def recent(self, channel, limit, kind="success"):
            raise RuntimeError("boom")

    channel = Channel(make_core(ExplodingStore()), clock)  # type: ignore[arg-type]
    assert channel.say("!successes") == ["alice: Sorry, that went wrong on my side; it has been logged."]
    assert "boom" in caplog.text


def test_unknown_commands_stay_silent(channel):
    assert channel.say("!weather") == []
    assert channel.say("!") == []
    assert channel.say("! successes") == []


def test_prefix_is_configurable(store, clock):
    channel = Channel(make_core(store, prefix="."), clock)
    channel.say("#success dotted")
    assert channel.say("!successes") == []
    assert channel.say(".successes") == ["#1 Mon 14 Mar 2016 10:00 UTC alice: dotted"]


def test_successes_lists_the_newest_of_this_channel_first_with_ids(channel, clock, store):
    for number in range(1, 8):
        channel.say(f"#success number {number}")
        clock.advance(timedelta(minutes=1))
    Channel(make_core(store), clock, "#other").say("#success elsewhere")
    lines = channel.say("!successes")
    assert [line.split()[0] for line in lines] == ["#7", "#6", "#5", "#4", "#3"]
    assert lines[0] == "#7 Mon 14 Mar 2016 10:06 UTC alice: number 7"


def test_successes_n_is_capped_at_ten(channel):
    for number in range(12):
        channel.say(f"#success {number}")
    assert len(channel.say("!successes 2")) == 2
    assert len(channel.say("!successes 50")) == 10


def test_successes_with_a_bad_count_gets_usage(channel):
    assert channel.say("!successes lots") == ["alice: Usage: !successes [N] [#CHANNEL]"]


def test_successes_in_private_needs_a_channel(channel):
    channel.say("#success shared")
    assert channel.say("!successes", private=True)[0].startswith("Which channel?")
    assert channel.say("!successes #dev", private=True) == ["#1 Mon 14 Mar 2016 10:00 UTC alice: shared"]


def test_empty_channel_says_so(channel):
    assert channel.say("!successes") == ["alice: No successes recorded in #dev yet. Add one with #success TEXT"]


def test_author_by_account_may_delete_even_under_another_nick(channel, store):
    channel.say("#success mine")
    assert channel.say("!success delete 1", nick="alice_away", userhost="x@y") == ["alice_away: Deleted success #1"]
    assert store.get(1).deleted_by == "alice"
    assert channel.say("!successes") == ["alice: No successes recorded in #dev yet. Add one with #success TEXT"]


def test_someone_using_the_authors_nick_without_the_account_is_refused(channel, store):
    channel.say("#success mine")
    (reply,) = channel.say("!success delete 1", account=None)
    assert reply.startswith("alice: Only the author of success #1 or an admin can delete it")
    assert "not logged in" in reply
    assert not store.get(1).is_deleted


def test_without_accounts_the_author_is_recognised_by_nick_and_userhost(channel, store):
    channel.say("#success anonymous", nick="bob", account=None, userhost="bob@a.example")
    refused = channel.say("!success delete 1", nick="bob", account=None, userhost="bob@evil.example")
    assert "Only the author" in refused[0]
    assert channel.say("!success delete 1", nick="bob", account=None, userhost="bob@a.example") == [
        "bob: Deleted success #1"
    ]


def test_admin_account_may_delete_and_undelete_anything(channel, store):
    channel.say("#success bob's", nick="bob", account="bob")
    assert channel.say("!success delete 1", nick="carol", account="root") == ["carol: Deleted success #1"]
    assert store.get(1).deleted_by == "root"
    assert channel.say("!success undelete 1", nick="carol", account="ROOT") == ["carol: Restored success #1"]
    restored = store.get(1)
    assert not restored.is_deleted and restored.deleted_by is None


def test_an_admins_nick_without_the_admins_account_gets_nothing(channel, store):
    channel.say("#success bob's", nick="bob", account="bob")
    assert "Only the author" in channel.say("!success delete 1", nick="root", account=None)[0]
    assert "Only admins" in channel.say("!success undelete 1", nick="root", account="notroot")[0]
    assert not store.get(1).is_deleted


def test_the_author_cannot_undelete(channel, store):
    channel.say("#success oops")
    channel.say("!success delete 1")
    assert channel.say("!success undelete 1")[0].startswith("alice: Only admins can undelete")
    assert store.get(1).is_deleted


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("!success delete 99", "alice: There is no success #99."),
        ("!success delete", "alice: Usage: !success delete ID"),
        ("!success delete one", "alice: Usage: !success delete ID"),
        ("!success undelete 99", "alice: There is no success #99."),
        ("!success", "alice: Usage: !success delete ID | !success undelete ID"),
        ("!success frobnicate 1", "alice: Usage: !success delete ID | !success undelete ID"),
    ],
)
def test_bad_delete_requests_get_a_clear_line(store, clock, text, expected):
    channel = Channel(make_core(store, admins=("alice",)), clock)
    assert channel.say(text) == [expected]


def test_deleting_twice_says_so(channel):
    channel.say("#success once")
    channel.say("!success delete 1")
    assert channel.say("!success delete #1") == ["alice: Success #1 is already deleted."]


def test_help_lists_every_command(channel):
    (line,) = channel.say("!help")
    for usage in ("#success TEXT", "!successes [N]", "!success delete ID", "!success undelete ID", "!help"):
        assert usage in line


@pytest.mark.parametrize("topic", ["successes", "!successes", "SUCCESSES"])
def test_help_on_one_command_gives_usage_and_an_example(channel, topic):
    (line,) = channel.say(f"!help {topic}")
    assert line.startswith("!successes [N] [#CHANNEL]: the last N successes")
    assert "Example: !successes → #1" in line


def test_help_for_a_two_word_command_family(channel):
    (line,) = channel.say("!help success")
    assert "!success delete ID" in line and "!success undelete ID" in line


def test_help_for_the_hashtag(channel):
    assert channel.say("!help #success")[0].startswith("#success TEXT: records TEXT")


def test_help_for_an_unknown_topic_says_so(channel):
    assert channel.say("!help weather") == ["I know no command 'weather'. Say !help for the list."]


def test_help_shows_the_configured_prefix(store, clock):
    channel = Channel(make_core(store, prefix="."), clock)
    assert ".successes [N]" in channel.say(".help")[0]
    assert "Example: .successes →" in channel.say(".help successes")[0]


def test_needs_account_names_the_commands_that_check_permissions(channel):
    core = channel.core
    assert core.needs_account("!success delete 3")
    assert core.needs_account("!success undelete 3")
    assert not core.needs_account("#success x")
    assert not core.needs_account("!successes")


def test_the_core_never_reads_the_clock_itself(store):
    message = Message(text="#success time travel", nick="alice", channel="#dev")
    make_core(store).handle(message, datetime(1999, 12, 31, 23, 59, tzinfo=UTC))
    assert store.get(1).created_at.year == 1999


def test_with_accounts_required_a_success_from_someone_not_logged_in_is_refused_politely(store, clock):
    channel = Channel(make_core(store, require_account_for_success=True), clock)
    (refusal,) = channel.say("#success fixed the gate", nick="bob", account=None)
    assert refusal.startswith("bob: Not recorded: this channel records successes from people logged in to services")
    assert store.get(1) is None
    assert channel.say("#success fixed the gate", nick="alice", account="alice") == ["alice: Added success #1"]


def test_with_accounts_required_the_adapter_is_told_to_look_the_account_up_for_a_success(store):
    assert make_core(store, require_account_for_success=True).needs_account("#success fixed the gate")
    assert not make_core(store).needs_account("#success fixed the gate")
    assert make_core(store).needs_account("!success undelete 1")  # admin commands always do


def test_a_channel_name_with_formatting_codes_is_not_echoed_with_them(store, clock):
    channel = Channel(make_core(store), clock, name="#\x1fdev\x02")
    (reply,) = channel.say("!successes")
    assert reply == "alice: No successes recorded in #dev yet. Add one with #success TEXT"


def test_ten_long_successes_list_as_ten_lines_that_each_fit_one_irc_line(store, clock):
    from successbot.adapters.irc.lines import prefix_budget_for, split_message

    channel = Channel(make_core(store), clock)
    for number in range(10):
        channel.say(f"#success {number} " + "é" * (MAX_TEXT_LENGTH - 2))  # 800 bytes of text each
    lines = channel.say("!successes 10")
    assert len(lines) == 10
    for line in lines:
        assert line.endswith("…")
        parts = split_message("PRIVMSG", "#dev", line, prefix_budget=prefix_budget_for("successbot"), max_parts=3)
        assert len(parts) == 1  # the adapter sends it as it is: one entry, one line


def test_only_our_commands_and_the_words_of_two_word_ones_are_for_us(channel):
    core = channel.core
    for text in ("#success fixed it", "!successes", "!success frobnicate", "!help", "#thanks bob"):
        assert core.is_for_us(text), text
    for text in ("fixed it", "!frobnicate", "#successful day", "! successes", "#dev is busy", "!"):
        assert not core.is_for_us(text), text
        assert channel.say(text) == []  # what is not for us gets no answer either
