"""Reading and parsing the schedule sources in a process of its own, as the running bot does.

A parse is anyone's file meeting our importers. A large calendar takes a
minute and millions of objects, whose garbage collections paused every
thread of the bot, and whatever is parsed leaves the parsers and YAML loaded
in the bot for good (a megabyte and a half of an idle bot's 50). In a child
process (``python -m successbot.schedules.worker``, once per refresh) the bot
holds neither: it gets each source's events back, or its one-line problem,
exactly as ``sources.load_location`` gives them, and stores them itself.
"""

from __future__ import annotations

import logging
import pickle
import subprocess
import sys
from collections.abc import Sequence

from successbot.schedules.model import ImportResult, ScheduleImportError

log = logging.getLogger(__name__)

Loaded = ImportResult | ScheduleImportError
# However long a refresh may take, one that has not ended after this long per source never will.
PARSE_SECONDS = 600.0


def load_apart(
    locations: Sequence[str], timeout: float, max_bytes: int, *, python: str = sys.executable
) -> list[Loaded]:
    """Each of ``locations`` read and parsed by a child process: its events, or why not (in the same order)."""
    request = pickle.dumps((list(locations), timeout, max_bytes))
    command = [python, "-m", __name__]
    try:
        done = subprocess.run(
            command, input=request, capture_output=True, timeout=len(locations) * (timeout + PARSE_SECONDS)
        )
    except subprocess.TimeoutExpired:
        return _failed(locations, "its parser did not finish")
    except OSError as error:
        return _failed(locations, f"cannot start its parser ({error.strerror or error})")
    if done.returncode != 0 or not done.stdout:
        said = done.stderr.decode("utf-8", errors="replace").strip()
        log.debug("the schedule parser ended with status %d:\n%s", done.returncode, said)
        last = said.splitlines()[-1] if said else f"exit status {done.returncode}"
        return _failed(locations, f"its parser stopped ({last})")
    return [_loaded(location, answer) for location, answer in zip(locations, pickle.loads(done.stdout), strict=True)]


def _failed(locations: Sequence[str], why: str) -> list[Loaded]:
    return [ScheduleImportError(location, f"cannot read it: {why}") for location in locations]


def _loaded(location: str, answer: tuple[str, object]) -> Loaded:
    kind, value = answer
    if kind == "events":
        assert isinstance(value, ImportResult)
        return value
    source, reason, entry, line = value  # type: ignore[misc]
    return ScheduleImportError(source, reason, entry, line)


def main() -> None:
    """The child: the locations on stdin, each one's answer on stdout, pickled."""
    from successbot.schedules.sources import load_location

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
