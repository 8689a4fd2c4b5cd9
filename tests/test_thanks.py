"""#thanks NICK for WHAT: recorded, listed, deleted and published like a success, by the same rules."""

from __future__ import annotations

import json
from datetime import timedelta
from functools import partial

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from format_readers import READERS, Expectations
from harness import EXAMPLE_TIME, Channel, make_core
from successbot.core.messages import Acknowledgement, acknowledgement_text
from successbot.core.ports import StorageError
from successbot.core.privacy import HiddenChannels
from successbot.core.successes import MAX_TEXT_LENGTH, THANKS, NewSuccess, Success, parse_thanks, shown_text
from successbot.core.weeks import iso_week
from successbot.publishing.directory import Publisher, publish_quietly
from successbot.publishing.export import export_successes, period_title
from successbot.publishing.log_links import LogUrlTemplate
from successbot.publishing.renderers import RENDERERS, ExportRequest
from successbot.publishing.renderers.base import Privacy, one_line
from successbot.publishing.renderers.csv_format import neutralise
from successbot.publishing.visibility import PublicSuccesses
from test_export_formats import IRC_NICKS, TEXTS

WEEK = iso_week("2016-W11")
SITE = "https://successes.example.org/"
LOG_URL = LogUrlTemplate.parse("https://logs.example.org/{channel}/{channel}.{date}.log.html")


@pytest.fixture
def channel(store, clock) -> Channel:
    return Channel(make_core(store, admins=("root",)), clock)


# --- saying it -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "thanked", "what"),
    [
        ("bob for the review", "bob", "the review"),
        ("@bob: for the review", "bob", "the review"),
        ("bob, FOR the review", "bob", "the review"),
        ("[diablo]_ for fixing `tox`", "[diablo]_", "fixing `tox`"),
        ("to everyone at the PTG", None, "to everyone at the PTG"),
        ("the infra team for the new mirrors", None, "the infra team for the new mirrors"),
        ("bob", None, "bob"),
        ("bob for", "bob", ""),
        ("\x02bob\x02 for the \x0304review", "bob", "the review"),
    ],
)
def test_thanks_names_the_nick_before_for_or_nobody(said, thanked, what):
    assert parse_thanks(said) == (thanked, what)


def test_thanks_is_recorded_with_everything_a_success_has_and_acknowledged(channel, store, clock):
    assert channel.say("#thanks bob for the review", account="alice") == ["alice: Added thanks #1"]
    (thanks,) = store.between(WEEK.start, WEEK.end, kind=THANKS)
    assert (thanks.kind, thanks.thanked, thanks.text, thanks.nick, thanks.account) == (
        THANKS,
        "bob",
        "the review",
        "alice",
        "alice",
    )
    assert (thanks.channel, thanks.network, thanks.userhost, thanks.created_at) == (
        "#dev",
        "TestNet",
        "alice@example.org",
        clock.now(),
    )


def test_the_acknowledgement_is_marked_as_a_thanks_for_the_adapter(channel):
    (reply,) = channel.replies("#THANKS bob for the review")
    assert reply.acknowledges == Acknowledgement(1, "alice", None, None, THANKS)


def test_a_thanks_to_nobody_in_particular_reads_as_said(channel, store):
    channel.say("#thanks to everyone who came to the PTG")
    assert channel.say("!thanks") == ["#1 Mon 14 Mar 2016 10:00 UTC alice: thanks to everyone who came to the PTG"]
    (thanks,) = store.between(WEEK.start, WEEK.end, kind=THANKS)
    assert thanks.thanked is None


@pytest.mark.parametrize("text", ["#thanks", "#thanks   ", "#thanks \x02\x0f", "#thanks bob for \x02 \x02"])
def test_an_empty_thanks_gets_the_usage_and_records_nothing(channel, store, text):
    (reply,) = channel.say(text)
    assert reply == "alice: Usage: #thanks NICK for WHAT (or #thanks WHAT), e.g. #thanks bob for the review"
    assert store.latest(5, kind=None) == []


