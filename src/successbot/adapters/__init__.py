"""The ways into the core: the console and IRC. Each turns its world's events into
``Message`` values and the core's replies into output.
"""
