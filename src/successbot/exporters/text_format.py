"""Plain text: the "SuccessBot Says" list of a weekly digest, one bullet per success."""

from __future__ import annotations

from successbot.exporters.base import ExportRequest


class TextRenderer:
    name = "text"
    media_type = "text/plain"

    def render(self, export: ExportRequest) -> str:
        return "".join(f"  • {success.nick}: {success.text}\n" for success in export.successes)


RENDERER = TextRenderer()
