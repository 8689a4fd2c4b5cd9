"""Commands about successes: record one, list the latest, delete and restore.

The thanks commands (``commands.thanks``) are these same steps for records of
kind ``THANKS``: the helpers below take the kind.
"""

from __future__ import annotations

import logging

from successbot.core.commands import Example, Request, command
from successbot.core.dates import moment
from successbot.core.formatting import strip_formatting
from successbot.core.messages import Reply
from successbot.core.ports import StorageError, UnknownSuccess
from successbot.core.privacy import channel_key
from successbot.core.successes import (
    SUCCESS,
    THANKS,
    InvalidSuccessText,
    NewSuccess,
    Success,
    fitted_success_text,
    shown_text,
)
from successbot.core.weeks import week_containing

log = logging.getLogger(__name__)

DEFAULT_LISTED = 5
MAX_LISTED = 10
NOT_RECORDED = "Not recorded: the database is unavailable right now, so nothing was changed; please say it again later."


@command(
    "#success",
    args="TEXT",
    summary="records TEXT as a success of yours in this channel, for the weekly digest",
    examples=[Example("#success fixed the gate", "alice: Added success #1")],
    needs_account=lambda services: services.require_account_for_success,
)
def record_success(request: Request) -> list[str | Reply]:
    if refusal := refused_recording(request, SUCCESS):
        return [refusal]
    try:
        text, cut = fitted_success_text(request.args)
    except InvalidSuccessText:
        return [request.to_speaker("Usage: #success TEXT, e.g. #success fixed the docs gate")]
    return record(request, text, cut)


PLURAL = {SUCCESS: "successes", THANKS: "thanks"}


def refused_recording(request: Request, kind: str) -> str | None:
    """Why ``#success`` (or ``#thanks``) cannot be recorded from this speaker here; None when it can."""
    message = request.message
    if message.channel is None:
        return f"#{kind} works in a channel, so the {kind} has a home; say it there."
    if request.services.require_account_for_success and message.account is None:
        return request.to_speaker(
            f"Not recorded: this channel records {PLURAL[kind]} from people logged in to services only "
            "(a nick alone can be taken by anyone). Log in, then say it again."
        )
    return None


def record(
    request: Request, text: str, cut: bool, kind: str = SUCCESS, thanked: str | None = None
) -> list[str | Reply]:
    """Store the record and acknowledge it to the speaker once committed."""
    message = request.message
    assert message.channel is not None  # refused_recording said so
    new = NewSuccess(
        text=text,
        nick=message.nick,
        channel=message.channel,
        created_at=request.now,
        account=message.account,
        userhost=message.userhost,
        network=message.network,
        kind=kind,
        thanked=thanked,
    )
    # add() returns only once the row is committed: the acknowledgement never precedes it.
    try:
        success = request.services.successes.add(new)
    except StorageError as error:  # locked by another writer, disk full, server gone
        log.error("could not record a %s from %s in %s: %s", kind, message.nick, message.channel, error)
        return [request.to_speaker(NOT_RECORDED)]
    request.services.changed(success)
    # A private channel's successes are left off the public pages, so its acknowledgement links none.
    page = None if request.services.is_private(message.channel) else request.services.week_page_url(success.created_at)
    return [request.acknowledge(success.id, page, cut_at=len(text) if cut else None, kind=kind)]


@command(
    "successes",
    args="[N] [#CHANNEL]",
    summary=f"the last N successes of this channel (or #CHANNEL), newest first; N is {DEFAULT_LISTED} "
    f"unless given, at most {MAX_LISTED}",
    examples=[Example("!successes", "#1 Mon 14 Mar 2016 10:00 UTC alice: fixed the gate")],
)
def list_successes(request: Request) -> list[str]:
    return list_records(request, SUCCESS, "successes", "#success TEXT")


