"""JSON: the fields of each success that the export may show, Unicode kept as it is.

A list of successes; grouped by channel, a list of ``{"channel", "successes"}``.
Each success has ``id``, ``created_at``, ``channel``, ``nick`` and ``text``;
``kind`` (``success`` or ``thanks``) and ``thanked`` when the export holds thanks;
``log_url`` when ``[export] log_url`` is set; ``account`` when accounts are
shown; ``verified`` when unverified speakers are marked; ``deleted_at`` and
``deleted_by`` in an audit; ``userhost`` and ``network`` only in a private
(admin) export.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from successbot.core.successes import Success
from successbot.publishing.renderers.base import ExportRequest, iso_time


def success_fields(success: Success, export: ExportRequest) -> dict[str, Any]:
    privacy = export.privacy
    found: dict[str, Any] = {
        "id": success.id,
        "created_at": iso_time(success.created_at),
        "channel": success.channel,
        "nick": success.nick,
        "text": success.text,
    }
    if (log_link := export.log_link(success)) is not None:
        found["log_url"] = log_link
    if export.includes_thanks:
        found["kind"], found["thanked"] = success.kind, success.thanked
    if privacy.shows_account:
        found["account"] = success.account
    if privacy.mark_unverified:
        found["verified"] = bool(success.account)
    if export.audit:
        found["deleted_at"] = iso_time(success.deleted_at) if success.deleted_at else None
        found["deleted_by"] = success.deleted_by
    if privacy.private:
        found["userhost"], found["network"] = success.userhost, success.network
    return found


class JsonRenderer:
    name = "json"
    extension = "json"

    def render(self, export: ExportRequest) -> str:
        return "".join(self.pieces(export))

    def pieces(self, export: ExportRequest) -> Iterator[str]:
        """What ``json.dumps(document, ensure_ascii=False, indent=2)`` writes, one entry at a time: a week's
        thousands of entries are never all built as dicts at once."""
        if export.group_by_channel:
            groups = ({"channel": c, "successes": [success_fields(s, export) for s in g]} for c, g in export.groups())
            yield from _list_pieces(groups)
        else:
            yield from _list_pieces(success_fields(s, export) for s in export.successes)
        yield "\n"


def _list_pieces(entries: Iterable[Any]) -> Iterator[str]:
    """A top-level JSON list as ``indent=2`` writes it; each entry's own lines indented one level."""
    first = True
    for entry in entries:
        yield "[\n  " if first else ",\n  "
        yield json.dumps(entry, ensure_ascii=False, indent=2).replace("\n", "\n  ")  # JSON strings hold no raw \n
        first = False
    yield "[]" if first else "\n]"


RENDERER = JsonRenderer()
