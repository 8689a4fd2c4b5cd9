"""IRC formatting and colour codes (mIRC conventions), and how to remove them."""

from __future__ import annotations

import re

# \x03 colour takes up to two digits of foreground and, after a comma, up to
# two of background; \x04 is the hex-colour variant with six hex digits each.
_COLOUR = r"\x03(?:\d{1,2}(?:,\d{1,2})?)?"
_HEX_COLOUR = r"\x04(?:[0-9A-Fa-f]{6}(?:,[0-9A-Fa-f]{6})?)?"
# bold, monospace, reverse, italic, strikethrough, underline, reset
_TOGGLES = r"[\x02\x11\x16\x1d\x1e\x1f\x0f]"
# Any other C0 control (but tab) has no business in a stored text either.
_OTHER_CONTROLS = r"[\x00\x01\x05-\x08\x0a-\x0e\x10\x12-\x15\x17-\x1c\x7f]"

_FORMATTING = re.compile(f"{_COLOUR}|{_HEX_COLOUR}|{_TOGGLES}|{_OTHER_CONTROLS}")


def strip_formatting(text: str) -> str:
    """``text`` without formatting codes, colour codes or other control characters."""
    return _FORMATTING.sub("", text)
