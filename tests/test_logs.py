"""The log's level and filters, set in process: what each level lets through, and that secrets never pass."""

from __future__ import annotations

import io
import logging
import re
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from successbot.cli.logs import STDERR_HANDLER, bot_level, start_logging, use_level
from successbot.config import default_config
from successbot.runtime.jobs import scheduler_runs_at_debug_only


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """The root logger writing to a buffer, as ``main`` sets it up; its level and handlers restored after."""
    root = logging.getLogger()
    saved = root.level, root.handlers[:], {n: logging.getLogger(n).level for n in ("alembic", "apscheduler")}
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.set_name(STDERR_HANDLER)
    root.handlers = [handler]
    yield buffer
    root.setLevel(saved[0])
    root.handlers = saved[1]
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


def test_log_level_on_the_command_line_beats_the_config():
    config = default_config()
    assert bot_level(None, config) == "info"
    assert bot_level("debug", config) == "debug"
    quiet = replace(config, log=replace(config.log, level="error"))
    assert bot_level(None, quiet) == "error" and bot_level("warning", quiet) == "warning"


def test_at_info_the_scheduler_and_alembic_keep_their_routine_to_themselves(log_output):
    use_level("info")
    scheduler_runs_at_debug_only()
    logging.getLogger("apscheduler.executors.default").info('Running job "BotScheduler.announce"')
    logging.getLogger("apscheduler.scheduler").info("Scheduler started")
    logging.getLogger("alembic.runtime.migration").info("Running upgrade 0003 -> 0004")
    logging.getLogger("successbot.adapters.irc.connection").info("joined #dev")
    logging.getLogger("apscheduler.executors.default").warning("Run time of job was missed by 0:00:05")
    assert log_output.getvalue().splitlines() == ["joined #dev", "Run time of job was missed by 0:00:05"]


def test_at_debug_the_scheduler_says_what_it_runs(log_output):
    use_level("debug")
    scheduler_runs_at_debug_only()
    logging.getLogger("apscheduler.executors.default").info('Running job "BotScheduler.announce"')
    assert log_output.getvalue() == 'Running job "BotScheduler.announce"\n'


def test_warning_and_error_leave_out_what_is_below(log_output):
    use_level("warning")
    logging.getLogger("successbot").info("joined #dev")
    logging.getLogger("successbot").warning("cannot join #ops: banned")
    use_level("error")
    logging.getLogger("successbot").warning("reconnecting")
    logging.getLogger("successbot").error("SASL login as sbot failed")
    assert log_output.getvalue().splitlines() == ["cannot join #ops: banned", "SASL login as sbot failed"]


@pytest.mark.parametrize(
    "line",
    [
        "TO SERVER: AUTHENTICATE c2JvdABzYm90AGJvdHBhc3M=",
        "TO SERVER: PASS serverpass",
        "TO SERVER: PRIVMSG NickServ :IDENTIFY sbot botpass",
    ],
)
def test_at_debug_a_raw_line_from_any_logger_has_its_secret_blanked(log_output, line):
    use_level("debug")
    logging.getLogger("successbot.adapters.irc.somewhere_new").debug("%s", line)  # not a filtered library logger
    written = log_output.getvalue()
    assert "<hidden>" in written
    assert not any(secret in written for secret in ("c2JvdABzYm90AGJvdHBhc3M=", "serverpass", "botpass"))


def test_timed_lines_say_when_and_who(log_output):
    use_level("info", timed=True)
    logging.getLogger("successbot.adapters.irc.connection").info("registered as sbot")
    assert log_output.getvalue().rstrip().endswith(" INFO successbot.adapters.irc.connection: registered as sbot")


def test_timed_lines_start_with_the_utc_time_in_iso_8601(log_output, monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")  # a host in another zone still logs UTC, and says so
    time.tzset()
    try:
        use_level("info", timed=True)
        before = datetime.now(UTC).replace(microsecond=0)
        logging.getLogger("successbot").info("started")
        after = datetime.now(UTC)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    stamp = log_output.getvalue().split(" ", 1)[0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", stamp), stamp
    assert before <= datetime.fromisoformat(stamp) <= after


def test_start_logging_again_in_one_process_logs_to_the_current_stderr_at_the_level_asked(log_output, monkeypatch):
    first, second = io.StringIO(), io.StringIO()
    monkeypatch.setattr("sys.stderr", first)
    start_logging("info")
    logging.getLogger("successbot").info("first run")
    monkeypatch.setattr("sys.stderr", second)
    start_logging(None)  # warnings and errors only
    logging.getLogger("successbot").info("second run, too low")
    logging.getLogger("successbot").warning("second run")
    assert first.getvalue() == "successbot: INFO: first run\n"
    assert second.getvalue() == "successbot: WARNING: second run\n"
    ours = [handler for handler in logging.getLogger().handlers if handler.get_name() == STDERR_HANDLER]
    assert len(ours) == 1  # the first run's handler was replaced, not kept beside it


def test_use_level_leaves_a_handler_that_is_not_its_own_alone(log_output):
    other = logging.StreamHandler(io.StringIO())
    formatter = logging.Formatter("%(message)s")
    other.setFormatter(formatter)
    logging.getLogger().addHandler(other)
    use_level("debug", timed=True)
    assert other.formatter is formatter and other.filters == []
