"""CSV (RFC 4180, with a header row) for spreadsheets, safe against formula injection."""

from __future__ import annotations

import csv
import io

from successbot.publishing.renderers.base import ExportRequest, iso_time

COLUMNS = ("id", "created_at", "network", "channel", "nick", "text", "log_url", "deleted_at", "deleted_by")

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
        writer.writerow(COLUMNS)
        for _channel, successes in export.groups():
            for success in successes:
                row = (
                    str(success.id),
                    iso_time(success.created_at),
                    success.network,
                    success.channel,
                    success.nick,
                    success.text,
                    export.log_link(success) or "",
                    iso_time(success.deleted_at) if success.deleted_at else "",
                    success.deleted_by or "",
                )
                writer.writerow([neutralise(cell) for cell in row])
        return output.getvalue()


RENDERER = CsvRenderer()
