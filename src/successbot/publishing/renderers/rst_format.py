"""reStructuredText: a bullet list whose user text cannot become references, targets or directives."""

from __future__ import annotations

import re

from successbot.core.successes import Success
from successbot.publishing.renderers.base import ExportRequest, channel_label, deletion_note, one_line, shown_time

# In reST a backslash makes any character literal. Escaping all ASCII
# punctuation covers every inline markup start (* ` _ | [), reference names
# (word_), and the standalone URIs and e-mail addresses docutils would link.
_PUNCTUATION = re.compile(r"""([!-/:-@\[-`{-~])""")


def escape_rst(text: str) -> str:
    return _PUNCTUATION.sub(r"\\\1", one_line(text))


def _underline(title: str, mark: str) -> str:
    # Wide characters take two columns; two for every non-ASCII one is never too short.
    return mark * max(1, sum(1 if ord(char) < 128 else 2 for char in title))


class RstRenderer:
    name = "rst"
    extension = "rst"

    def render(self, export: ExportRequest) -> str:
        title = escape_rst(export.title)
        rule = _underline(title, "=")
        lines = [rule, title, rule]
        used: set[str] = {title}
        for channel, successes in export.groups():
            if channel is not None:
                heading = _unique(escape_rst(channel_label(channel)), used)
                lines += ["", heading, _underline(heading, "-")]
            lines.append("")
            lines += [self._item(export, success, show_channel=channel is None) for success in successes]
        return "\n".join(lines) + "\n"

    @staticmethod
    def _item(export: ExportRequest, success: Success, show_channel: bool) -> str:
        when = shown_time(success.created_at)
        if link := export.log_link(success):
            # An embedded URI ending in "_" would be read as a reference name.
            uri = link[:-1] + "\\_" if link.endswith("_") else link
            when = f"`{when} <{uri}>`__"
        where = f" in {escape_rst(success.channel)}," if show_channel else ","
        item = f"- **{escape_rst(export.speaker(success))}**{where} {when}: {escape_rst(export.said(success))}"
        if note := deletion_note(success):
            item += f" {escape_rst(f'({note})')}"
        return item


RENDERER = RstRenderer()


def _unique(heading: str, used: set[str]) -> str:
    """Two channels whose names look alike once made printable (``#\\x1e``, ``#\\x1f``) still get two sections:
    reST makes each heading a link target, and two targets of one name are an error."""
    shown, number = heading, 2
    while shown.casefold() in {name.casefold() for name in used}:
        shown, number = f"{heading} ({number})", number + 1
    used.add(shown)
    return shown
