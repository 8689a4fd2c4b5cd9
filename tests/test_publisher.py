"""The published directory: kept up to date by the bot, written atomically, never in the way of a reply."""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from xml.etree import ElementTree

import html5lib
import pytest

from format_readers import ATOM, Expectations, read_atom, read_html
from harness import EXAMPLE_TIME, Channel, make_core
from successbot.core.successes import NewSuccess
from successbot.core.weeks import iso_week
from successbot.publishing.directory import Publisher, publish_quietly, write_atomically

SITE = "https://successes.example.org/"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return tmp_path / "site"


@pytest.fixture
def publisher(store, site) -> Publisher:
    return Publisher(store, site, site_url=SITE, weeks_on_index=8)


@pytest.fixture
def published_channel(store, clock, publisher) -> Channel:
    """#dev, where alice is an admin, with every change published to ``site``."""
    core = make_core(store, admins=("alice",), site_url=SITE, on_change=partial(publish_quietly, publisher))
    return Channel(core, clock)


def week_ids(site: Path, label: str) -> list[int]:
    return [entry["id"] for entry in json.loads((site / f"{label}.json").read_text(encoding="utf-8"))]


def index_weeks(site: Path) -> list[str]:
    root = html5lib.parse((site / "index.html").read_text(encoding="utf-8"), namespaceHTMLElements=False)
    return [heading.find("a").get("href") for heading in root.iter("h2") if heading.find("a") is not None]


def test_the_directory_follows_adds_deletes_and_restores(published_channel, clock, site):
    channel = published_channel
    channel.say("#success first of W11")
    channel.say("#success regretted", nick="bob", account="bob")
    clock.advance(timedelta(days=7))  # 2016-W12
    channel.say("#success first of W12", nick="carol", account="carol")
    assert sorted(p.name for p in site.iterdir()) == [
        "2016-W11.html",
        "2016-W11.json",
        "2016-W11.md",
        "2016-W12.html",
        "2016-W12.json",
        "2016-W12.md",
        "digest-2016-W11.html",
        "digest-2016-W11.md",
        "digest-2016-W11.txt",
        "digest-2016-W12.html",
        "digest-2016-W12.md",
        "digest-2016-W12.txt",
        "feed.atom",
        "index.html",
    ]
    assert index_weeks(site) == ["2016-W12.html", "2016-W11.html"]  # newest first
    assert week_ids(site, "2016-W11") == [1, 2]

    channel.say("!success delete 2", nick="bob", account="bob")
    assert week_ids(site, "2016-W11") == [1]
    for page in site.iterdir():
        assert "regretted" not in page.read_text(encoding="utf-8"), page.name
    feed = read_atom((site / "feed.atom").read_text(encoding="utf-8"), Expectations())
    assert [entry.text for entry in feed] == ["first of W11", "first of W12"]

    channel.say("!success undelete 2")
    assert week_ids(site, "2016-W11") == [1, 2]
    assert "regretted" in (site / "index.html").read_text(encoding="utf-8")

    channel.say("!success delete 3", nick="carol", account="carol")
    assert week_ids(site, "2016-W12") == []  # the emptied week's pages say so, rather than go stale
    assert index_weeks(site) == ["2016-W11.html"]
    assert not list(site.glob(".*"))  # no temporary file left behind


def test_week_pages_carry_every_success_in_html_markdown_and_json(published_channel, site):
    published_channel.say("#success the “gate” is green [1]")
    html = (site / "2016-W11.html").read_text(encoding="utf-8")
    pages = frozenset({"index.html", "2016-W11.md", "2016-W11.json", "digest-2016-W11.html", "feed.atom"})
    (entry,) = read_html(html, Expectations(), site_pages=pages)
    assert (entry.nick, entry.channel, entry.time, entry.text) == (
        "alice",
        "#dev",
        "2016-03-14T10:00:00Z",
        "the “gate” is green [1]",
    )
    assert "- **alice** in \\#dev, Mon 14 Mar 2016 10:00 UTC: the “gate” is green \\[1\\]" in (
        site / "2016-W11.md"
    ).read_text(encoding="utf-8")


