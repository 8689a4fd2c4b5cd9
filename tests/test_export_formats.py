"""Every export format, read back with a real parser: real digest successes and hostile texts survive as text."""

# ruff: noqa: RUF001  (the digests' typographic quotes and odd letters are the point)

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from format_readers import READERS, Entry, Expectations
from successbot.core.successes import NewSuccess, Success
from successbot.core.weeks import iso_week
from successbot.publishing.export import export_successes, period_title
from successbot.publishing.log_links import LogUrlTemplate
from successbot.publishing.renderers import RENDERERS, ExportRequest
from successbot.publishing.renderers.base import channel_label, one_line
from successbot.publishing.renderers.csv_format import neutralise

WEEK = iso_week("2016-W11")
MONDAY = datetime(2016, 3, 14, 9, 0, tzinfo=UTC)
LOG_URL = LogUrlTemplate.parse("https://logs.example.org/{channel}/{channel}.{date}.log.html")
FORMATS = sorted(RENDERERS)

# Successes as they appear in the weekly digests: typographic quotes, channel
# names, [1] references with the links below them, long lines, the odd *, _ or =).
DIGEST_SUCCESSES = [
    ("mriedem", "#openstack-nova", "The “placement” API is in the gate [1] and Nova’s cells v2 job is voting"),
    ("fungi", "#openstack-infra", "Gerrit upgrade done; thanks to everyone in #openstack-infra for the help"),
    ("ttx", "#openstack-release", "Mitaka RC1 tagged for 12 projects — see [1] and [2] for the list"),
    ("AJaeger", "#openstack-doc", "[1] https://review.openstack.org/#/c/289213/ merged: the install guide builds"),
    ("dims", "#openstack-oslo", "oslo.* libraries now run py35 jobs… all green! 100% of them"),
    (
        "jroll",
        "#openstack-ironic",
        "Ironic’s multi-tenant networking finally landed after three cycles of work by many people across "
        "Neutron, Nova and Ironic; thanks to everyone who reviewed, tested on real hardware, wrote the docs, "
        "fixed the grenade job twice and kept rebasing the series until it merged (see the spec [1], the "
        "install guide [2] and the gate dashboard [3] for the details) — this was a real team effort ❤",
    ),
    ("notmyname", "#openstack-swift", "Swift 2.7.0 released: *erasure codes* are no longer _experimental_ =)"),
    ("sdague", "#openstack-qa", "-1s from the bot are gone; +2 for the new tempest plugin interface @ 100%"),
    ("docaedo", "#openstack-dev", "C++ bindings & `tox -e docs` work on Python 3 <finally>"),
    ("[diablo]", "#openstack-dev", "my first patch merged \\o/ | thanks all ^_^"),
]

HOSTILE_TEXTS = [
    "<script>document.title='pwned'</script>",
    "<img src=x onerror=\"document.title='pwned'\">",
    '"><svg onload=alert(1)><a href="javascript:alert(1)">x</a>',
    "[click me](javascript:alert(1)) and <https://evil.example> and ![img](https://evil.example/x.png)",
    "[ref]: https://evil.example 'title' then [ref]",
    "# not a heading",
    "| a | b |\n|---|---|\n| c | d |",
    "line one\n# heading?\n- item\n\n    code\n> quote",
    "`code` **bold** _em_ ~~strike~~ <b>raw</b> &amp; &lt; &#x3C;script&#x3E;",
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
    '  =HYPERLINK("https://evil.example")',
    ".. raw:: html\n\n   <script>alert(1)</script>",
    ".. image:: https://evil.example/x.png",
    ".. include:: /etc/passwd",
    "`link <https://evil.example>`_ and evil_ and [1]_ and [#]_ and |sub| and :role:`x` and __init__",
    "see https://evil.example and www.evil.example and mail@evil.example",
    "]]></content><entry><title>fake</title></entry><content>",
    "<![CDATA[x]]> <?xml version='1.0'?> <!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]> &e;",
    "trailing backslash \\",
    "nul\x00 bell\x07 escape\x1b[31m del\x7f c1\x9b ls\u2028 ps\u2029 bom\ufeff",
    "* star",
    "1. numbered",
    "---",
    "===",
    "::",
    "ünïcödé “quotes” — 🎉 𝕏 中文字符 עברית",
]

HOSTILE_NICKS = ["[evil]", "a_b_", "`x`", "x|y", "_\\_", "^{}"]
HOSTILE_CHANNELS = ["#<b>x</b>", "#dev](javascript:x)", "#=1+1", "#a|b", "#c`d`", "&local", "#*em*"]


