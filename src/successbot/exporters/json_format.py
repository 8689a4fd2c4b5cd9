"""JSON: every field of every success, Unicode kept as it is.

A list of successes; grouped by channel, a list of ``{"channel", "successes"}``.
``log_url`` is there only when ``[export] log_url`` is set.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from successbot.exporters.base import ExportRequest, iso_time
from successbot.successes import Success


def success_fields(success: Success, log_link: str | None = None) -> dict[str, Any]:
    fields = asdict(success)
    fields["created_at"] = iso_time(success.created_at)
    fields["deleted_at"] = iso_time(success.deleted_at) if success.deleted_at else None
    if log_link is not None:
        fields["log_url"] = log_link
    return fields


class JsonRenderer:
    name = "json"
    media_type = "application/json"
    extension = "json"

    def render(self, export: ExportRequest) -> str:
        groups = [
            (channel, [success_fields(s, export.log_link(s)) for s in successes])
            for channel, successes in export.groups()
        ]
        if export.group_by_channel:
            document: Any = [{"channel": channel, "successes": entries} for channel, entries in groups]
        else:
            ((_all, document),) = groups
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


RENDERER = JsonRenderer()
