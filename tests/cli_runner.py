"""The ``successbot`` command line run in this process, as if it were its own.

``run_cli`` calls ``successbot.cli.main.main(argv, clock)`` in a working
directory, with an environment, a stdin and a captured stdout and stderr, and
answers what ``subprocess.run`` would: the exit status and both outputs. A
process per call cost 0.5-1 s of interpreter start and imports; the few tests
whose point is the process itself (the console script, ``python -m successbot``'s
exit status) use ``run_process``.

Everything a call changes in the process is put back: the working directory,
the environment, ``sys.std*``, the root logger's handlers and level, the
levels ``main`` gives the ``alembic`` and ``apscheduler`` loggers. A call that
leaves a thread running fails, as a process could not have left one behind.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from successbot.cli.main import main
from successbot.core.clock import Clock

# Loggers whose level main sets (cli.logs.use_level, runtime.jobs.scheduler_runs_at_debug_only).
LEVELLED_LOGGERS = ("alembic", "apscheduler")
THREAD_GRACE = 5.0  # seconds a thread the call started may take to end after it returned


@dataclass(frozen=True)
class Result:
    """What ``subprocess.run(..., capture_output=True, text=True)`` answers, for the assertions' sake."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


def run_cli(
    cwd: Path,
    *args: str,
    stdin: str = "",
    env: Mapping[str, str] | None = None,
    clock: Clock | None = None,
) -> Result:
    """``successbot ARGS`` in ``cwd``: ``$SUCCESSBOT_CONFIG`` unset unless ``env`` gives it, ``stdin`` piped in."""
    out, err = io.StringIO(), io.StringIO()
    threads_before = set(threading.enumerate())
    with _environment(env), _working_directory(cwd), _logging_restored(), _standard_streams(stdin, out, err):
        try:
            status = main(list(args), clock)
        except SystemExit as leaving:  # argparse: --help, --version (0) and usage errors (1)
            status = _exit_status(leaving.code, err)
        except Exception:  # what the interpreter would print, so "Traceback" in stderr still shows it
            traceback.print_exc(file=err)
            status = 1
    _assert_no_thread_left(threads_before, args)
    return Result(args, status, out.getvalue(), err.getvalue())


def run_process(cwd: Path, *command: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """``command`` as a real process in ``cwd``, without ``$SUCCESSBOT_CONFIG``: for what only a process shows."""
    environment = {k: v for k, v in os.environ.items() if k != "SUCCESSBOT_CONFIG"}
    return subprocess.run(
        list(command), cwd=cwd, input=stdin, capture_output=True, text=True, timeout=60, env=environment
    )


def assert_one_clean_error_line(result: Result | subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def _exit_status(code: object, err: io.StringIO) -> int:
    """As the interpreter turns ``SystemExit(code)`` into a status: None is 0, a message is printed and 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=err)
    return 1


@contextmanager
def _environment(env: Mapping[str, str] | None) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.pop("SUCCESSBOT_CONFIG", None)
    os.environ.update(env or {})
    try:
        yield
    finally:
        for name in set(os.environ) - set(saved):
            del os.environ[name]
        for name, value in saved.items():
            if os.environ.get(name) != value:
                os.environ[name] = value


@contextmanager
def _working_directory(cwd: Path) -> Iterator[None]:
    saved = os.getcwd()
    os.chdir(cwd)  # the embedded default database, successbot.db, is made here
    try:
        yield
    finally:
        os.chdir(saved)


@contextmanager
def _standard_streams(stdin: str, out: io.StringIO, err: io.StringIO) -> Iterator[None]:
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(stdin), out, err  # a piped stdin: isatty() is False
    try:
        yield
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved


@contextmanager
def _logging_restored() -> Iterator[None]:
    root = logging.getLogger()
    saved_root = root.level, root.handlers[:]
    saved_levels = {name: logging.getLogger(name).level for name in LEVELLED_LOGGERS}
    try:
        yield
    finally:
        for handler in root.handlers:
            if handler not in saved_root[1]:
                handler.close()  # start_logging's handler on this call's stderr
        root.setLevel(saved_root[0])
        root.handlers = saved_root[1]
        for name, level in saved_levels.items():
            logging.getLogger(name).setLevel(level)


def _assert_no_thread_left(before: set[threading.Thread], args: tuple[str, ...]) -> None:
    """A process ends its threads by ending; in process, a thread still running after main is a leak."""
    for thread in set(threading.enumerate()) - before:
        thread.join(THREAD_GRACE)
        assert not thread.is_alive(), f"successbot {' '.join(args)} left the thread {thread.name} running"
