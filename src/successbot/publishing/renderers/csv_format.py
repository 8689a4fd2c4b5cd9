"""CSV (RFC 4180, with a header row) for spreadsheets, safe against formula injection."""

from __future__ import annotations

import csv
import io

from successbot.core.successes import Success
from successbot.publishing.renderers.base import ExportRequest, iso_time


def columns(export: ExportRequest) -> list[str]:
    """What the export may show (see ``Privacy``), always in this order."""
    chosen = ["id", "created_at", "channel", "nick", "text", "log_url"]
    if export.includes_thanks:
        chosen += ["kind", "thanked"]
    if export.privacy.shows_account:
        chosen.append("account")
    if export.privacy.mark_unverified:
        chosen.append("verified")
    if export.audit:
        chosen += ["deleted_at", "deleted_by"]
    if export.privacy.private:
        chosen += ["userhost", "network"]
    return chosen


# A spreadsheet runs a cell starting with one of these as a formula
# (OWASP's list); leading spaces do not stop every spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """``cell``, with a ``'`` in front when a spreadsheet would take it for a formula."""
    return "'" + cell if cell.lstrip(" ").startswith(FORMULA_STARTS) else cell


class CsvRenderer:
    name = "csv"
    extension = "csv"

    def render(self, export: ExportRequest) -> str:
        output = io.StringIO()
        writer = csv.writer(output, lineterminator="\r\n")
        header = columns(export)
        writer.writerow(header)
        for _channel, successes in export.groups():
            for success in successes:
                values = _cells(export, success)
                writer.writerow([neutralise(values[name]) for name in header])
        return output.getvalue()


RENDERER = CsvRenderer()


def _cells(export: ExportRequest, success: Success) -> dict[str, str]:
    return {
        "id": str(success.id),
        "created_at": iso_time(success.created_at),
        "channel": success.channel,
        "nick": success.nick,
        "text": success.text,
        "log_url": export.log_link(success) or "",
        "kind": success.kind,
        "thanked": success.thanked or "",
        "account": success.account or "",
        "verified": "yes" if success.account else "no",
        "deleted_at": iso_time(success.deleted_at) if success.deleted_at else "",
        "deleted_by": success.deleted_by or "",
        "userhost": success.userhost or "",
        "network": success.network,
    }
