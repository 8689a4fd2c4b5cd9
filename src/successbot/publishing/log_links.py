"""Links from a success to the channel log of its day, from the ``[export] log_url`` template.

The template is checked when the config is read, so rendering never fails:
only the placeholders below are allowed, and the result must be an http(s)
URL with nothing in it that could end a link in Markdown, reST or HTML.
Values are percent-encoded, so a channel name cannot change the URL's shape.
"""

from __future__ import annotations

import functools
import re
import string
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

if TYPE_CHECKING:
    from successbot.core.successes import Success

PLACEHOLDERS: dict[str, str] = {
    "channel": "the channel, percent-encoded (#openstack-dev → %23openstack-dev)",
    "channel_name": "the channel without its leading # or & (openstack-dev)",
    "network": "the IRC network's name",
    "date": "the day of the success, YYYY-MM-DD (UTC)",
    "year": "its year, YYYY",
    "month": "its month, MM",
    "day": "its day of the month, DD",
}

# Characters that end or break a link in one of the formats we write.
_UNSAFE = re.compile(r"[\s<>\"'`\\^|{}]")


@dataclass(frozen=True)
class LogUrlTemplate:
    template: str

    @classmethod
    def parse(cls, raw: str) -> LogUrlTemplate:
        """Raises ValueError("expected …") naming what is wrong, for the config file's reader."""
        template = raw.strip()
        try:
            parts = list(string.Formatter().parse(template))
        except ValueError:
            raise ValueError("expected a URL template with {placeholders} in matched braces") from None
        for literal, field, spec, conversion in parts:
            if _UNSAFE.search(literal):
                raise ValueError("expected a URL template without spaces, quotes or <>`\\^|")
            if field is None:
                continue
            if field not in PLACEHOLDERS or spec or conversion:
                known = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
                raise ValueError(f"expected only the placeholders {known}; {{{field}}} is not one")
        url = urlsplit(template.format(**_sample_values()))
        if url.scheme not in ("http", "https") or not url.netloc:
            raise ValueError("expected an http:// or https:// URL template")
        return cls(template)

    def for_success(self, success: Success) -> str:
        return self.template.format(**values_for(success))


def values_for(success: Success) -> dict[str, str]:
    day = success.created_at.astimezone(UTC)
    year, month, day_of_month = f"{day.year:04d}", f"{day.month:02d}", f"{day.day:02d}"
    return {
        "channel": _encoded(success.channel),
        "channel_name": _encoded(success.channel.lstrip("#&")),
        "network": _encoded(success.network),
        "date": f"{year}-{month}-{day_of_month}",
        "year": year,
        "month": month,
        "day": day_of_month,
    }


@functools.lru_cache(maxsize=512)
def _encoded(value: str) -> str:
    """Percent-encoded, ``/`` and ``#`` included; cached, as a page repeats a few channels many times."""
    return quote(value, safe="")


def _sample_values() -> dict[str, str]:
    from successbot.core.successes import Success  # here: the config imports this module, and run reads it first

    sample = Success(0, "", "nick", "#channel", datetime(2016, 3, 14, tzinfo=UTC), None, None, "network")
    return values_for(sample)
