"""Atom (RFC 4287): a feed reader's view of the successes, newest first, written by a real XML serializer."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time
from xml.etree import ElementTree

from successbot.core.successes import Success
from successbot.publishing.page_urls import week_page_url
from successbot.publishing.renderers.base import ExportRequest, iso_time, one_line

ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"


def _stable_id(*parts: str) -> str:
    """An Atom id that stays the same for the same thing across runs, without a domain of our own."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, '/'.join(parts))}"


def _add(parent: ElementTree.Element, tag: str, content: str | None = None, **attributes: str) -> None:
    child = ElementTree.SubElement(parent, tag, attributes)
    if content is not None:
        child.text = one_line(content)  # XML 1.0 cannot carry control characters at all


def _updated(export: ExportRequest) -> datetime:
    """The newest change among the entries: the same successes give the same feed, byte for byte."""
    changes = [s.created_at for s in export.successes] + [s.deleted_at for s in export.successes if s.deleted_at]
    return max(changes, default=datetime.combine(export.first_day, time(), UTC))


class AtomRenderer:
    name = "atom"
    extension = "atom"

    def render(self, export: ExportRequest) -> str:
        origin = export.site_url or "successbot:"
        feed = ElementTree.Element("feed", {"xmlns": ATOM_NAMESPACE})
        _add(feed, "id", _stable_id(origin, export.title))
        _add(feed, "title", export.title)
        _add(feed, "updated", iso_time(_updated(export)))
        _add(feed, "generator", "successbot")
        if export.site_url:
            _add(feed, "link", rel="alternate", type="text/html", href=export.site_url)
        newest_first = sorted(export.successes, key=lambda s: (s.created_at, s.id), reverse=True)
        for success in newest_first:
            self._entry(feed, export, success, origin)
        ElementTree.indent(feed)
        return '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(feed, encoding="unicode") + "\n"

    @staticmethod
    def _entry(feed: ElementTree.Element, export: ExportRequest, success: Success, origin: str) -> None:
        entry = ElementTree.SubElement(feed, "entry")
        _add(entry, "id", _stable_id(origin, "success", success.network, str(success.id)))
        title = f"{export.speaker(success)} in {success.channel}" + (" [deleted]" if success.is_deleted else "")
        _add(entry, "title", title)
        _add(entry, "published", iso_time(success.created_at))
        _add(entry, "updated", iso_time(success.deleted_at or success.created_at))
        author = ElementTree.SubElement(entry, "author")
        _add(author, "name", success.nick)
        _add(entry, "category", term=one_line(success.channel))
        log_link = export.log_link(success)
        if export.site_url:
            page = f"{week_page_url(export.site_url, success.created_at)}#success-{success.id}"
            _add(entry, "link", rel="alternate", type="text/html", href=page)
        if log_link:
            _add(entry, "link", rel="related" if export.site_url else "alternate", href=log_link)
        _add(entry, "content", export.said(success), type="text")


RENDERER = AtomRenderer()
