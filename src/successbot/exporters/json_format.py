"""JSON: every field of every success, Unicode kept as it is."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

from successbot.exporters.base import ExportRequest


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def success_fields(success: Any) -> dict[str, Any]:
    fields = asdict(success)
    fields["created_at"] = _iso(success.created_at)
    fields["deleted_at"] = _iso(success.deleted_at)
    return fields


class JsonRenderer:
    name = "json"
    media_type = "application/json"

    def render(self, export: ExportRequest) -> str:
        return json.dumps([success_fields(s) for s in export.successes], ensure_ascii=False, indent=2) + "\n"


RENDERER = JsonRenderer()