def test_a_long_thanks_is_cut_at_the_success_limit_and_the_speaker_told(channel, store):
    (reply,) = channel.say("#thanks bob for " + "x" * (MAX_TEXT_LENGTH + 50))
    assert reply == f"alice: Added thanks #1 (cut at {MAX_TEXT_LENGTH} characters)"
    assert store.get(1).text == "x" * MAX_TEXT_LENGTH


def test_a_thanks_in_a_private_message_is_refused_with_a_hint(channel, store):
    assert channel.say("#thanks bob for the review", private=True) == [
        "#thanks works in a channel, so the thanks has a home; say it there."
    ]
    assert store.latest(5, kind=None) == []


def test_with_accounts_required_a_thanks_from_someone_not_logged_in_is_refused(store, clock):
    core = make_core(store, require_account_for_success=True)
    channel = Channel(core, clock)
    (reply,) = channel.say("#thanks bob for the review", account=None)
    assert reply.startswith("alice: Not recorded: this channel records thanks from people logged in to services only")
    assert store.latest(5, kind=None) == []
    assert core.needs_account("#thanks bob for the review")  # the adapter looks the account up first
    assert channel.say("#thanks bob for the review") == ["alice: Added thanks #1"]


def test_a_storage_failure_acknowledges_no_thanks(clock):
    class BrokenStore:
        def add(self, new):
            raise StorageError("database is locked")

    (reply,) = Channel(make_core(BrokenStore()), clock).say("#thanks bob for the review")  # type: ignore[arg-type]
    assert "Added" not in reply and "nothing was changed" in reply


def test_each_committed_thanks_is_passed_on_for_the_pages(store, clock):
    changed = []
    Channel(make_core(store, on_change=changed.append), clock).say("#thanks bob for the review")
    assert [(record.id, record.kind) for record in changed] == [(1, THANKS)]


# --- listing ---------------------------------------------------------------------------------------


def test_thanks_lists_the_newest_of_this_channel_first_and_never_the_successes(channel, clock):
    channel.say("#success fixed the gate")
    channel.say("#thanks bob for the review")
    clock.advance(timedelta(minutes=1))
    channel.say("#thanks carol for the docs", nick="dave", account="dave")
    Channel(channel.core, clock, "#ops").say("#thanks eve for the pager")
    assert channel.say("!thanks") == [
        "#3 Mon 14 Mar 2016 10:01 UTC dave: thanks carol for the docs",
        "#2 Mon 14 Mar 2016 10:00 UTC alice: thanks bob for the review",
    ]
    assert channel.say("!thanks 1") == ["#3 Mon 14 Mar 2016 10:01 UTC dave: thanks carol for the docs"]
    assert channel.say("!thanks #ops") == ["#4 Mon 14 Mar 2016 10:01 UTC alice: thanks eve for the pager"]
    assert channel.say("!successes") == ["#1 Mon 14 Mar 2016 10:00 UTC alice: fixed the gate"]
    assert channel.say("!successes week") == ["alice: 1 success so far in 2016-W11, 1 of them in #dev"]


def test_thanks_listing_says_so_when_there_are_none_and_takes_the_usage(channel):
    assert channel.say("!thanks") == ["alice: No thanks recorded in #dev yet. Add one with #thanks NICK for WHAT"]
    assert channel.say("!thanks lots") == ["alice: Usage: !thanks [N] [#CHANNEL]"]
    assert channel.say("!thanks", private=True) == ["Which channel? Usage: !thanks [N] [#CHANNEL]"]


def test_a_private_channels_thanks_are_listed_only_as_its_successes_are(store, clock):
    class Facts:
        def is_private(self, name):
            return name == "#secret"

        def is_member(self, nick, name):
            return nick == "alice"

    core = make_core(store)
    core.services = type(core.services)(**{**core.services.__dict__, "channel_facts": Facts()})
    Channel(core, clock, "#secret").say("#thanks bob for the key")
    refusal = "#secret keeps its thanks to itself: ask in #secret, or in a private message while you are in it."
    assert Channel(core, clock, "#dev").say("!thanks #secret") == [f"alice: {refusal}"]
    assert Channel(core, clock).say("!thanks #secret", nick="mallory", account=None, private=True) == [
        "#secret keeps its thanks to itself: I list them only to people in it now (or to admins)."
    ]
    (line,) = Channel(core, clock).say("!thanks #secret", private=True)
    assert line.endswith("alice: thanks bob for the key")


