"""The commands people type: each one a small declared function over a ``Request``.

Handlers use the core's ports (stores, schedule, errors), never SQL or IRC. A
new command is a function declared with ``@command`` in the module of its
topic, added to that module's ``COMMANDS``; ``ALL_COMMANDS`` is the bot's table.
"""

from successbot.commands import help, schedule, successes, thanks

ALL_COMMANDS = (*successes.COMMANDS, *thanks.COMMANDS, *schedule.COMMANDS, *help.COMMANDS)
