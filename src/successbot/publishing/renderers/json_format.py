"""JSON: every field of every success, Unicode kept as it is.

A list of successes; grouped by channel, a list of ``{"channel", "successes"}``.
``log_url`` is there only when ``[export] log_url`` is set.
"""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

from successbot.core.successes import Success
from successbot.publishing.renderers.base import ExportRequest, iso_time


def success_fields(success: Success, log_link: str | None = None) -> dict[str, Any]:
    # Every field, in declaration order; shallow, as asdict's deep copy is slow and all values are plain.
    found = {field.name: getattr(success, field.name) for field in fields(success)}
    found["created_at"] = iso_time(success.created_at)
    found["deleted_at"] = iso_time(success.deleted_at) if success.deleted_at else None
    if log_link is not None:
        found["log_url"] = log_link
    return found


class JsonRenderer:
    name = "json"
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
