"""The published pages follow each change off the reply path: a burst is one rewrite, and closing writes the rest."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from successbot.core.successes import NewSuccess
from successbot.publishing.directory import Publisher
from successbot.runtime.page_refresh import Pacing, PageRefresher

MONDAY = datetime(2016, 3, 14, 10, 0, tzinfo=UTC)


def add(store, text: str, at: datetime):
    return store.add(NewSuccess(text=text, nick="alice", channel="#dev", created_at=at))


def week_ids(site: Path, label: str) -> list[int]:
    return [entry["id"] for entry in json.loads((site / f"{label}.json").read_text(encoding="utf-8"))]


def wait_until(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_a_burst_of_changes_is_written_in_few_batches_and_returns_at_once(store, tmp_path):
    site = tmp_path / "site"
    pages = PageRefresher(Publisher(store, site), delay=0.2)
    try:
        started = time.monotonic()
        added = [add(store, f"burst {n}", MONDAY + timedelta(seconds=n)) for n in range(50)]
        for success in added:
            pages.success_changed(success)
        noting = time.monotonic() - started
        assert wait_until(lambda: (site / "2016-W11.json").exists() and len(week_ids(site, "2016-W11")) == 50)
    finally:
        pages.close()
    assert pages.writes <= 3  # one batch, or two if the first began while the burst was still arriving
    assert noting < 5  # noting a change never waits for the disk (generous: the store's 50 commits are in it)
    assert "burst 49" in (site / "index.html").read_text(encoding="utf-8")


def test_each_week_changed_in_a_batch_gets_its_pages(store, tmp_path):
    site = tmp_path / "site"
    pages = PageRefresher(Publisher(store, site), delay=0.05)
    for week in range(3):
        pages.success_changed(add(store, f"week {week}", MONDAY + timedelta(weeks=week)))
    pages.close()
    assert [week_ids(site, label) for label in ("2016-W11", "2016-W12", "2016-W13")] == [[1], [2], [3]]


def test_close_writes_what_is_still_noted(store, tmp_path):
    site = tmp_path / "site"
    pages = PageRefresher(Publisher(store, site), delay=60)  # the thread would wait a minute
    pages.success_changed(add(store, "just before closing", MONDAY))
    pages.close()
    assert week_ids(site, "2016-W11") == [1]


def test_a_failed_write_is_one_log_line_and_later_changes_still_get_written(store, tmp_path, caplog):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the directory should be", encoding="utf-8")
    broken = PageRefresher(Publisher(store, blocker / "site"), delay=0.01)
    with caplog.at_level(logging.ERROR):
        broken.success_changed(add(store, "cannot be published", MONDAY))
        assert wait_until(lambda: any("cannot publish the pages" in r.getMessage() for r in caplog.records))
        assert broken._thread.is_alive()
        blocker.unlink()
        blocker.mkdir()
        broken.success_changed(add(store, "can be now", MONDAY))
        broken.close()
    assert week_ids(blocker / "site", "2016-W11") == [1, 2]
    assert all(record.exc_info is None for record in caplog.records)


def test_a_batch_waits_for_the_rest_of_its_burst_when_nothing_was_written_lately():
    pacing = Pacing(delay=0.25, ratio=4)
    assert pacing.start_at(100.0) == 100.25
    pacing.wrote(started=100.25, ended=100.30)  # a small week: 50 ms
    assert pacing.start_at(101.0) == 101.25  # long after its pause, only the burst's delay


def test_after_a_long_rewrite_the_next_waits_four_times_as_long_so_commands_keep_most_of_the_process():
    pacing = Pacing(delay=0.25, ratio=4)
    pacing.wrote(started=10.0, ended=12.0)  # a week of 10,000 successes: 2 s of rendering
    assert pacing.start_at(12.01) == 20.0  # changes that came during it wait until 8 s after it ended
    assert pacing.start_at(19.0) == 20.0
    assert pacing.start_at(30.0) == 30.25


def test_a_slow_rewrite_writes_the_changes_that_came_during_it_in_one_later_batch(store, tmp_path):
    site = tmp_path / "site"
    # A rewrite takes 10-100 ms (more on a busy machine): its pause, 100 times as long, is whole seconds.
    pages = PageRefresher(Publisher(store, site), delay=0.01, pause_ratio=100)
    try:
        pages.success_changed(add(store, "first", MONDAY))
        assert wait_until(lambda: pages.writes == 1)
        for n in range(20):  # the first rewrite's pause is 100 times its length: these wait for it
            pages.success_changed(add(store, f"later {n}", MONDAY))
        assert wait_until(lambda: pages.writes == 2, timeout=120)
        assert len(week_ids(site, "2016-W11")) == 21
    finally:
        pages.close()
    assert pages.writes == 2


def test_a_burst_of_changes_wakes_the_pages_thread_once_not_once_each(store, tmp_path, monkeypatch):
    import threading

    import successbot.runtime.page_refresh as page_refresh

    notified: list[threading.Condition] = []

    class Counting(threading.Condition):
        def notify(self, n: int = 1) -> None:
            notified.append(self)
            super().notify(n)

    monkeypatch.setattr(page_refresh.threading, "Condition", Counting)
    pages = PageRefresher(Publisher(store, tmp_path / "site"), delay=60)  # the batch waits a minute
    try:
        for n in range(50):
            pages.success_changed(add(store, f"burst {n}", MONDAY))
        ours = [condition for condition in notified if condition is pages._changed]
        assert len(ours) == 1  # a thread woken per #success would compete with the commands for nothing
    finally:
        pages.close()
    assert len(week_ids(tmp_path / "site", "2016-W11")) == 50
