"""!help: generated from the command table, so it cannot drift from what the bot does."""

from __future__ import annotations

from successbot.core.commands import HASHTAG, Command, Example, Request, command
from successbot.schedules.wording import clipped, quoted

MAX_REPLY = 400
# A hashtag is not a command: it is said in the channel, at the start of a message, without the prefix.
HASHTAG_NOTE = " (a hashtag, not a command: start a channel message with it)"


@command(
    "help",
    args="[COMMAND]",
    summary="lists every command and its forms, or explains one (or the hashtags #success and #thanks) with a worked "
    "example",
    examples=[
        Example(
            "!help successes",
            "!successes [N] [#CHANNEL]: the last N successes of this channel (or #CHANNEL), newest first; "
            "N is 5 unless given, at most 10. Also !successes week. "
            "Example: !successes → #1 Mon 14 Mar 2016 10:00 UTC alice: fixed the gate",
        )
    ],
)
def show_help(request: Request) -> list[str]:
    table, prefix = request.services.commands, request.services.command_prefix
    topic = request.args.strip()
    if not topic:
        listed = " · ".join(cmd.usage(prefix) for cmd in table.commands)
        return [clipped(f"Commands: {listed}. Say {prefix}help COMMAND for details.", MAX_REPLY)]
    found = table.find(topic)
    family = table.family(topic)
    hashtag = table.find(HASHTAG + topic.lstrip(HASHTAG + prefix))
    if found is not None:
        # !help successes also names !successes week, and !help thanks the hashtag #thanks: every form, in one line.
        forms = [f"the hashtag {hashtag.usage(prefix)}"] if hashtag is not None and hashtag is not found else []
        forms += [cmd.usage(prefix) for cmd in family]
        also = f" Also {', '.join(forms)}." if forms else ""
        return [clipped(explain(found, prefix, also), MAX_REPLY)]
    # !help success: the hashtag #success and the !success … commands, each in brief.
    named = ([hashtag] if hashtag is not None else []) + family
    if named:
        briefs = " | ".join(brief(cmd, prefix) for cmd in named)
        return [clipped(f"{briefs}. Say {prefix}help COMMAND for an example.", MAX_REPLY)]
    return [f"I know no command {quoted(topic)}. Say {prefix}help for the list."]


def brief(cmd: Command, prefix: str) -> str:
    text = f"{cmd.usage(prefix)}: {cmd.summary}"
    return text + HASHTAG_NOTE if cmd.is_hashtag else text


def explain(cmd: Command, prefix: str, also: str = "") -> str:
    """Usage, summary, ``also`` (the command's other forms) and the first worked example."""
    text = brief(cmd, prefix) + "." + also
    if cmd.examples:
        example = cmd.examples[0]
        text += f" Example: {shown(example, prefix)}"
    return text


def shown(example: Example, prefix: str) -> str:
    said = prefix + example.said[1:] if example.said.startswith("!") else example.said
    reply = example.reply.splitlines()[0]
    return f"{said} → {reply}"


COMMANDS = (show_help,)