def test_the_index_shows_only_the_recent_weeks_in_full_but_lists_them_all(store, site):
    for week in range(10):
        store.add(NewSuccess(f"week {week}", "alice", "#dev", EXAMPLE_TIME + timedelta(weeks=week)))
    Publisher(store, site, weeks_on_index=3).publish_all()
    index = (site / "index.html").read_text(encoding="utf-8")
    assert index_weeks(site) == ["2016-W20.html", "2016-W19.html", "2016-W18.html"]
    assert index.count("<li><a href=") == 10 and "week 0" not in index and "week 9" in index


def test_feed_links_each_entry_to_its_week_page(published_channel, site):
    published_channel.say("#success linked")
    feed = ElementTree.fromstring((site / "feed.atom").read_bytes())
    (entry,) = feed.findall(f"{ATOM}entry")
    assert entry.find(f"{ATOM}link").get("href") == f"{SITE}2016-W11.html#success-1"
    assert feed.findtext(f"{ATOM}title") == "SuccessBot Says"


def test_acknowledgement_names_the_page_of_the_week(published_channel):
    assert published_channel.say("#success shipped") == [f"alice: Added success #1 to {SITE}2016-W11.html"]


def test_successes_week_counts_this_week_and_links_the_page(store, clock):
    channel = Channel(make_core(store, site_url=SITE), clock)
    assert channel.say("!successes week") == ["alice: No successes yet in 2016-W11. Add one with #success TEXT"]
    channel.say("#success one")
    Channel(make_core(store), clock, "#ops").say("#success elsewhere")
    store.add(NewSuccess("last week", "alice", "#dev", EXAMPLE_TIME - timedelta(days=1)))
    assert channel.say("!successes week") == [
        f"alice: 2 successes so far in 2016-W11, 1 of them in #dev: {SITE}2016-W11.html"
    ]
    assert channel.say("!successes week", private=True) == [f"2 successes so far in 2016-W11: {SITE}2016-W11.html"]
    assert channel.say("!successes week 3") == ["alice: Usage: !successes week"]


def test_successes_week_follows_the_message_time_across_sunday_midnight(store, clock):
    channel = Channel(make_core(store), clock)
    clock.set(datetime(2016, 3, 20, 23, 59, tzinfo=UTC))
    channel.say("#success late on Sunday")
    assert channel.say("!successes week") == ["alice: 1 success so far in 2016-W11, 1 of them in #dev"]
    clock.set(datetime(2016, 3, 21, 0, 0, tzinfo=UTC))
    assert channel.say("!successes week")[0].startswith("alice: No successes yet in 2016-W12")


def test_a_failed_write_is_logged_and_the_reply_and_the_success_stand(store, clock, tmp_path, caplog):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the directory should be", encoding="utf-8")
    core = make_core(store, on_change=partial(publish_quietly, Publisher(store, blocker / "site")))
    with caplog.at_level(logging.ERROR):
        assert Channel(core, clock).say("#success still recorded") == ["alice: Added success #1"]
    assert store.get(1).text == "still recorded"
    (record,) = caplog.records
    assert "cannot publish the pages in" in record.getMessage() and record.exc_info is None


def test_a_bug_in_the_publisher_never_reaches_the_reply(store, clock, caplog):
    def broken(success):
        raise RuntimeError("publisher bug")

    with caplog.at_level(logging.ERROR):
        assert Channel(make_core(store, on_change=broken), clock).say("#success fine") == ["alice: Added success #1"]
    assert "publisher bug" in caplog.text


def test_unchanged_pages_are_left_alone_and_changed_ones_replaced(store, site):
    store.add(NewSuccess("x", "alice", "#dev", EXAMPLE_TIME))
    publisher = Publisher(store, site)
    publisher.publish_all()
    before = {page.name: page.stat().st_ino for page in site.iterdir()}
    publisher.publish_all()
    assert {page.name: page.stat().st_ino for page in site.iterdir()} == before
    store.add(NewSuccess("y", "alice", "#dev", EXAMPLE_TIME))
    publisher.publish_week(iso_week("2016-W11"))
    after = {page.name: page.stat().st_ino for page in site.iterdir()}
    assert after["2016-W11.json"] != before["2016-W11.json"] and after["index.html"] != before["index.html"]


