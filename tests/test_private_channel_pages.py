"""The published pages and the exports leave out keyed, secret and private channels unless [export] channels names them.

Against a real database: the bot's store of channels' privacy, the real
publisher writing real files, and ``successbot export`` run in process (cli_runner).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cli_runner import Result, run_cli
from successbot.config import default_config
from successbot.core.successes import NewSuccess
from successbot.publishing.directory import Publisher
from successbot.storage.channel_privacy import SqlChannelPrivacyStore
from successbot.storage.database import make_engine, upgrade
from successbot.storage.successes import SqlSuccessStore

MONDAY = datetime(2016, 3, 14, 9, 0, tzinfo=UTC)
SECRET_TEXT = "rotated the signing keys"
PUBLIC_TEXT = "fixed the docs gate"


def fill(store: SqlSuccessStore, privacy: SqlChannelPrivacyStore) -> None:
    store.add(NewSuccess(SECRET_TEXT, "alice", "#secret", MONDAY, network="TestNet"))
    store.add(NewSuccess(PUBLIC_TEXT, "bob", "#dev", MONDAY + timedelta(hours=1), network="TestNet"))
    store.add(NewSuccess("older secret work", "alice", "#Secret", MONDAY - timedelta(weeks=1), network="TestNet"))
    privacy.record("TestNet", "#secret", True, MONDAY)
    privacy.record("TestNet", "#dev", False, MONDAY)


def published(directory: Path) -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(directory.iterdir())}


@pytest.fixture
def privacy(engine) -> SqlChannelPrivacyStore:
    return SqlChannelPrivacyStore(engine)


def test_the_pages_leave_a_private_channels_successes_out(store, privacy, tmp_path):
    fill(store, privacy)
    site = tmp_path / "site"
    Publisher.from_settings(store, default_config().export, str(site), privacy).publish_all()
    pages = published(site)
    assert {"index.html", "feed.atom", "2016-W11.html", "2016-W11.json", "2016-W11.md"} <= set(pages)
    for name, content in pages.items():
        assert SECRET_TEXT not in content and "older secret work" not in content, name
        assert "#secret" not in content.lower(), name
    assert PUBLIC_TEXT in pages["2016-W11.html"] and PUBLIC_TEXT in pages["feed.atom"]


def test_the_pages_show_a_private_channel_that_export_channels_names(store, privacy, tmp_path):
    fill(store, privacy)
    site = tmp_path / "site"
    settings = replace(default_config().export, channels=("#SECRET",))
    Publisher.from_settings(store, settings, str(site), privacy).publish_all()
    pages = published(site)
    assert SECRET_TEXT in pages["2016-W11.html"] and SECRET_TEXT in pages["2016-W11.json"]
    assert "older secret work" in pages["2016-W10.html"] and SECRET_TEXT in pages["feed.atom"]


def test_a_channel_turning_private_empties_the_pages_it_was_on(store, privacy, tmp_path):
    store.add(NewSuccess(SECRET_TEXT, "alice", "#secret", MONDAY, network="TestNet"))
    site = tmp_path / "site"
    publisher = Publisher.from_settings(store, default_config().export, str(site), privacy)
    publisher.publish_all()
    assert SECRET_TEXT in published(site)["2016-W11.html"]  # nothing known of #secret yet: public
    assert privacy.record("TestNet", "#secret", True, MONDAY) is True  # the pages must change
    publisher.publish_all()
    assert all(SECRET_TEXT not in content for content in published(site).values())


def test_the_feed_still_has_its_entries_when_the_newest_are_private(store, privacy, tmp_path):
    store.add(NewSuccess(PUBLIC_TEXT, "bob", "#dev", MONDAY, network="TestNet"))
    for minute in range(60):  # more private ones after it than the feed holds
        store.add(NewSuccess(f"secret {minute}", "alice", "#secret", MONDAY + timedelta(minutes=minute + 1)))
    privacy.record("TestNet", "#secret", True, MONDAY)
    site = tmp_path / "site"
    Publisher.from_settings(store, default_config().export, str(site), privacy).publish_all()
    feed = published(site)["feed.atom"]
    assert PUBLIC_TEXT in feed and "secret 59" not in feed


# --- successbot export ---


@pytest.fixture
def deployment(tmp_path: Path) -> Path:
    database = tmp_path / "bot.db"
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    fill(SqlSuccessStore(engine), SqlChannelPrivacyStore(engine))
    engine.dispose()
    return tmp_path


def export(cwd: Path, *args: str, channels: str = "") -> Result:
    config = cwd / "bot.ini"
    config.write_text(f"[database]\nurl = sqlite:///{cwd / 'bot.db'}\n[export]\nchannels = {channels}\n")
    return run_cli(cwd, "--config", str(config), "export", "--week", "2016-W11", *args)


def test_a_default_export_leaves_the_private_channel_out(deployment):
    result = export(deployment)
    assert result.returncode == 0, result.stderr
    assert PUBLIC_TEXT in result.stdout and SECRET_TEXT not in result.stdout


def test_an_export_has_the_private_channel_when_export_channels_names_it(deployment):
    result = export(deployment, "--format", "json", channels="#secret")
    assert result.returncode == 0, result.stderr
    assert PUBLIC_TEXT in result.stdout and SECRET_TEXT in result.stdout


def test_an_admins_private_export_has_every_channel(deployment):
    result = export(deployment, "--private")
    assert result.returncode == 0, result.stderr
    assert PUBLIC_TEXT in result.stdout and SECRET_TEXT in result.stdout


def test_exporting_a_private_channel_by_name_says_why_it_is_empty(deployment):
    result = export(deployment, "--channel", "#secret")
    assert result.returncode == 0 and SECRET_TEXT not in result.stdout
    assert result.stderr.strip() == (
        "#secret is keyed, secret or private, so a public export leaves its successes out; "
        "name it in [export] channels, or use --private for an admin's export"
    )
