"""``successbot run``'s start against a real network: what it holds once it is in its channel and has read
its schedule (not what only some commands need: a pin against memory creeping back, bench/run.py measures
the megabytes), and a start that fails after the connection opened first.

The bot is the real one (``successbot.cli.main.main``) in a process of its
own against the test network, on a database whose schema is current, with a
schedule source configured; a few lines around it print its ``sys.modules``
once it has logged its first schedule refresh, which it does after joining.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from botproc import BotProcess

from successbot.storage.database import make_engine, upgrade

pytestmark = pytest.mark.irc

SCHEDULE = Path(__file__).resolve().parents[1] / "data" / "openstack" / "releases" / "indri" / "schedule.yaml"

# Around the real main(): when the refresh is logged, print the modules and stop the bot as SIGTERM does.
IDLE = """
import json, logging, os, signal, sys, threading
from successbot.cli.main import main

class WhenIdle(logging.Handler):
    def emit(self, record):
        if record.getMessage().startswith("schedule refreshed"):
            threading.Timer(0.5, self.stop).start()  # the refresh job finishes its work first

    def stop(self):
        print(json.dumps(sorted(sys.modules)), flush=True)
        os.kill(os.getpid(), signal.SIGTERM)

logging.getLogger("successbot.schedules.sources").addHandler(WhenIdle())
sys.exit(main(["--config", sys.argv[1], "run"]))
"""

# Each only for some commands, a configuration the bot has not, or a schema that is not current.
NOT_HELD = (
    "sqlalchemy.orm",  # the stores are SQLAlchemy Core
    "alembic",  # the schema is current
    "yaml",  # the sources are parsed in a process of their own
    "icalendar",
    "successbot.schedules.formats.detection",
    "successbot.publishing.directory",  # no [export] directory
    "successbot.publishing.export",
    "smtplib",  # no digest to mail
    "successbot.cli.example_schedule",  # the console's
)


def test_an_idle_bot_holds_neither_the_orm_alembic_yaml_the_parsers_nor_the_renderers(irc_network, tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    upgrade(engine)
    engine.dispose()
    bot = BotProcess(tmp_path, irc_network.port, nick="idlebot", channels="#idle", schedule_sources=str(SCHEDULE))
    done = subprocess.run(
        [sys.executable, "-c", IDLE, str(bot.config_path)], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    modules = set(json.loads(done.stdout.splitlines()[-1]))
    assert "joined #idle" in done.stderr and "1 of 1 sources read" in done.stderr, done.stderr
    # It is the whole bot: connected, its stores and timed jobs running, the schedule stored.
    running = {"successbot.adapters.irc.connection", "successbot.storage.schedule", "successbot.runtime.jobs"}
    assert running | {"apscheduler.schedulers.background", "successbot.schedules.worker"} <= modules
    with sqlite3.connect(tmp_path / "bot.db") as stored:
        assert stored.execute("SELECT count(*) FROM schedule_events").fetchone()[0] > 0
    held = sorted(m for m in modules if any(m == name or m.startswith(name + ".") for name in NOT_HELD))
    renderers = sorted(m for m in modules if m.startswith("successbot.publishing.renderers."))
    assert held == [] and renderers == []


def test_a_database_that_cannot_be_opened_stops_run_with_one_line_though_it_connected_first(irc_network, tmp_path):
    bot = BotProcess(tmp_path, irc_network.port, nick="nodbbot", database_url="sqlite:///no/such/dir/bot.db")
    done = subprocess.run(
        [sys.executable, "-m", "successbot", "--config", str(bot.config_path), "run"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("successbot run: error: cannot open the database") and "unable to open database file" in last
    assert "Traceback" not in done.stderr
    # The connection was opened before the database, and closed with a QUIT when the database failed.
    assert "connecting to" in done.stderr and "quitting (cannot start)" in done.stderr
