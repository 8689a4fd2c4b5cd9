"""The schedule parser's child process: ``python -m successbot.schedules.worker_child``, started by ``worker``.

It reads the locations on stdin and writes each one's events, or its
problem, on stdout, pickled; ``worker.load_apart`` reads them back.
"""

from __future__ import annotations

import pickle
import sys

from successbot.schedules.model import ScheduleImportError
from successbot.schedules.sources import load_location


def main() -> None:
    """The locations on stdin, each one's answer on stdout, pickled."""
    locations, timeout, max_bytes = pickle.load(sys.stdin.buffer)
    answers: list[tuple[str, object]] = []
    for location in locations:
        try:
            answers.append(("events", load_location(location, timeout=timeout, max_bytes=max_bytes)))
        except ScheduleImportError as error:
            answers.append(("problem", (error.source, error.reason, error.entry, error.line)))
    pickle.dump(answers, sys.stdout.buffer)


if __name__ == "__main__":
    main()
