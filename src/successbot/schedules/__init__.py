"""Release schedules and elections: the event model, the questions asked of it, the
wording of dates, where sources are read from, and one module per file format.
"""
