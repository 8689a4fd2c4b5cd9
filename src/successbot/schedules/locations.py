"""Where a schedule source is: a file path or an http(s) URL, and its short name for people."""

from __future__ import annotations

import urllib.parse


def is_url(location: str) -> bool:
    return urllib.parse.urlsplit(location).scheme in ("http", "https")


def short_name(location: str) -> str:
    """``indri/schedule.yaml`` for a path or URL: enough to tell sources apart in a channel."""
    path = urllib.parse.urlsplit(location).path if is_url(location) else location.replace("\\", "/")
    parts = [part for part in path.split("/") if part]
    if not parts:
        return location
    if parts[-1].startswith("schedule.") and len(parts) > 1:
        return "/".join(parts[-2:])
    return parts[-1]
