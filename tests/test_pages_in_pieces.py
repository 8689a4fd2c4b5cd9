"""A busy week's pages are written as they are rendered, in pieces, and come out byte for byte as the whole
documents would; the week is read with each repeated value held once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from harness import EXAMPLE_TIME
from successbot.core.successes import THANKS, NewSuccess
from successbot.core.weeks import week_containing
from successbot.publishing import directory
from successbot.publishing.directory import Publisher, write_atomically
from successbot.publishing.renderers import RENDERERS, ExportRequest
from successbot.publishing.renderers.base import Privacy, document_pieces
from successbot.publishing.renderers.json_format import success_fields

WEEK = week_containing(EXAMPLE_TIME)


def busy_week(store, count: int = 600) -> None:
    """``count`` records in one week: successes and thanks, in two channels, with text JSON and HTML escape."""
    for number in range(count):
        store.add(
            NewSuccess(
                f"fixed <b>“gate”</b> #{number} \\ \u2028 ok",
                f"nick{number % 7}",
                "#dev" if number % 3 else "#ops",
                EXAMPLE_TIME + timedelta(seconds=number),
                account=None if number % 5 else "acct",
                kind=THANKS if number % 4 == 0 else "success",
                thanked="bob" if number % 8 == 0 else None,
            )
        )


def export(store, **options) -> ExportRequest:
    found = store.between(WEEK.start, WEEK.end, kind=None, include_deleted=options.get("audit", False))
    return ExportRequest(found, WEEK.first_day, WEEK.last_day, "Week", kind="all", **options)


@pytest.mark.parametrize("group_by_channel", [False, True])
@pytest.mark.parametrize("privacy", [Privacy(), Privacy(private=True, mark_unverified=True)])
def test_json_in_pieces_is_what_json_dumps_writes_of_the_whole_list(store, group_by_channel, privacy):
    busy_week(store, 50)
    request = export(store, group_by_channel=group_by_channel, privacy=privacy)
    entries = [(channel, [success_fields(s, request) for s in found]) for channel, found in request.groups()]
    document = [{"channel": c, "successes": e} for c, e in entries] if group_by_channel else entries[0][1]
    assert "".join(RENDERERS["json"].pieces(request)) == json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def test_json_of_an_empty_week_in_pieces_is_an_empty_list(store):
    assert "".join(RENDERERS["json"].pieces(export(store))) == "[]\n"
    assert "".join(RENDERERS["json"].pieces(export(store, group_by_channel=True))) == "[]\n"


@pytest.mark.parametrize("name", ["html", "markdown", "json"])
def test_a_week_format_comes_in_one_piece_per_success_not_one_string(store, name):
    busy_week(store, 300)
    pieces = list(document_pieces(RENDERERS[name], export(store)))
    assert len(pieces) > 300 and max(map(len, pieces)) < 2000
    assert "".join(pieces) == RENDERERS[name].render(export(store))


def test_a_renderer_without_pieces_gives_its_whole_document_as_one(store):
    busy_week(store, 5)
    assert list(document_pieces(RENDERERS["csv"], export(store))) == [RENDERERS["csv"].render(export(store))]


def test_the_published_pages_of_a_busy_week_are_the_whole_documents_byte_for_byte(store, tmp_path, monkeypatch):
    monkeypatch.setattr(directory, "CHUNK", 1000)  # many chunks, split mid-character and mid-line
    busy_week(store)
    site = tmp_path / "site"
    publisher = Publisher(store, site)
    publisher.publish_week(WEEK)
    label = WEEK.label
    related = directory.week_links(label)
    week = directory.Week(WEEK, store.between(WEEK.start, WEEK.end, kind=None))
    for name, extension in (("html", "html"), ("markdown", "md"), ("json", "json")):
        whole = RENDERERS[name].render(publisher._request(week, related))
        written = (site / f"{label}.{extension}").read_bytes()
        assert len(written) > 10 * 1000 and written == whole.encode("utf-8"), name
    assert json.loads((site / f"{WEEK.label}.json").read_text(encoding="utf-8"))[-1]["text"].endswith(
        "#599 \\ \u2028 ok"
    )
    assert not list(site.glob(".*"))  # no temporary file left behind


def test_write_atomically_in_pieces_writes_them_joined_and_leaves_an_equal_file_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(directory, "CHUNK", 7)
    target = tmp_path / "page.html"
    pieces = ["<p>", "é" * 20, "</p>\n", "", "tail ✓"]
    assert write_atomically(target, pieces)
    assert target.read_bytes() == "".join(pieces).encode("utf-8")
    inode, changed = target.stat().st_ino, target.stat().st_mtime_ns
    # The same content cut differently is the same file: left alone, no temporary file behind.
    assert not write_atomically(target, ["<p>" + "é" * 10, "é" * 10 + "</p>\ntail ✓"])
    assert (target.stat().st_ino, target.stat().st_mtime_ns) == (inode, changed)
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]
    # A longer or a shorter document with the same beginning is a change.
    assert write_atomically(target, [*pieces, "!"])
    assert target.read_text(encoding="utf-8").endswith("tail ✓!")
    assert write_atomically(target, pieces[:2])
    assert target.read_text(encoding="utf-8") == "<p>" + "é" * 20
    assert write_atomically(target, "") and target.read_bytes() == b""
    assert not write_atomically(target, [])


def test_a_period_read_holds_each_repeated_value_once(store):
    busy_week(store, 40)
    found = store.between(WEEK.start, WEEK.end, kind=None)
    assert len(found) == 40 and len({id(s.nick) for s in found}) == 7
    assert len({id(s.channel) for s in found}) == 2 and len({id(s.kind) for s in found}) == 2
    assert [s.text for s in found] == [f"fixed <b>“gate”</b> #{n} \\ \u2028 ok" for n in range(40)]
    assert found == [store.get(s.id) for s in found]  # the same records as read one by one