def list_records(request: Request, kind: str, trigger: str, how: str) -> list[str]:
    """``!successes [N] [#CHANNEL]`` or ``!thanks …``: the newest records of ``kind``; ``how`` says how to add one."""
    count, channel = DEFAULT_LISTED, request.message.channel
    usage = request.services.commands.find(trigger).usage(request.services.command_prefix)  # type: ignore[union-attr]
    for word in request.args.split():
        if word.isascii() and word.isdigit() and int(word) > 0:
            count = min(int(word), MAX_LISTED)
        elif word[:1] in "#&" and word == strip_formatting(word):  # echoed back: no formatting smuggled in
            channel = word
        else:
            return [request.to_speaker(f"Usage: {usage}")]
    if channel is None:
        return [f"Which channel? Usage: {usage}"]
    if not may_list(request, channel):
        return [request.to_speaker(private_refusal(request, channel, PLURAL[kind]))]
    found = request.services.successes.recent(channel, count, kind=kind)
    if not found:
        return [request.to_speaker(f"No {PLURAL[kind]} recorded in {shown(channel)} yet. Add one with {how}")]
    return [describe(success) for success in found]


@command(
    "successes week",
    summary="how many successes this ISO week has so far (Monday to Sunday, UTC), and where its page is",
    examples=[Example("!successes week", "alice: 1 success so far in 2016-W11, 1 of them in #dev")],
)
def count_this_week(request: Request) -> list[str]:
    if request.args:
        return [request.to_speaker(f"Usage: {request.services.command_prefix}successes week")]
    week, channel = week_containing(request.now), request.message.channel
    found = _public_here(request, list(request.services.successes.between(week.start, week.end)))
    if not found:
        return [request.to_speaker(f"No successes yet in {week.label}. Add one with #success TEXT")]
    summary = f"{len(found)} success{'es' if len(found) != 1 else ''} so far in {week.label}"
    if channel is not None:
        summary += f", {sum(s.channel == channel for s in found)} of them in {shown(channel)}"
    if page := request.services.week_page_url(request.now):
        summary += f": {page}"
    return [request.to_speaker(summary)]


def may_list(request: Request, channel: str) -> bool:
    """A private channel's successes stay in it: listed there, or in private to someone in it now or an admin."""
    said_in, services = request.message.channel, request.services
    if said_in is not None and channel_key(said_in) == channel_key(channel):
        return True  # its own members are reading
    if not services.is_private(channel):
        return True
    if said_in is not None:
        return False  # everyone in the other channel would read them
    return services.is_member(request.message.nick, channel) or services.is_admin(request.message.account)


def private_refusal(request: Request, channel: str, what: str = "successes") -> str:
    """The same words whether the channel has successes or not: a refusal must not tell."""
    name = shown(channel)
    if request.message.channel is not None:
        return f"{name} keeps its {what} to itself: ask in {name}, or in a private message while you are in it."
    return f"{name} keeps its {what} to itself: I list them only to people in it now (or to admins)."


def _public_here(request: Request, found: list[Success]) -> list[Success]:
    """The successes a week's count may include: this channel's and those of channels that are not private."""
    here = request.message.channel
    private = {name for name in {s.channel for s in found} if name != here and request.services.is_private(name)}
    return [success for success in found if success.channel not in private]


def shown(channel: str) -> str:
    """A channel's name as a reply may echo it: no formatting codes or controls, whatever the server allowed."""
    return "".join(char for char in strip_formatting(channel) if char.isprintable())


# One listed success is one line on any network: a line's 512 bytes, less the longest prefix a server
# relays (nick!user@host) and "PRIVMSG #channel :", leave about this much for the text.
LISTED_BYTES = 350


def describe(success: Success) -> str:
    """A success (or thanks) as ``!successes`` lists it, shortened with ``…`` to fit one line, so N entries are
    N lines."""
    head = f"#{success.id} {moment(success.created_at)} {success.nick}: "
    room = LISTED_BYTES - len(head.encode("utf-8"))
    text = shown_text(success)
    if len(text.encode("utf-8")) > room:
        cut = text.encode("utf-8")[: max(0, room - 3)].decode("utf-8", errors="ignore")  # "…" is 3 bytes
        space = cut.rfind(" ")
        if space > len(cut) - 40 and text[len(cut)] != " ":
            cut = cut[:space]  # between words, when a word's end is near
        text = cut.rstrip() + "…"
    return head + text


