"""The commands people type: each one a small declared function over a ``Request``.

Handlers use the core's ports (stores, schedule, errors), never SQL or IRC.
"""
