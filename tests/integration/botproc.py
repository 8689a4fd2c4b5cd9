"""successbot itself as a real process (``successbot run``) against a test network."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from successbot.storage.database import make_engine
from successbot.storage.successes import SqlSuccessStore

BOT_START_SECONDS = 20.0


class BotProcess:
    def __init__(
        self,
        workdir: Path,
        port: int,
        nick: str = "sbot",
        sections: dict[str, dict[str, str]] | None = None,
        **irc: str,
    ) -> None:
        self.workdir, self.nick = workdir, nick
        self.log_path = workdir / "bot.log"
        self.db_path = workdir / "bot.db"
        settings = {
            "server": "127.0.0.1",
            "port": str(port),
            "channels": "#dev",
            "ping_interval": "30s",
            **irc,
        }
        self.channels = [item.strip().split()[0] for item in settings["channels"].split(",") if item.strip()]
        admins = settings.pop("admins", "alice")
        self.database_url = settings.pop("database_url", f"sqlite:///{self.db_path}")
        database = {key: settings.pop(key) for key in ("busy_timeout",) if key in settings}
        sources = settings.pop("schedule_sources", "")
        lines = [
            "[bot]", f"nick = {nick}",
            "[database]", f"url = {self.database_url}", *(f"{key} = {value}" for key, value in database.items()),
            "[irc]", *(f"{key} = {value}" for key, value in settings.items()),
        ]  # fmt: skip
        more = {name: dict(values) for name, values in (sections or {}).items()}
        more.setdefault("permissions", {}).setdefault("admins", admins)
        if sources:
            more.setdefault("schedule", {})["sources"] = sources
        for section, values in more.items():
            lines += [f"[{section}]", *(f"{key} = {value}" for key, value in values.items())]
        self.config_path = workdir / "bot.ini"
        self.config_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, env: dict[str, str] | None = None, options: tuple[str, ...] = ()) -> BotProcess:
        """Run ``successbot --config FILE [options] run``."""
        environment = {k: v for k, v in os.environ.items() if k != "SUCCESSBOT_CONFIG"}
        environment.update(env or {})
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "successbot", "--config", str(self.config_path), *options, "run"],
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=environment,
            )
        return self

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for_log(self, pattern: str, timeout: float = BOT_START_SECONDS, after: int = 0) -> re.Match[str]:
        """The first match of ``pattern`` in the log past offset ``after``."""
        deadline = time.monotonic() + timeout
        while True:
            found = re.compile(pattern).search(self.log(), after)
            if found:
                return found
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"bot exited ({self.process.returncode}) before {pattern!r}:\n{self.log()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {pattern!r} in the bot's log within {timeout}s:\n{self.log()}")
            time.sleep(0.05)

    def wait_joined(self, *channels: str, after: int = 0) -> None:
        """Until the log says each of ``channels`` (by default: all the configured ones) is joined."""
        for channel in channels or self.channels:
            self.wait_for_log(rf"joined {re.escape(channel)}\b", after=after)

    def signal_and_wait(self, signum: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        assert self.process is not None
        self.process.send_signal(signum)
        return self.process.wait(timeout=timeout)

    def wait_exit(self, timeout: float = 30.0) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def store(self) -> SqlSuccessStore:
        return SqlSuccessStore(make_engine(self.database_url))

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
