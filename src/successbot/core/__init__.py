"""The pure core: messages in, replies out. It knows no sockets, SQL, schedulers or files.

It holds the message values, the clock, the command table and its dispatch, the
success records, ISO weeks, and the ports (``ports.py``) that adapters implement.
Nothing here imports a module of ours outside ``core``.
"""