@command(
    "success delete",
    args="ID",
    summary="deletes success ID; its author (same services account, or same nick and user@host) or an admin may",
    examples=[Example("!success delete 1", "alice: Deleted success #1")],
    needs_account=True,
)
def delete_success(request: Request) -> list[str]:
    return delete_record(request, SUCCESS)


def delete_record(request: Request, kind: str) -> list[str]:
    """``!success delete ID`` or ``!thanks delete ID``: by its author or an admin."""
    success = _target(request, "delete", kind)
    if isinstance(success, str):
        return [request.to_speaker(success)]
    message = request.message
    if not (is_author(request, success) or request.services.is_admin(message.account)):
        return [
            request.to_speaker(
                f"Only the author of {kind} #{success.id} or an admin can delete it{_login_hint(request)}."
            )
        ]
    if success.is_deleted:
        return [request.to_speaker(f"{kind.capitalize()} #{success.id} is already deleted.")]
    deleted = request.services.successes.mark_deleted(success.id, by=message.account or message.nick, at=request.now)
    request.services.changed(deleted)
    return [request.to_speaker(f"Deleted {kind} #{success.id}")]


@command(
    "success undelete",
    args="ID",
    summary="restores deleted success ID (admins only)",
    examples=[Example("!success undelete 1", "alice: Restored success #1")],
    admin_only=True,
)
def undelete_success(request: Request) -> list[str]:
    return undelete_record(request, SUCCESS)


def undelete_record(request: Request, kind: str) -> list[str]:
    """``!success undelete ID`` or ``!thanks undelete ID``: admins only."""
    if _parse_id(request.args) is not None and not request.services.is_admin(request.message.account):
        return [request.to_speaker(f"Only admins can undelete {PLURAL[kind]}{_login_hint(request)}.")]
    success = _target(request, "undelete", kind)
    if isinstance(success, str):
        return [request.to_speaker(success)]
    if not success.is_deleted:
        return [request.to_speaker(f"{kind.capitalize()} #{success.id} is not deleted.")]
    try:
        restored = request.services.successes.restore(success.id)
    except UnknownSuccess:
        return [request.to_speaker(f"There is no {kind} #{success.id}.")]
    request.services.changed(restored)
    return [request.to_speaker(f"Restored {kind} #{success.id}")]


def _target(request: Request, action: str, kind: str) -> Success | str:
    """The record ``!success ACTION ID`` names, or what to answer instead (usage, no such success, a thanks)."""
    prefix = request.services.command_prefix
    success_id = _parse_id(request.args)
    if success_id is None:
        return f"Usage: {prefix}{kind} {action} ID"
    success = request.services.successes.get(success_id)
    if success is None:
        return f"There is no {kind} #{success_id}."
    if success.kind != kind:  # one id sequence: #13 may be the other kind
        return f"#{success_id} is a {success.kind}, not a {kind}: say {prefix}{success.kind} {action} {success_id}"
    return success


def is_author(request: Request, success: Success) -> bool:
    """Same services account; when the success has none, the same nick and user@host."""
    message = request.message
    if success.account:
        return message.account is not None and message.account.casefold() == success.account.casefold()
    return (
        bool(success.userhost)
        and message.userhost == success.userhost
        and message.nick.casefold() == success.nick.casefold()
    )


def _login_hint(request: Request) -> str:
    if request.message.account is None:
        return " (you are not logged in to services, and rights go by account, not by nick)"
    return ""


def _parse_id(args: str) -> int | None:
    word = args.split()[0].lstrip("#") if args.split() else ""
    return int(word) if word.isascii() and word.isdigit() else None  # int() refuses some Unicode digits


COMMANDS = (record_success, list_successes, count_this_week, delete_success, undelete_success)