def success(number: int, nick: str, channel: str, text: str, **changes) -> Success:
    made = Success(
        id=number,
        text=text,
        nick=nick,
        channel=channel,
        created_at=MONDAY + timedelta(minutes=number),
        account=None,
        userhost=None,
        network="OFTC",
    )
    return replace(made, **changes)


def request(successes, group_by_channel=False, log_url=LOG_URL) -> ExportRequest:
    return ExportRequest(
        successes,
        WEEK.first_day,
        WEEK.last_day,
        period_title(WEEK),
        group_by_channel=group_by_channel,
        log_url=log_url,
    )


def expected(format_name: str, export: ExportRequest) -> list[Entry]:
    """What a reader must find: every field, user text literal (flattened to one line, or neutralised in CSV)."""
    found = []
    groups = [(None, export.successes)] if format_name == "atom" else export.groups()  # a feed is by time
    headings: list[str] = [export.title]
    for channel, successes in groups:
        heading = None if channel is None else channel_label(channel)
        if format_name == "rst" and heading is not None:
            # reST makes each heading a link target: channels that look alike get numbered headings.
            taken = [name.casefold() for name in headings]
            number, base = 2, heading
            while heading.casefold() in taken:
                heading, number = f"{base} ({number})", number + 1
            headings.append(heading)
        for s in successes:
            log_url = export.log_link(s)
            if format_name == "json":
                found.append(Entry(s.nick, s.text, s.channel, iso(s.created_at), log_url))
            elif format_name == "csv":
                found.append(
                    Entry(neutralise(s.nick), neutralise(s.text), neutralise(s.channel), iso(s.created_at), log_url)
                )
            elif format_name == "text":
                found.append(Entry(s.nick, one_line(s.text), heading, None, log_url))
            else:
                shown = one_line(s.channel) if heading is None else heading
                found.append(Entry(one_line(s.nick), one_line(s.text), shown, iso(s.created_at), log_url))
    return found


def iso(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


def read(format_name: str, export: ExportRequest) -> list[Entry]:
    document = RENDERERS[format_name].render(export)
    log_urls = frozenset(filter(None, (export.log_link(s) for s in export.successes)))
    headings = 1 + (len(export.groups()) if export.group_by_channel else 0)
    return READERS[format_name](document, Expectations(log_urls, headings))


@pytest.mark.parametrize("format_name", FORMATS)
def test_every_format_reads_back_the_digest_successes_from_the_database(store, format_name):
    for minutes, (nick, channel, text) in enumerate(DIGEST_SUCCESSES):
        store.add(NewSuccess(text, nick, channel, MONDAY + timedelta(minutes=minutes), network="OFTC"))
    document = export_successes(store, WEEK, format_name, log_url=LOG_URL)
    log_urls = frozenset(LOG_URL.for_success(s) for s in store.between(WEEK.start, WEEK.end))
    entries = READERS[format_name](document, Expectations(log_urls, headings=1))
    literal = neutralise if format_name == "csv" else str  # a CSV cell starting with - gets a leading '
    assert [(e.nick, e.text) for e in entries] == [(nick, literal(text)) for nick, _channel, text in DIGEST_SUCCESSES]
    if format_name != "text":  # the digest's paste-ready list is nick and text only
        assert [e.channel for e in entries] == [channel for _nick, channel, _text in DIGEST_SUCCESSES]
        assert entries[0].time == "2016-03-14T09:00:00Z"
    assert all(e.log_url and e.log_url.startswith("https://logs.example.org/%23openstack-") for e in entries)


@pytest.mark.parametrize("format_name", FORMATS)
@pytest.mark.parametrize("group_by_channel", [False, True], ids=["listed", "grouped"])
def test_hostile_texts_nicks_and_channels_stay_text(format_name, group_by_channel):
    successes = [
        success(number, HOSTILE_NICKS[number % len(HOSTILE_NICKS)], HOSTILE_CHANNELS[number % 3], text)
        for number, text in enumerate(HOSTILE_TEXTS)
    ]
    successes += [
        success(100 + n, "eve", channel, "in a hostile channel") for n, channel in enumerate(HOSTILE_CHANNELS)
    ]
    export = request(successes, group_by_channel)
    assert read(format_name, export) == expected(format_name, export)


IRC_NICKS = st.from_regex(r"[A-Za-z\[\]\\`_^{|}][A-Za-z0-9\[\]\\`_^{|}-]{0,15}", fullmatch=True)
# What IRC allows in a channel name: anything but NUL, BEL, CR, LF, space and comma.
CHANNELS = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\x07\r\n ,"), min_size=1, max_size=20
).map(lambda name: "#" + name)
# What clean_success_text lets through: any text, stripped, not empty (no lone surrogates: UTF-8 has none).
TEXTS = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=200).map(str.strip).filter(bool)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(IRC_NICKS, CHANNELS, TEXTS), min_size=1, max_size=4),
    st.booleans(),
)
def test_any_text_survives_every_format(entries, group_by_channel):
    export = request([success(n, *entry) for n, entry in enumerate(entries)], group_by_channel)
    for format_name in FORMATS:
        assert read(format_name, export) == expected(format_name, export), format_name


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("  =1", "'  =1"),
        ("fixed the gate", "fixed the gate"),
        ("1 + 1 = 2", "1 + 1 = 2"),
        ("'=quoted already", "'=quoted already"),
    ],
)
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(cell, safe):
    assert neutralise(cell) == safe


