"""Plain text: the "SuccessBot Says" list of a weekly digest, one bullet per success.

Made to be pasted as it is, so a line carries only the nick and the text;
the channel appears as a heading when grouping, and the log link (when
``[export] log_url`` is set) after the text.
"""

from __future__ import annotations

from successbot.core.successes import Success
from successbot.publishing.renderers.base import ExportRequest, channel_label, deletion_note, one_line


class TextRenderer:
    name = "text"
    extension = "txt"

    def render(self, export: ExportRequest) -> str:
        lines: list[str] = []
        for number, (channel, successes) in enumerate(export.groups()):
            if channel is not None:
                lines += ["", channel_label(channel)] if number else [channel_label(channel)]
            lines += [self._line(export, success) for success in successes]
        return "".join(line + "\n" for line in lines)

    @staticmethod
    def _line(export: ExportRequest, success: Success) -> str:
        line = f"  • {one_line(export.speaker(success))}: {one_line(export.said(success))}"
        if note := deletion_note(success):
            line += f" [{one_line(note)}]"
        if link := export.log_link(success):
            line += f" <{link}>"
        return line


RENDERER = TextRenderer()
