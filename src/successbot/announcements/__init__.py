"""What the bot says on its own: the pure plan (``plan``) and the announcer that posts it once."""
