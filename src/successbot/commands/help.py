"""!help: generated from the command table, so it cannot drift from what the bot does."""

from __future__ import annotations

from successbot.core.commands import Command, Example, Request, command
from successbot.schedules.wording import quoted


@command(
    "help",
    args="[COMMAND]",
    summary="lists the commands, or explains one with a worked example",
    examples=[
        Example(
            "!help successes",
            "!successes [N] [#CHANNEL]: the last N successes of this channel (or #CHANNEL), newest first; "
            "N is 5 unless given, at most 10. Example: !successes → #1 2016-03-14 10:00 UTC alice: fixed the gate",
        )
    ],
)
def show_help(request: Request) -> list[str]:
    table, prefix = request.services.commands, request.services.command_prefix
    topic = request.args.strip()
    if not topic:
        listed = " · ".join(cmd.usage(prefix) for cmd in table.commands)
        return [f"Commands: {listed}. Say {prefix}help COMMAND for details."]
    found = table.find(topic)
    if found is not None:
        return [explain(found, prefix)]
    family = table.family(topic)
    if family:
        return [" | ".join(explain(cmd, prefix) for cmd in family)]
    return [f"I know no command {quoted(topic)}. Say {prefix}help for the list."]


def explain(cmd: Command, prefix: str) -> str:
    text = f"{cmd.usage(prefix)}: {cmd.summary}."
    if cmd.examples:
        example = cmd.examples[0]
        text += f" Example: {shown(example, prefix)}"
    return text


def shown(example: Example, prefix: str) -> str:
    said = prefix + example.said[1:] if example.said.startswith("!") else example.said
    reply = example.reply.splitlines()[0]
    return f"{said} → {reply}"


COMMANDS = (show_help,)