# --- deleting --------------------------------------------------------------------------------------


def test_the_author_or_an_admin_deletes_a_thanks_and_only_an_admin_restores_it(channel, store):
    channel.say("#thanks bob for the review")
    assert channel.say("!thanks delete 1", nick="bob", account="bob") == [
        "bob: Only the author of thanks #1 or an admin can delete it."
    ]
    assert channel.say("!thanks delete 1", nick="alice2") == ["alice2: Deleted thanks #1"]  # same account
    assert store.get(1).deleted_by == "alice" and channel.say("!thanks")[0].startswith("alice: No thanks")
    assert channel.say("!thanks delete 1") == ["alice: Thanks #1 is already deleted."]
    assert channel.say("!thanks undelete 1") == ["alice: Only admins can undelete thanks."]
    assert channel.say("!thanks undelete 1", nick="root", account="root") == ["root: Restored thanks #1"]
    assert channel.say("!thanks delete 1", nick="root", account="root") == ["root: Deleted thanks #1"]


def test_one_id_sequence_so_a_success_command_points_to_the_thanks_command(channel):
    channel.say("#success fixed the gate")
    channel.say("#thanks bob for the review")
    assert channel.say("!success delete 2") == ["alice: #2 is a thanks, not a success: say !thanks delete 2"]
    assert channel.say("!thanks delete 1") == ["alice: #1 is a success, not a thanks: say !success delete 1"]
    assert channel.say("!thanks delete 3") == ["alice: There is no thanks #3."]
    assert channel.say("!thanks delete") == ["alice: Usage: !thanks delete ID"]


def test_acknowledgements_of_two_kinds_are_never_worded_as_one():
    with pytest.raises(ValueError, match="apart"):
        acknowledgement_text([Acknowledgement(1, "alice"), Acknowledgement(2, "bob", kind=THANKS)])
    both = [Acknowledgement(1, "alice", kind=THANKS), Acknowledgement(2, "bob", kind=THANKS)]
    assert acknowledgement_text(both) == "alice, bob: Added thanks #1, #2"


# --- help ------------------------------------------------------------------------------------------


def test_help_covers_the_hashtag_and_the_thanks_commands(channel):
    (listing,) = channel.say("!help")
    assert "#thanks [NICK for] WHAT" in listing and "!thanks [N] [#CHANNEL]" in listing
    assert "!thanks delete ID" in listing and "!thanks undelete ID" in listing
    (line,) = channel.say("!help thanks")
    assert line.startswith("!thanks [N] [#CHANNEL]: the last N thanks of this channel")
    assert "Also the hashtag #thanks [NICK for] WHAT, !thanks delete ID, !thanks undelete ID." in line
    (line,) = channel.say("!help #thanks")
    assert line.startswith("#thanks [NICK for] WHAT: records your thanks to NICK for WHAT")
    assert "(a hashtag, not a command: start a channel message with it)" in line
    assert line.endswith("Example: #thanks bob for the review → alice: Added thanks #2")


# --- exports ---------------------------------------------------------------------------------------


def said_in_week(store) -> None:
    at = WEEK.start + timedelta(hours=9)
    store.add(NewSuccess("fixed the gate", "alice", "#dev", at, network="OFTC"))
    store.add(NewSuccess("the review", "alice", "#dev", at + timedelta(minutes=1), kind=THANKS, thanked="bob"))
    store.add(NewSuccess("=1+1 <b>[x](y)</b>", "eve", "#ops", at + timedelta(minutes=2), kind=THANKS))
    store.add(NewSuccess("landed RC1", "carol", "#ops", at + timedelta(minutes=3)))