def test_published_files_are_readable_by_everyone(store, site):
    store.add(NewSuccess("x", "alice", "#dev", EXAMPLE_TIME))
    Publisher(store, site).publish_all()
    assert {page.stat().st_mode & 0o777 for page in site.iterdir()} == {0o644}


def test_a_reader_polling_while_the_bot_writes_never_reads_half_a_file(store, site):
    """Pages grow to tens of kilobytes, so a non-atomic write would be caught half-way."""
    publisher = Publisher(store, site)
    for number in range(200):
        store.add(NewSuccess(f"success {number} " + "long text " * 30, "alice", "#dev", EXAMPLE_TIME))
    publisher.publish_all()
    done, reads, partial_reads = threading.Event(), [0], []

    def poll() -> None:
        while not done.is_set():
            for name, ending in (("index.html", "</html>\n"), ("feed.atom", "</feed>\n"), ("2016-W11.json", "]\n")):
                text = (site / name).read_text(encoding="utf-8")
                reads[0] += 1
                if not text.endswith(ending):
                    partial_reads.append((name, len(text)))

    reader = threading.Thread(target=poll)
    reader.start()
    try:
        for number in range(30):
            store.add(NewSuccess(f"more {number}", "bob", "#dev", EXAMPLE_TIME + timedelta(hours=number)))
            publisher.publish_week(iso_week("2016-W11"))
    finally:
        done.set()
        reader.join()
    assert partial_reads == []
    assert reads[0] > 30  # the reader really did read while the pages were being replaced
    ElementTree.fromstring((site / "feed.atom").read_bytes())
    assert len(json.loads((site / "2016-W11.json").read_text(encoding="utf-8"))) == 230


def test_write_atomically_leaves_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    target = tmp_path / "index.html"
    target.write_text("old", encoding="utf-8")

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("successbot.publishing.directory.os.fsync", full_disk)
    with pytest.raises(OSError, match="No space left"):
        write_atomically(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]


def index_tree(site: Path):
    return html5lib.parse((site / "index.html").read_text(encoding="utf-8"), namespaceHTMLElements=False)


def test_the_index_carries_the_title_once_the_intro_and_one_count_per_week(store, site):
    for minutes in range(3):
        store.add(NewSuccess(f"W11 number {minutes}", "alice", "#dev", EXAMPLE_TIME + timedelta(minutes=minutes)))
    store.add(NewSuccess("W10 alone", "bob", "#dev", EXAMPLE_TIME - timedelta(weeks=1)))
    Publisher(store, site).publish_all()
    page = (site / "index.html").read_text(encoding="utf-8")
    assert page.count("SuccessBot Says") == 2  # the tab's <title> and the <h1>, not every week's heading
    root = index_tree(site)
    headings = ["".join(h2.itertext()) for h2 in root.iter("h2")]
    assert headings == [
        "2016-W11 (Mon 14 Mar to Sun 20 Mar 2016) 3 successes",
        "2016-W10 (Mon 7 Mar to Sun 13 Mar 2016) 1 success",
        "All weeks",
    ]
    assert [p.text for p in root.iter("p") if p.get("class") == "intro"] == []  # no intro unless configured


def test_the_title_and_intro_come_from_the_config_and_are_escaped(store, site, tmp_path):
    from successbot.config import load_config

    (tmp_path / "bot.ini").write_text(
        "[export]\ndirectory = unused\ntitle = Ops & <b>Friends</b>\n"
        "intro = What went <i>well</i> in #ops & #dev, from IRC.\n",
        encoding="utf-8",
    )
    settings = load_config(tmp_path / "bot.ini").export
    store.add(NewSuccess("shipped", "alice", "#dev", EXAMPLE_TIME))
    Publisher.from_settings(store, settings, str(site)).publish_all()
    root = index_tree(site)
    assert root.find(".//title").text == "Ops & <b>Friends</b>"
    assert [h1.text for h1 in root.iter("h1")] == ["Ops & <b>Friends</b>"]
    assert [p.text for p in root.iter("p") if p.get("class") == "intro"] == [
        "What went <i>well</i> in #ops & #dev, from IRC."
    ]
    assert not [element for element in root.iter() if element.tag in ("b", "i")]  # text, never markup
    week = html5lib.parse((site / "2016-W11.html").read_text(encoding="utf-8"), namespaceHTMLElements=False)
    assert week.find(".//title").text == "Ops & <b>Friends</b>, 2016-W11 (Mon 14 Mar to Sun 20 Mar 2016)"
    feed = ElementTree.fromstring((site / "feed.atom").read_text(encoding="utf-8"))
    assert feed.findtext(f"{ATOM}title") == "Ops & <b>Friends</b>"


