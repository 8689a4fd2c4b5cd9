"""Wiring a running bot: config to database to stores to the core, and its timed jobs."""