EXPECTED_BY_KIND = {
    "successes": [("alice", "fixed the gate"), ("carol", "landed RC1")],
    "thanks": [("alice", "thanks bob for the review"), ("eve", "thanks =1+1 <b>[x](y)</b>")],
    "all": [
        ("alice", "fixed the gate"),
        ("alice", "thanks bob for the review"),
        ("eve", "thanks =1+1 <b>[x](y)</b>"),
        ("carol", "landed RC1"),
    ],
}


@pytest.mark.parametrize("kind", sorted(EXPECTED_BY_KIND))
@pytest.mark.parametrize("format_name", sorted(RENDERERS))
def test_every_format_exports_the_kind_asked_for_read_back_by_a_real_parser(store, format_name, kind):
    said_in_week(store)
    document = export_successes(store, WEEK, format_name, kind=kind, log_url=LOG_URL)
    found = store.between(WEEK.start, WEEK.end, kind={"successes": "success", "thanks": THANKS}.get(kind))
    entries = READERS[format_name](document, Expectations(frozenset(LOG_URL.for_success(s) for s in found), 1))
    if format_name in ("json", "csv"):  # the machine formats carry the text as said, and the kind beside it
        expected = [(record.nick, record.text) for record in found]
        literal = neutralise if format_name == "csv" else str
        assert [(e.nick, e.text) for e in entries] == [(nick, literal(text)) for nick, text in expected]
    else:
        assert [(e.nick, e.text) for e in entries] == EXPECTED_BY_KIND[kind]
    if format_name not in ("json", "csv", "text"):  # the formats with a title
        assert ("SuccessBot Says" in document) == (kind != "thanks")
        assert ("Thanks" in document) == (kind == "thanks")  # the title: "thanks" in the texts is lower case


@pytest.mark.parametrize("kind", ["thanks", "all"])
def test_json_and_csv_say_each_records_kind_and_who_was_thanked_when_the_export_holds_thanks(store, kind):
    said_in_week(store)
    records = json.loads(export_successes(store, WEEK, "json", kind=kind))
    assert [(r["kind"], r["thanked"]) for r in records if r["kind"] == THANKS] == [(THANKS, "bob"), (THANKS, None)]
    assert all(set(r) == {"id", "created_at", "channel", "nick", "text", "kind", "thanked"} for r in records)
    header = export_successes(store, WEEK, "csv", kind=kind).splitlines()[0]
    assert header == "id,created_at,channel,nick,text,log_url,kind,thanked"


def test_the_default_export_is_the_successes_as_before(store):
    said_in_week(store)
    assert export_successes(store, WEEK, "text") == "  • alice: fixed the gate\n  • carol: landed RC1\n"
    (first, _second) = json.loads(export_successes(store, WEEK, "json"))
    assert set(first) == {"id", "created_at", "channel", "nick", "text"}


def test_an_export_of_thanks_leaves_out_private_channels_and_deleted_thanks_unless_asked(store):
    said_in_week(store)
    store.mark_deleted(2, by="alice", at=WEEK.start + timedelta(hours=10))
    hidden = HiddenChannels.of(["#ops"])
    assert export_successes(store, WEEK, "text", kind="thanks", hidden=hidden) == ""
    audit = export_successes(store, WEEK, "text", kind="thanks", include_deleted=True)
    assert "  • alice: thanks bob for the review [deleted by alice, Mon 14 Mar 2016 10:00 UTC]\n" in audit


def test_the_private_admin_export_of_thanks_alone_carries_user_at_host(store):
    store.add(NewSuccess("x", "alice", "#dev", WEEK.start, userhost="a@10.0.0.1", kind=THANKS, thanked="bob"))
    public = export_successes(store, WEEK, "json", kind="thanks")
    assert "10.0.0.1" not in public
    (record,) = json.loads(export_successes(store, WEEK, "json", kind="thanks", privacy=Privacy(private=True)))
    assert record["userhost"] == "a@10.0.0.1"


# --- the pages -------------------------------------------------------------------------------------


