"""What leaves the bot for readers: exports of a period, the renderers (one module per
format), the published directory, page names and links to channel logs.
"""
