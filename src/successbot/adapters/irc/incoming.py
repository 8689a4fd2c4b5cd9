"""What people say (a PRIVMSG), read from its line in one pass.

Every line through the irc library is matched by its regular expression,
its tags are parsed into a list of dicts, its prefix wrapped, its text
searched for CTCP quoting, and two events are dispatched through sorted
handler lists (``all_raw_messages``, then ``pubmsg``): some 50 µs a line on
this project's 2-core VM, before the bot has looked at it. Commands and
``#success`` are PRIVMSGs, so the connection reads those here instead, once,
and hands the bot the values it uses. Anything this does not read exactly
as the library would (no ``:nick!user@host``, CTCP or low-level quoting,
fewer than two arguments, spaces where the grammar has one) returns None
and goes the library's way, which has the last word on odd lines.

Pure: a string in, a value out.
"""

from __future__ import annotations

from typing import NamedTuple

_TAG_ESCAPES = {":": ";", "s": " ", "n": "\n", "r": "\r", "\\": "\\"}


class Said(NamedTuple):
    """A PRIVMSG: its IRCv3 tags (value None when given without one), who said it, to whom, and the text."""

    tags: dict[str, str | None]
    nick: str
    user: str | None
    host: str | None
    target: str
    text: str


def parse_privmsg(line: str) -> Said | None:
    """The PRIVMSG on ``line``, or None for any other line or one to leave to the irc library."""
    tags: dict[str, str | None] = {}
    rest = line
    if rest.startswith("@"):
        raw_tags, _, rest = rest[1:].partition(" ")
        for item in raw_tags.split(";"):
            key, _, value = item.partition("=")
            tags[key] = _unescaped(value) or None
    if not rest.startswith(":"):
        return None  # no source: the library logs and drops it
    prefix, _, rest = rest[1:].partition(" ")
    command, _, rest = rest.lstrip(" ").partition(" ")
    if command.lower() != "privmsg" or not prefix:
        return None
    # The library's argument rule: words up to " :", then the rest as one.
    main, colon, trailing = (" " + rest.lstrip(" ")).partition(" :")
    arguments = main.split()
    if colon:
        arguments.append(trailing)
    if len(arguments) < 2:
        return None
    target, text = arguments[0], arguments[1]
    if "\x01" in text or "\x10" in text:  # CTCP and its low-level quoting: the library dequotes them
        return None
    nick, _, userhost = prefix.partition("!")
    user, _, host = userhost.partition("@")
    return Said(tags, nick, user or None, host or None, target, text)


def _unescaped(value: str) -> str:
    """An IRCv3 tag value's escapes undone as the irc library does: ``\\s`` a space, ``\\:`` a semicolon, an
    unknown one its letter, and a lone backslash at the end kept."""
    if "\\" not in value:
        return value
    out, chars = [], iter(value)
    for char in chars:
        if char == "\\":
            char = next(chars, "\\")
            out.append(_TAG_ESCAPES.get(char, char))
        else:
            out.append(char)
    return "".join(out)