def test_the_pages_carry_thanks_beside_the_successes_and_follow_a_deletion(store, clock, tmp_path):
    site = tmp_path / "site"
    publisher = Publisher(store, site, site_url=SITE)
    core = make_core(store, site_url=SITE, on_change=partial(publish_quietly, publisher))
    channel = Channel(core, clock)
    assert channel.say("#success fixed the gate") == [f"alice: Added success #1 to {SITE}2016-W11.html"]
    clock.advance(timedelta(minutes=1))
    assert channel.say("#thanks bob for the review") == [f"alice: Added thanks #2 to {SITE}2016-W11.html"]
    html = (site / "2016-W11.html").read_text(encoding="utf-8")
    pages = frozenset({"index.html", "2016-W11.md", "2016-W11.json", "digest-2016-W11.html", "feed.atom"})
    entries = READERS["html"](html, Expectations(), site_pages=pages)
    assert [(e.nick, e.text) for e in entries] == [("alice", "fixed the gate"), ("alice", "thanks bob for the review")]
    assert '<li class="success thanks" id="success-2">' in html
    assert "thanks bob for the review" in (site / "2016-W11.md").read_text(encoding="utf-8")
    week = json.loads((site / "2016-W11.json").read_text(encoding="utf-8"))
    assert [(r["kind"], r["thanked"]) for r in week] == [("success", None), (THANKS, "bob")]
    assert "1 success, 1 thanks" in (site / "index.html").read_text(encoding="utf-8")
    feed = READERS["atom"]((site / "feed.atom").read_text(encoding="utf-8"), Expectations())
    assert [e.text for e in feed] == ["fixed the gate", "thanks bob for the review"]
    digest = (site / "digest-2016-W11.txt").read_text(encoding="utf-8")
    assert (
        "  • alice: fixed the gate\n" in digest and "\nThanks\n------\n  • alice: thanks bob for the review\n" in digest
    )
    channel.say("!thanks delete 2")
    assert "review" not in (site / "2016-W11.html").read_text(encoding="utf-8")
    assert "review" not in (site / "digest-2016-W11.txt").read_text(encoding="utf-8")
    assert "1 success<" in (site / "index.html").read_text(encoding="utf-8")


def test_a_week_of_thanks_alone_is_counted_as_thanks_and_private_channels_stay_off(store, tmp_path):
    store.add(NewSuccess("the review", "alice", "#dev", EXAMPLE_TIME, kind=THANKS, thanked="bob"))
    store.add(NewSuccess("the key", "alice", "#secret", EXAMPLE_TIME, kind=THANKS, thanked="bob"))
    site = tmp_path / "site"
    public = PublicSuccesses(store, lambda: HiddenChannels.of(["#secret"]))
    Publisher(public, site).publish_all()
    assert "1 thanks</span>" in (site / "index.html").read_text(encoding="utf-8")
    week = json.loads((site / "2016-W11.json").read_text(encoding="utf-8"))
    assert [r["text"] for r in week] == ["the review"]
    assert "the key" not in (site / "feed.atom").read_text(encoding="utf-8")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(IRC_NICKS, st.one_of(st.none(), IRC_NICKS), TEXTS), min_size=1, max_size=4))
def test_any_thanked_nick_and_text_stays_text_in_every_format(entries):
    records = [
        Success(n, text, nick, "#dev", WEEK.start + timedelta(minutes=n), None, None, "OFTC", kind=THANKS, thanked=who)
        for n, (nick, who, text) in enumerate(entries, start=1)
    ]
    export = ExportRequest(records, WEEK.first_day, WEEK.last_day, period_title(WEEK, "Thanks"), kind="thanks")
    for format_name, renderer in RENDERERS.items():
        found = READERS[format_name](renderer.render(export), Expectations(headings=1))
        if format_name == "json":
            wanted = [(r.nick, r.text) for r in records]
        elif format_name == "csv":
            wanted = [(neutralise(r.nick), neutralise(r.text)) for r in records]
        else:
            wanted = [(one_line(r.nick), one_line(shown_text(r))) for r in records]
        assert [(e.nick, e.text) for e in found] == wanted, format_name
