"""Read every export format back with a real parser for it, and check that user text stayed text.

Each reader returns the successes it finds, oldest first, as ``Entry``
values, and fails (AssertionError) when the document holds markup that the
renderer did not put there on purpose: a link not to a log, a heading, a
table, raw HTML, a script, a reST reference or directive, a parser warning.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from xml.etree import ElementTree

import html5lib
from docutils import nodes
from docutils.core import publish_doctree
from markdown_it import MarkdownIt

from successbot.publishing.renderers.csv_format import FORMULA_STARTS


@dataclass(frozen=True)
class Entry:
    nick: str
    text: str
    channel: str | None  # None where the format does not carry it (the ungrouped text list)
    time: str | None  # ISO 8601 with Z; None in the text list
    log_url: str | None = None


@dataclass(frozen=True)
class Expectations:
    """What the reader may find besides user text: the log links and how many headings."""

    log_urls: frozenset[str] = frozenset()
    headings: int | None = None


# "alice in #dev, Mon 14 Mar 2016 10:00 UTC: text" once markup is taken away; channels never hold a comma.
_ITEM = re.compile(
    r"(?s)(?P<where> in (?P<channel>[^,]*))?, (?P<time>[A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d) UTC: "
    r"(?P<text>.*)"
)


def _iso(shown: str) -> str:
    parsed = datetime.strptime(shown, "%a %d %b %Y %H:%M")
    # strptime ignores a weekday that does not match the date: written back, it must read the same.
    assert f"{parsed:%a} {parsed.day} {parsed:%b %Y %H:%M}" == shown, f"not a date as successbot writes one: {shown}"
    return parsed.strftime("%Y-%m-%dT%H:%M:00Z")


def _entry(nick: str, rest: str, channel: str | None, log_url: str | None) -> Entry:
    found = _ITEM.fullmatch(rest)
    assert found, f"not an entry: {rest!r}"
    where = found.group("channel") if found.group("where") else channel
    return Entry(nick, found.group("text"), where, _iso(found.group("time")), log_url)


# --- Markdown: CommonMark with the GFM extensions a reader is likely to have on ---

_MARKDOWN = MarkdownIt("commonmark", {"linkify": True}).enable(["table", "strikethrough", "linkify"])
_MARKDOWN_BLOCKS = {"heading", "bullet_list", "list_item", "paragraph", "inline"}


def read_markdown(document: str, expect: Expectations) -> list[Entry]:
    tokens = _MARKDOWN.parse(document)
    kinds = {token.type.removesuffix("_open").removesuffix("_close") for token in tokens}
    assert kinds <= _MARKDOWN_BLOCKS, f"unexpected blocks {kinds - _MARKDOWN_BLOCKS}"
    headings = [t for t in tokens if t.type == "heading_open"]
    if expect.headings is not None:
        assert len(headings) == expect.headings
    entries, channel, in_heading, in_item, heading_number = [], None, False, False, 0
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            in_heading = token.type == "heading_open"
        elif token.type in ("list_item_open", "list_item_close"):
            in_item = token.type == "list_item_open"
        elif token.type == "inline" and in_heading:
            assert {c.type for c in token.children or []} <= {"text"}
            heading_number += 1
            if heading_number > 1:  # the first is the title; the others name channels
                channel = "".join(c.content for c in token.children or [])
        elif token.type == "inline" and in_item:
            entries.append(_markdown_item(token.children or [], channel, expect))
    return entries


def _markdown_item(children: list, channel: str | None, expect: Expectations) -> Entry:
    kinds = [child.type for child in children]
    assert set(kinds) <= {"text", "strong_open", "strong_close", "link_open", "link_close"}, kinds
    assert kinds.count("strong_open") == 1, "only the nick is strong"
    links = [child.attrs["href"] for child in children if child.type == "link_open"]
    assert len(links) <= 1 and set(links) <= expect.log_urls, f"a link not to a log: {links}"
    start, end = kinds.index("strong_open"), kinds.index("strong_close")
    nick = "".join(child.content for child in children[start + 1 : end])
    rest = "".join(child.content for child in children[end + 1 :])
    return _entry(nick, rest, channel, links[0] if links else None)


# --- reStructuredText, parsed by docutils itself ---

_RST_NODES = (
    nodes.document,
    nodes.title,
    nodes.subtitle,  # docutils makes a lone section's title the subtitle: one channel, grouped
    nodes.section,
    nodes.bullet_list,
    nodes.list_item,
    nodes.paragraph,
    nodes.Text,
    nodes.strong,
    nodes.reference,
)


def read_rst(document: str, expect: Expectations) -> list[Entry]:
    warnings = io.StringIO()
    tree = publish_doctree(
        document, settings_overrides={"report_level": 1, "halt_level": 5, "warning_stream": warnings}
    )
    assert warnings.getvalue() == "", warnings.getvalue()
    for node in tree.findall():
        assert isinstance(node, _RST_NODES), f"unexpected {node.tagname}: {node.astext()[:80]!r}"
    for reference in tree.findall(nodes.reference):
        assert reference.get("refuri") in expect.log_urls, f"a reference not to a log: {reference}"
    titles = list(tree.findall(nodes.title)) + list(tree.findall(nodes.subtitle))
    if expect.headings is not None:
        assert len(titles) == expect.headings
    subtitle = next(iter(tree.findall(nodes.subtitle)), None)
    entries = []
    for item in tree.findall(nodes.list_item):
        (paragraph,) = item.children
        (strong, *_rest) = [child for child in paragraph.children if isinstance(child, nodes.strong)]
        assert paragraph.children[0] is strong
        links = [ref.get("refuri") for ref in paragraph.findall(nodes.reference)]
        section = item.parent.parent
        channel = section[0].astext() if isinstance(section, nodes.section) else None
        if channel is None and subtitle is not None:
            channel = subtitle.astext()
        rest = paragraph.astext()[len(strong.astext()) :]
        entries.append(_entry(strong.astext(), rest, channel, links[0] if links else None))
    return entries


# --- HTML, parsed as a browser does (html5lib implements the WHATWG algorithm) ---

_HTML_TAGS = {
    "html", "head", "meta", "title", "style", "body", "nav", "h1", "h2", "section",
    "ul", "li", "p", "span", "a", "time", "del",
}  # fmt: skip


def read_html(document: str, expect: Expectations, site_pages: frozenset[str] = frozenset()) -> list[Entry]:
    root = html5lib.parse(document, namespaceHTMLElements=False)
    for element in root.iter():
        assert element.tag in _HTML_TAGS, f"unexpected <{element.tag}>"
        assert not any(name.lower().startswith("on") for name in element.attrib), element.attrib
        if element.tag == "a":
            href = element.get("href")
            assert href in expect.log_urls or href in site_pages, f"a link not to a log or a page: {href}"
    assert len(root.findall(".//style")) == 1 and len(root.findall(".//head/meta")) == 4
    if expect.headings is not None:
        assert len(root.findall(".//h2")) == expect.headings - 1
    entries, channel = [], None
    for element in root.find("body").iter():
        if element.tag == "h2":
            channel = "".join(element.itertext())
        if element.tag == "li" and "success" in element.get("class", "").split():
            entries.append(_html_item(element, channel))
    return entries


def _html_item(item: ElementTree.Element, channel: str | None) -> Entry:
    def text_of(tag: str, cls: str) -> str | None:
        found = item.find(f".//{tag}[@class='{cls}']")
        return None if found is None else "".join(found.itertext())

    log = item.find(".//a[@class='log']")
    time = item.find(".//time")
    shown_channel = text_of("span", "channel")
    return Entry(
        nick=text_of("span", "nick") or "",
        text=text_of("p", "text") or "",
        channel=shown_channel if shown_channel is not None else channel,
        time=None if time is None else time.get("datetime"),
        log_url=None if log is None else log.get("href"),
    )


# --- Atom, parsed as XML; the feed must have what RFC 4287 requires ---

ATOM = "{http://www.w3.org/2005/Atom}"


def read_atom(document: str, expect: Expectations) -> list[Entry]:
    assert "<!DOCTYPE" not in document and "<!ENTITY" not in document
    feed = ElementTree.fromstring(document.encode("utf-8"))
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{required}") is not None, f"the feed has no {required}"
    ids = [entry.findtext(f"{ATOM}id") for entry in feed.findall(f"{ATOM}entry")]
    assert len(set(ids)) == len(ids), "entry ids must be unique"
    entries = [_atom_entry(element, expect) for element in feed.findall(f"{ATOM}entry")]
    times = [entry.time for entry in entries]
    assert times == sorted(times, reverse=True), "newest first"
    return entries[::-1]


def _atom_entry(element: ElementTree.Element, expect: Expectations) -> Entry:
    for required in ("id", "title", "updated", "author/" + ATOM + "name"):
        assert element.find(f"{ATOM}{required}") is not None, f"an entry has no {required}"
    for child in element.iter():
        assert child.tag.startswith(ATOM), f"foreign element {child.tag}"
    content = element.find(f"{ATOM}content")
    assert content is not None and content.get("type") == "text" and len(content) == 0
    links = {link.get("rel"): link.get("href") for link in element.findall(f"{ATOM}link")}
    log_url = links.get("related") or (links.get("alternate") if links.get("alternate") in expect.log_urls else None)
    assert log_url is None or log_url in expect.log_urls
    category = element.find(f"{ATOM}category")
    return Entry(
        nick=element.findtext(f"{ATOM}author/{ATOM}name") or "",
        text=content.text or "",
        channel=None if category is None else category.get("term"),
        time=element.findtext(f"{ATOM}published"),
        log_url=log_url,
    )


# --- CSV: the csv module; no cell may start a formula ---


def read_csv(document: str, expect: Expectations) -> list[Entry]:
    rows = list(csv.DictReader(io.StringIO(document, newline="")))
    for row in rows:
        for cell in row.values():
            assert not cell.lstrip(" ").startswith(FORMULA_STARTS), f"formula-like cell {cell!r}"
    return [Entry(row["nick"], row["text"], row["channel"], row["created_at"], row["log_url"] or None) for row in rows]


# --- JSON and the plain text list ---


def read_json(document: str, expect: Expectations) -> list[Entry]:
    found = json.loads(document)
    if found and "successes" in found[0]:
        found = [success for group in found for success in group["successes"]]
    return [Entry(s["nick"], s["text"], s["channel"], s["created_at"], s.get("log_url")) for s in found]


def read_text(document: str, expect: Expectations) -> list[Entry]:
    entries, channel = [], None
    for line in document.splitlines():
        if not line:
            continue
        if not line.startswith("  • "):
            channel = line  # a channel heading, when grouped
            continue
        nick, text = line.removeprefix("  • ").split(": ", 1)
        log_url = next((url for url in expect.log_urls if text.endswith(f" <{url}>")), None)
        if log_url:
            text = text.removesuffix(f" <{log_url}>")
        entries.append(Entry(nick, text, channel, None, log_url))
    return entries


READERS: dict[str, Callable[[str, Expectations], list[Entry]]] = {
    "markdown": read_markdown,
    "rst": read_rst,
    "html": read_html,
    "atom": read_atom,
    "csv": read_csv,
    "json": read_json,
    "text": read_text,
}
