"""Commands about thanks: ``#thanks NICK for WHAT`` (or ``#thanks WHAT``), list, delete and restore.

A thanks is recorded, listed, deleted and published exactly as a success is,
by the same rules (accounts required or not, private channels, the text
limit, author or admin); only its kind differs. So these commands are the
success commands' steps, given the kind.
"""

from __future__ import annotations

from successbot.commands.successes import (
    DEFAULT_LISTED,
    MAX_LISTED,
    delete_record,
    list_records,
    record,
    refused_recording,
    undelete_record,
)
from successbot.core.commands import Example, Request, command
from successbot.core.messages import Reply
from successbot.core.successes import THANKS, InvalidSuccessText, fitted_success_text, parse_thanks

USAGE = "Usage: #thanks NICK for WHAT (or #thanks WHAT), e.g. #thanks bob for the review"


@command(
    "#thanks",
    args="[NICK for] WHAT",
    summary="records your thanks to NICK for WHAT in this channel, for the weekly digest beside the successes",
    examples=[Example("#thanks bob for the review", "alice: Added thanks #2")],
    needs_account=lambda services: services.require_account_for_success,
)
def record_thanks(request: Request) -> list[str | Reply]:
    if refusal := refused_recording(request, THANKS):
        return [refusal]
    thanked, what = parse_thanks(request.args)
    try:
        text, cut = fitted_success_text(what)
    except InvalidSuccessText:
        return [request.to_speaker(USAGE)]
    return record(request, text, cut, THANKS, thanked)


@command(
    "thanks",
    args="[N] [#CHANNEL]",
    summary=f"the last N thanks of this channel (or #CHANNEL), newest first; N is {DEFAULT_LISTED} "
    f"unless given, at most {MAX_LISTED}",
    examples=[Example("!thanks", "#2 Mon 14 Mar 2016 10:00 UTC alice: thanks bob for the review")],
)
def list_thanks(request: Request) -> list[str]:
    return list_records(request, THANKS, "thanks", "#thanks NICK for WHAT")


@command(
    "thanks delete",
    args="ID",
    summary="deletes thanks ID; its author (same services account, or same nick and user@host) or an admin may",
    examples=[Example("!thanks delete 2", "alice: Deleted thanks #2")],
    needs_account=True,
)
def delete_thanks(request: Request) -> list[str]:
    return delete_record(request, THANKS)


@command(
    "thanks undelete",
    args="ID",
    summary="restores deleted thanks ID (admins only)",
    examples=[Example("!thanks undelete 2", "alice: Restored thanks #2")],
    admin_only=True,
)
def undelete_thanks(request: Request) -> list[str]:
    return undelete_record(request, THANKS)


COMMANDS = (record_thanks, list_thanks, delete_thanks, undelete_thanks)
