"""HTML: a standalone page, readable on a phone, with no script, no external asset and escaped user text.

The published pages (index, one per week) are built from the same pieces:
``document`` wraps a body, ``success_list`` renders successes. The page
also forbids scripts itself (a Content-Security-Policy meta), so that even a
bug in the escaping could not run one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from html import escape

from successbot.core.successes import Success
from successbot.publishing.renderers.base import (
    ExportRequest,
    Link,
    channel_label,
    deletion_note,
    iso_time,
    one_line,
    shown_time,
)

CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

STYLE = """
:root { color-scheme: light dark; }
body { font-family: system-ui, sans-serif; line-height: 1.5; max-width: 42rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
p.intro { margin-bottom: 1rem; }
.count { font-size: .875rem; font-weight: normal; opacity: .8; }
ul.successes { list-style: none; padding: 0; }
li.success { margin: 0 0 1rem; padding-left: .75rem; border-left: 3px solid #7a7; }
li.deleted { border-left-color: #c66; }
li.thanks { border-left-color: #79c; }
p { margin: 0; overflow-wrap: anywhere; }
.meta { font-size: .875rem; opacity: .8; }
nav { font-size: .875rem; }
a { color: inherit; }
""".strip()


def text(value: str) -> str:
    """User text as HTML character data or a quoted attribute value: nothing in it is markup."""
    return escape(one_line(value), quote=True)


def document(title: str, body: str, related: Sequence[Link] = (), intro: str = "") -> str:
    """A whole page: ``title`` once (the tab's and the heading), ``intro`` as one line under it, then ``body``."""
    return "".join(document_pieces(title, (body,), related, intro))


def document_pieces(title: str, body: Iterable[str], related: Sequence[Link] = (), intro: str = "") -> Iterator[str]:
    """``document`` in pieces, ``body`` given in pieces: a long page is written as it is made, never held whole."""
    nav = ""
    if related:
        links = " · ".join(f'<a href="{escape(link.href)}">{escape(link.label)}</a>' for link in related)
        nav = f"<nav>{links}</nav>\n"
    lead = f'<p class="intro">{text(intro)}</p>\n' if intro.strip() else ""
    yield (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{text(title)}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>\n"
        f"{nav}<h1>{text(title)}</h1>\n{lead}"
    )
    yield from body
    yield "</body>\n</html>\n"


def success_list(export: ExportRequest, successes: Sequence[Success], show_channel: bool = True) -> str:
    return "".join(success_list_pieces(export, successes, show_channel))


def success_list_pieces(
    export: ExportRequest, successes: Sequence[Success], show_channel: bool = True
) -> Iterator[str]:
    """``success_list`` in pieces: one per success."""
    if not successes:
        yield f'<p class="empty">{text(export.nothing)}</p>\n'
        return
    yield '<ul class="successes">\n'
    for success in successes:
        yield _item(export, success, show_channel)
    yield "</ul>\n"


def _item(export: ExportRequest, success: Success, show_channel: bool) -> str:
    when = f'<time datetime="{iso_time(success.created_at)}">{shown_time(success.created_at)}</time>'
    if link := export.log_link(success):
        when = f'<a class="log" href="{escape(link)}">{when}</a>'
    where = f' in <span class="channel">{text(success.channel)}</span>,' if show_channel else ","
    words = text(export.said(success))
    classes, deletion = "success thanks" if success.is_thanks else "success", ""
    if note := deletion_note(success):
        classes, words = f"{classes} deleted", f"<del>{words}</del>"
        deletion = f' <span class="deletion">({text(note)})</span>'
    return (
        f'<li class="{classes}" id="success-{success.id}"><p class="text">{words}</p>\n'
        f'<p class="meta"><span class="nick">{text(export.speaker(success))}</span>{where} {when}{deletion}</p></li>\n'
    )


class HtmlRenderer:
    name = "html"
    extension = "html"

    def render(self, export: ExportRequest) -> str:
        return "".join(self.pieces(export))

    def pieces(self, export: ExportRequest) -> Iterator[str]:
        return document_pieces(export.title, self._body(export), export.related)

    @staticmethod
    def _body(export: ExportRequest) -> Iterator[str]:
        for channel, successes in export.groups():
            if channel is not None:
                yield f"<h2>{text(channel_label(channel))}</h2>\n"
            yield from success_list_pieces(export, successes, show_channel=channel is None)


RENDERER = HtmlRenderer()
