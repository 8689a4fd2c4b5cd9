"""successbot: records a community's successes on IRC and answers what is due next."""

__version__ = "0.1.0"
