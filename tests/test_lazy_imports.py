"""What the command line and ``successbot run``'s first step load, in a fresh interpreter: pins, not timings.

``successbot run`` reads its config and opens its IRC connection before it
imports the irc library, SQLAlchemy or the scheduler (``runtime.startup``);
every other command imports what it needs when it runs. These tests fail if
a module-level import brings one of them back onto that path.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("sqlalchemy", "irc", "jaraco", "apscheduler", "yaml", "alembic", "icalendar", "urllib.request", "smtplib")

_LOADED = """
import json, sys
{body}
print(json.dumps(sorted(sys.modules)))
"""


def loaded_after(body: str, cwd: Path) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", _LOADED.format(body=body)], capture_output=True, text=True, cwd=cwd, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.splitlines()[-1]))


def heavy_in(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_the_parser_of_every_command_loads_no_database_irc_scheduler_or_parser_library(tmp_path):
    modules = loaded_after(
        "from successbot.cli.main import build_parser\nbuild_parser().parse_args(['--config', 'bot.ini', 'run'])",
        tmp_path,
    )
    assert heavy_in(modules) == []
    assert not [m for m in modules if m.startswith(("successbot.storage", "successbot.publishing.renderers."))]


def test_what_run_reads_before_it_connects_loads_neither_sqlalchemy_nor_the_irc_library(tmp_path):
    (tmp_path / "bot.ini").write_text(
        "[database]\nurl = sqlite:///bot.db\n[irc]\nserver = irc.example.org\nchannels = #dev\n"
        "[schedule]\nsources = schedule.yaml\n[announce]\nweekly_summary = fri 15:00\n",
        encoding="utf-8",
    )
    modules = loaded_after(
        "from successbot.config import load_config\n"
        "config = load_config('bot.ini', secrets_needed=True)\n"
        "import successbot.adapters.irc.early_registration",
        tmp_path,
    )
    assert heavy_in(modules) == []
    assert "successbot.announcements.plan" not in modules  # the config's weekly times have a module of their own
