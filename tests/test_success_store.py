"""The successes in SQL, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pgserver import BACKENDS
from successbot.core.successes import NewSuccess

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

MONDAY = datetime(2016, 3, 14, 10, 0, tzinfo=UTC)


def new(text: str, at: datetime = MONDAY, **fields: str) -> NewSuccess:
    values = {"nick": "alice", "channel": "#dev", "network": "OFTC", **fields}
    return NewSuccess(text=text, created_at=at, **values)


def test_a_success_comes_back_with_every_field_and_an_aware_utc_time(store):
    added = store.add(new("fixed the gate", account="alice", userhost="a@example.org"))
    stored = store.get(added.id)
    assert stored == added
    assert (stored.text, stored.account, stored.userhost, stored.network) == (
        "fixed the gate",
        "alice",
        "a@example.org",
        "OFTC",
    )
    assert stored.created_at == MONDAY and stored.created_at.tzinfo is UTC


def test_a_time_in_another_zone_is_stored_as_the_same_instant(store):
    tokyo = MONDAY.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
    assert store.get(store.add(new("from Tokyo", at=tokyo)).id).created_at == MONDAY


def test_ids_count_up_and_recent_is_newest_first_per_channel(store):
    ids = [store.add(new(f"number {n}")).id for n in range(3)]
    store.add(new("elsewhere", channel="#ops"))
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert [s.text for s in store.recent("#dev", 2)] == ["number 2", "number 1"]


def test_between_filters_by_channel_and_network_and_leaves_out_deleted(store):
    store.add(new("oftc dev"))
    store.add(new("libera dev", network="Libera.Chat"))
    store.add(new("oftc ops", channel="#ops"))
    gone = store.add(new("deleted"))
    store.add(new("next week", at=MONDAY + timedelta(days=7)))
    store.mark_deleted(gone.id, by="alice", at=MONDAY)
    week = (MONDAY - timedelta(hours=10), MONDAY + timedelta(days=6, hours=14))
    assert [s.text for s in store.between(*week)] == ["oftc dev", "libera dev", "oftc ops"]
    assert [s.text for s in store.between(*week, network="Libera.Chat")] == ["libera dev"]
    assert [s.text for s in store.between(*week, network="OFTC", channel="#dev")] == ["oftc dev"]
    assert len(store.between(*week, include_deleted=True)) == 4


def test_delete_and_restore_keep_who_and_when(store):
    added = store.add(new("regretted"))
    deleted = store.mark_deleted(added.id, by="root", at=MONDAY + timedelta(minutes=1))
    assert (deleted.deleted_by, deleted.deleted_at) == ("root", MONDAY + timedelta(minutes=1))
    assert store.recent("#dev", 5) == []
    store.restore(added.id)
    assert not store.get(added.id).is_deleted


def test_names_longer_than_any_server_allows_are_cut_not_refused(store):
    # SQLite would keep them whole and PostgreSQL refuse them; both now keep the first 64 characters.
    long_channel = "#" + "c" * 99
    added = store.add(new("long names", nick="n" * 100, channel=long_channel, network="N" * 100, account="a" * 100))
    stored = store.get(added.id)
    assert (len(stored.nick), len(stored.channel), len(stored.network), len(stored.account)) == (64, 64, 64, 64)
    assert [s.text for s in store.recent(long_channel, 1)] == ["long names"]


def test_text_of_any_unicode_and_sql_metacharacters_is_kept_exactly(store):
    text = "'; DROP TABLE successes; -- \u202eevil\u200b 🎉 ñ \\ % _ \t end"
    assert store.get(store.add(new(text)).id).text == text


def test_ids_no_database_can_hold_are_simply_not_there(store):
    assert store.get(10**30) is None and store.get(0) is None and store.get(-1) is None


def test_a_thanks_comes_back_with_its_kind_and_who_was_thanked(store):
    from successbot.core.successes import THANKS

    added = store.add(new("the review", account="alice", userhost="a@example.org", kind=THANKS, thanked="bob"))
    stored = store.get(added.id)
    assert stored == added and stored.is_thanks
    assert (stored.kind, stored.thanked, stored.text, stored.account) == (THANKS, "bob", "the review", "alice")
    assert store.get(store.add(new("fixed the gate")).id).kind == "success"


def test_reads_give_successes_unless_asked_for_thanks_or_both(store):
    from successbot.core.successes import THANKS

    store.add(new("fixed the gate"))
    store.add(new("the review", kind=THANKS, thanked="bob", at=MONDAY + timedelta(minutes=1)))
    store.add(new("the pager", kind=THANKS, channel="#ops", network="Libera.Chat", at=MONDAY + timedelta(minutes=2)))
    gone = store.add(new("regretted", kind=THANKS, at=MONDAY + timedelta(minutes=3)))
    store.mark_deleted(gone.id, by="alice", at=MONDAY)
    week = (MONDAY - timedelta(hours=10), MONDAY + timedelta(days=6, hours=14))
    assert [s.text for s in store.between(*week)] == ["fixed the gate"]
    assert [s.text for s in store.between(*week, kind=None)] == ["fixed the gate", "the review", "the pager"]
    assert [s.text for s in store.between(*week, kind=THANKS)] == ["the review", "the pager"]
    assert [s.text for s in store.between(*week, channel="#ops", kind=THANKS)] == ["the pager"]
    assert [s.text for s in store.between(*week, network="OFTC", kind=THANKS)] == ["the review"]
    assert [s.text for s in store.between(*week, kind=THANKS, include_deleted=True)][-1] == "regretted"
    assert [s.text for s in store.recent("#dev", 5)] == ["fixed the gate"]
    assert [s.text for s in store.recent("#dev", 5, kind=THANKS)] == ["the review"]
    assert [s.text for s in store.latest(5)] == ["fixed the gate"]
    assert [s.text for s in store.latest(2, kind=None)] == ["the pager", "the review"]


def test_a_thanked_nick_longer_than_the_column_is_cut_not_refused(store):
    from successbot.core.successes import THANKS

    added = store.add(new("x", kind=THANKS, thanked="b" * 100))
    assert store.get(added.id).thanked == "b" * 64


def test_the_newest_successes_asked_again_are_read_again_only_after_a_commit(store, engine, backend, database_url):
    from sqlalchemy import event

    from successbot.storage.database import make_engine
    from successbot.storage.successes import SqlSuccessStore

    reads: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, statement, *_a: reads.append(statement))
    store.add(new("first"))
    assert [s.text for s in store.recent("#dev", 5)] == ["first"]
    reads.clear()
    assert [s.text for s in store.recent("#dev", 5)] == ["first"]
    assert len(reads) == (0 if backend == "sqlite" else 1)  # nothing committed since: SQLite's answer stands
    elsewhere = make_engine(database_url)  # another instance, on the same database
    try:
        SqlSuccessStore(elsewhere).add(new("second, from the other instance"))
    finally:
        elsewhere.dispose()
    assert [s.text for s in store.recent("#dev", 5)] == ["second, from the other instance", "first"]
    store.mark_deleted(store.recent("#dev", 1)[0].id, by="alice", at=MONDAY)
    assert [s.text for s in store.recent("#dev", 5)] == ["first"]