def test_the_default_intro_says_what_the_page_is():
    from successbot.config import default_config

    settings = default_config().export
    assert settings.title == "SuccessBot Says"
    assert settings.intro == "What went well, as contributors said it on IRC with #success."


def test_each_week_has_its_digest_linked_from_the_index_and_the_week_page(published_channel, site):
    published_channel.say("#success the <gate> is green")
    digest = (site / "digest-2016-W11.txt").read_text(encoding="utf-8")
    assert digest.startswith("Digest 2016-W11 (Mon 14 Mar to Sun 20 Mar 2016)\n")
    assert "  • alice: the <gate> is green\n" in digest
    assert "\\<gate\\>" in (site / "digest-2016-W11.md").read_text(encoding="utf-8")
    page = (site / "digest-2016-W11.html").read_text(encoding="utf-8")
    assert "the &lt;gate&gt; is green" in page
    root = html5lib.parse(page, namespaceHTMLElements=False)
    assert [a.get("href") for a in root.iter("a")] == [
        "index.html",
        "2016-W11.html",
        "digest-2016-W11.md",
        "digest-2016-W11.txt",
        SITE,
    ]
    index = index_tree(site)
    links = [a.get("href") for a in index.iter("a")]
    assert links.count("digest-2016-W11.html") == 2  # under the week's heading and in the list of all weeks
    week = html5lib.parse((site / "2016-W11.html").read_text(encoding="utf-8"), namespaceHTMLElements=False)
    assert "digest-2016-W11.html" in [a.get("href") for a in week.iter("a")]

    published_channel.say("#success and the docs build")  # the week's successes changed: so did its digest
    assert "  • alice: and the docs build\n" in (site / "digest-2016-W11.txt").read_text(encoding="utf-8")


def test_the_digests_follow_a_schedule_refresh(tmp_path):
    from harness import EXAMPLE_SOURCES
    from successbot.config import load_config
    from successbot.runtime.app import open_app

    schedule = tmp_path / "schedule.rst"
    schedule.write_text(Path(EXAMPLE_SOURCES[0]).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "bot.ini").write_text(
        f"[database]\nurl = sqlite:///{tmp_path / 'bot.db'}\n"
        f"[schedule]\nsources = {schedule}\n[export]\ndirectory = {tmp_path / 'site'}\n",
        encoding="utf-8",
    )
    config = load_config(tmp_path / "bot.ini")
    digest = tmp_path / "site" / "digest-2016-W10.txt"
    app = open_app(config)
    try:
        app.successes.add(NewSuccess("shipped", "alice", "#dev", datetime(2016, 3, 8, 10, tzinfo=UTC)))
        app.publisher.publish_all()
        assert "no release cycle week after this period" in digest.read_text(encoding="utf-8")
        app.refresh_schedule(datetime(2016, 3, 8, 11, tzinfo=UTC))
    finally:
        app.close()  # the page thread's work is done once it returns
    assert "Release Countdown For Week R-3, March 14-18" in digest.read_text(encoding="utf-8")
    # The source's words change: the next refresh (here a restarted bot's first) rewrites the digest with them.
    text = schedule.read_text(encoding="utf-8").replace("The week of March 14-18 is", "From now on, March 14-18 is")
    schedule.write_text(text, encoding="utf-8")
    app = open_app(config)
    try:
        app.refresh_schedule(datetime(2016, 3, 8, 12, tzinfo=UTC))
    finally:
        app.close()
    assert "From now on, March 14-18 is" in digest.read_text(encoding="utf-8")
