"""What public outputs show of a contributor: the nick, never user@host; the account only when the config says so."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from successbot.core.successes import NewSuccess, Success
from successbot.core.weeks import iso_week
from successbot.publishing.directory import Publisher
from successbot.publishing.export import period_title
from successbot.publishing.renderers import RENDERERS, ExportRequest
from successbot.publishing.renderers.base import Privacy

WEEK = iso_week("2016-W11")
MONDAY = datetime(2016, 3, 14, 9, 0, tzinfo=UTC)
USERHOST = "alice@203.0.113.7"
SPEAKERS = [
    Success(1, "fixed the gate", "alice", "#dev", MONDAY, "alice-account", USERHOST, "OFTC"),
    Success(2, "wrote the docs", "bob", "#dev", MONDAY, None, "bob@198.51.100.9", "OFTC"),
]


def rendered(format_name: str, privacy: Privacy) -> str:
    export = ExportRequest(SPEAKERS, WEEK.first_day, WEEK.last_day, period_title(WEEK), privacy=privacy)
    return RENDERERS[format_name].render(export)


@pytest.mark.parametrize("format_name", sorted(RENDERERS))
def test_a_public_export_carries_no_user_at_host_and_no_account(format_name):
    document = rendered(format_name, Privacy())
    for hidden in ("203.0.113.7", "198.51.100.9", "alice-account"):
        assert hidden not in document
    assert "alice" in document and "fixed the gate" in document


@pytest.mark.parametrize("format_name", sorted(RENDERERS))
def test_showing_accounts_never_shows_user_at_host(format_name):
    document = rendered(format_name, Privacy(show_account=True))
    assert "203.0.113.7" not in document and "198.51.100.9" not in document


def test_accounts_when_shown_are_in_the_json_and_the_csv():
    (alice, bob) = json.loads(rendered("json", Privacy(show_account=True)))
    assert (alice["account"], bob["account"]) == ("alice-account", None)
    assert (
        rendered("csv", Privacy(show_account=True)).splitlines()[0] == "id,created_at,channel,nick,text,log_url,account"
    )


@pytest.mark.parametrize("format_name", ["text", "markdown", "rst", "html", "atom"])
def test_speakers_without_an_account_can_be_marked_unverified(format_name):
    document = rendered(format_name, Privacy(mark_unverified=True))
    assert document.count("unverified") == 1  # bob's alone; markdown and reST escape the parentheses


def test_unverified_marking_is_a_field_in_json_and_csv():
    (alice, bob) = json.loads(rendered("json", Privacy(mark_unverified=True)))
    assert (alice["verified"], bob["verified"]) == (True, False)
    assert rendered("csv", Privacy(mark_unverified=True)).splitlines()[2].endswith(",no")


def test_a_private_export_has_everything_an_admin_needs():
    (alice, _bob) = json.loads(rendered("json", Privacy(private=True)))
    assert (alice["account"], alice["userhost"], alice["network"]) == ("alice-account", USERHOST, "OFTC")


def test_the_published_directory_carries_no_user_at_host_even_when_accounts_are_shown(store, tmp_path):
    store.add(NewSuccess("fixed the gate", "alice", "#dev", MONDAY, account="alice-account", userhost=USERHOST))
    site = tmp_path / "site"
    Publisher(store, site, privacy=Privacy(show_account=True)).publish_all()
    for page in site.iterdir():
        assert "203.0.113.7" not in page.read_text(encoding="utf-8"), page.name
    (entry,) = json.loads((site / "2016-W11.json").read_text(encoding="utf-8"))
    assert entry["account"] == "alice-account" and "userhost" not in entry


def test_a_publisher_refuses_a_private_view():
    with pytest.raises(ValueError, match="never carry user@host"):
        Publisher(None, "site", privacy=Privacy(private=True))  # type: ignore[arg-type]


def test_the_default_pages_show_neither_account_nor_user_at_host(store, tmp_path):
    store.add(NewSuccess("fixed the gate", "alice", "#dev", MONDAY, account="alice-account", userhost=USERHOST))
    site = tmp_path / "site"
    Publisher(store, site).publish_all()
    (entry,) = json.loads((site / "2016-W11.json").read_text(encoding="utf-8"))
    # The week's page holds thanks beside the successes, so each entry says which it is.
    assert set(entry) == {"id", "created_at", "channel", "nick", "text", "kind", "thanked"}
    assert store.get(1).userhost == USERHOST  # the database keeps it, for an admin's private export