def test_csv_round_trips_line_breaks_and_quotes_exactly():
    export = request([success(1, "alice", "#dev", 'two\r\nlines, "quoted"; and a , comma')])
    (entry,) = read("csv", export)
    assert entry.text == 'two\r\nlines, "quoted"; and a , comma'


def test_html_page_has_no_script_no_external_asset_and_forbids_scripts_itself():
    document = RENDERERS["html"].render(request([success(1, "eve", "#dev", "<script>alert(1)</script>")]))
    assert "<script" not in document.lower() and "&lt;script&gt;" in document
    assert "Content-Security-Policy" in document and "default-src 'none'" in document
    assert "src=" not in document and "stylesheet" not in document


def test_grouping_gives_one_section_per_channel_in_name_order():
    export = request(
        [success(1, "a", "#nova", "x"), success(2, "b", "#Infra", "y"), success(3, "c", "#nova", "z")],
        group_by_channel=True,
    )
    assert [channel for channel, _ in export.groups()] == ["#Infra", "#nova"]
    text = RENDERERS["text"].render(export)
    assert text == "#Infra\n  • b: y <https://logs.example.org/%23Infra/%23Infra.2016-03-14.log.html>\n\n" + (
        "#nova\n  • a: x <https://logs.example.org/%23nova/%23nova.2016-03-14.log.html>\n"
        "  • c: z <https://logs.example.org/%23nova/%23nova.2016-03-14.log.html>\n"
    )


@pytest.mark.parametrize("format_name", FORMATS)
def test_deleted_successes_appear_only_in_the_audit_and_are_marked(store, format_name):
    store.add(NewSuccess("kept", "alice", "#dev", MONDAY))
    store.add(NewSuccess("regretted", "bob", "#dev", MONDAY + timedelta(hours=1)))
    store.mark_deleted(2, by="root", at=MONDAY + timedelta(hours=2))
    assert "regretted" not in export_successes(store, WEEK, format_name)
    audit = export_successes(store, WEEK, format_name, include_deleted=True)
    assert "regretted" in audit
    assert ("root" in audit) or format_name == "atom"
    assert "deleted" in audit.lower()


def test_a_success_with_no_log_url_configured_has_no_link():
    export = request([success(1, "alice", "#dev", "x")], log_url=None)
    for format_name in FORMATS:
        assert all(entry.log_url is None for entry in read(format_name, export)), format_name


def test_the_same_successes_give_the_same_feed_byte_for_byte():
    export = request([success(1, "alice", "#dev", "x"), success(2, "bob", "#dev", "y")])
    first, second = RENDERERS["atom"].render(export), RENDERERS["atom"].render(export)
    assert first == second
    assert "<updated>2016-03-14T09:02:00Z</updated>" in first


def test_rst_title_underline_is_long_enough_for_wide_characters():
    export = ExportRequest([], WEEK.first_day, WEEK.last_day, "成功 " * 10)
    assert READERS["rst"](RENDERERS["rst"].render(export), Expectations(headings=1)) == []


def test_channels_that_look_alike_once_printable_still_get_a_section_each_in_rst():
    # '#\x1e' and '#\x1f' both show as '#\ufffd': reST refuses two link targets of one name.
    export = request([success(0, "a", "#\x1f", "x"), success(1, "b", "#\x1e", "y")], group_by_channel=True)
    assert read("rst", export) == expected("rst", export)
    assert [entry.channel for entry in read("rst", export)] == ["#\ufffd", "#\ufffd (2)"]
