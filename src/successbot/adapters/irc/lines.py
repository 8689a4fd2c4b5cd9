"""Outgoing IRC text made safe: no line breaks smuggled in, no line too long.

Everything here is pure: strings in, strings out. The IRC adapter calls
``sanitize`` on anything it did not write itself and ``split_message`` on
every PRIVMSG/NOTICE text before queueing the lines.
"""

from __future__ import annotations

import unicodedata

MAX_LINE_BYTES = 512
"""RFC 1459/2812 line limit, CR LF included; message tags do not count."""

CUT_MARKER = " …"
"""Appended to the last part when the text did not fit in ``max_parts``."""

# Conservative limits for the parts of ":nick!user@host " we cannot see
# before the server relays our line: USERLEN is 10 on InspIRCd and ngIRCd
# (a "~" for a missing ident counts within it), and hostnames or cloaks are
# at most 63 bytes on both (HOSTLEN 64 including the NUL).
_USER_BUDGET = 10
_HOST_BUDGET = 63


def sanitize(text: str) -> str:
    """Return ``text`` with no CR, LF or NUL: each could end or corrupt a line.

    A CR LF pair becomes one space, a lone CR or LF a space, and NUL is
    dropped. Characters UTF-8 cannot encode (lone surrogates) become "?",
    so the result always encodes.
    """
    flat = text.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")
    flat = flat.replace("\0", "")
    return flat.encode("utf-8", "replace").decode("utf-8")


def prefix_budget_for(nick: str) -> int:
    """Bytes to reserve for ``:nick!user@host `` when the server relays a line.

    nick + 1 ("!") + 10 (user) + 1 ("@") + 63 (host) + 2 (":" and the space).
    The server prepends this prefix to what we send, so a body that fits our
    own line can still be truncated for the receivers unless we reserve it.
    """
    return len(nick.encode("utf-8")) + 1 + _USER_BUDGET + 1 + _HOST_BUDGET + 2


def body_budget(command: str, target: str, prefix_budget: int) -> int:
    """Bytes left for the body of ``<prefix>COMMAND target :body\\r\\n``."""
    overhead = prefix_budget + len(command.encode()) + 1 + len(target.encode()) + 2 + 2
    return MAX_LINE_BYTES - overhead


def split_message(command: str, target: str, text: str, *, prefix_budget: int, max_parts: int) -> list[str]:
    """Split ``text`` into bodies that each fit one relayed line.

    Splits at spaces where it can (the spaces at a split are dropped), else
    between characters, never inside one and, if avoidable, not before a
    combining mark. At most ``max_parts`` bodies are returned; when text was
    left over, the last one ends with ``CUT_MARKER``. Blank text gives no
    bodies, because servers reject an empty PRIVMSG.
    """
    _check_args(command, target, max_parts)
    budget = body_budget(command, target, prefix_budget)
    marker_bytes = len(CUT_MARKER.encode())
    # Each part must hold the marker plus one character of any width.
    if budget < marker_bytes + 4:
        raise ValueError(f"no room for a message body to {target!r} ({budget} bytes left)")
    rest = sanitize(text)
    if not rest.strip(" "):
        return []
    parts: list[str] = []
    source = rest
    while rest and len(parts) < max_parts:
        source = rest
        head, rest = _take(rest, budget)
        parts.append(head)
    if rest:
        head, _ = _take(source, budget - marker_bytes)
        parts[-1] = head + CUT_MARKER
    return parts


def _check_args(command: str, target: str, max_parts: int) -> None:
    if command.upper() not in ("PRIVMSG", "NOTICE"):
        raise ValueError(f"split_message is for PRIVMSG or NOTICE, not {command!r}")
    if not target or any(ch in target for ch in " \r\n\0,"):
        raise ValueError(f"not a valid message target: {target!r}")
    if max_parts < 1:
        raise ValueError("max_parts must be at least 1")


def _take(text: str, budget: int) -> tuple[str, str]:
    """Return ``(head, rest)`` where head is non-empty and fits ``budget`` bytes."""
    fit = _chars_fitting(text, budget)
    if fit == len(text):
        return text, ""
    fit = _avoid_combining_cut(text, fit)
    split = fit if text[fit] == " " else text.rfind(" ", 0, fit)
    head = text[:split].rstrip(" ") if split > 0 else ""
    if not head and not text[:fit].strip(" "):
        # Only spaces before the cut: they carry nothing, drop them.
        return _take(text.lstrip(" "), budget)
    if not head:  # one word longer than a line: cut it between characters
        return text[:fit], text[fit:]
    return head, text[split:].lstrip(" ")


def _chars_fitting(text: str, budget: int) -> int:
    """How many leading characters of ``text`` fit in ``budget`` UTF-8 bytes.

    One encoding, not one per character (that was most of a reply's cost on
    its way out): cut the bytes at the budget, and a character the cut split
    is dropped by the decoding. ``text`` always encodes (``sanitize``).
    """
    encoded = text.encode("utf-8")
    if len(encoded) <= budget:
        return len(text)
    return len(encoded[: max(0, budget)].decode("utf-8", "ignore"))


def _avoid_combining_cut(text: str, fit: int) -> int:
    """Move a cut back so a combining mark stays with its base character."""
    cut = fit
    while cut > 0 and unicodedata.combining(text[cut]):
        cut -= 1
    # A run of marks longer than the budget: cutting inside it is unavoidable.
    return cut if cut > 0 else fit
