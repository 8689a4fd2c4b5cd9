"""Markdown: a bullet list whose user text cannot turn into links, headings or markup."""

from __future__ import annotations

import re

from successbot.exporters.base import ExportRequest

# Every ASCII punctuation character may be backslash-escaped in CommonMark;
# escaping all that carry meaning keeps user text literal.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~&])")


def escape_markdown(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text)


class MarkdownRenderer:
    name = "markdown"
    media_type = "text/markdown"

    def render(self, export: ExportRequest) -> str:
        lines = [f"## {escape_markdown(export.title)}", ""]
        lines += [f"- **{escape_markdown(s.nick)}**: {escape_markdown(s.text)}" for s in export.successes]
        return "\n".join(lines) + "\n"


RENDERER = MarkdownRenderer()
