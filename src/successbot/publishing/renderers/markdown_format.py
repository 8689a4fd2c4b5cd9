"""Markdown (CommonMark): a bullet list whose user text cannot turn into links, headings or markup."""

from __future__ import annotations

import re
from collections.abc import Iterator

from successbot.core.successes import Success
from successbot.publishing.renderers.base import ExportRequest, channel_label, deletion_note, one_line, shown_time

# CommonMark lets any ASCII punctuation be backslash-escaped. Escaping all of
# it except a few that start nothing (not even a GFM autolink, once ':', '.'
# and '@' are escaped) keeps user text literal under any common extension.
_SPECIAL = re.compile(r"""([!#$&()*+\-.:<=>@\[\\\]^_`{|}~])""")


def escape_markdown(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", one_line(text))


class MarkdownRenderer:
    name = "markdown"
    extension = "md"

    def render(self, export: ExportRequest) -> str:
        return "".join(self.pieces(export))

    def pieces(self, export: ExportRequest) -> Iterator[str]:
        """The document line by line, each with its line break."""
        yield f"## {escape_markdown(export.title)}\n"
        for channel, successes in export.groups():
            if channel is not None:
                yield f"\n### {escape_markdown(channel_label(channel))}\n"
            yield "\n"
            for success in successes:
                yield self._item(export, success, show_channel=channel is None) + "\n"

    @staticmethod
    def _item(export: ExportRequest, success: Success, show_channel: bool) -> str:
        when = shown_time(success.created_at)
        if link := export.log_link(success):
            when = f"[{when}](<{link}>)"  # the template is checked: no spaces or <> in a link
        where = f" in {escape_markdown(success.channel)}," if show_channel else ","
        said = escape_markdown(export.said(success))
        item = f"- **{escape_markdown(export.speaker(success))}**{where} {when}: {said}"
        if note := deletion_note(success):
            item += f" {escape_markdown(f'({note})')}"
        return item


RENDERER = MarkdownRenderer()
