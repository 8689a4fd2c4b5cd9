"""Real IRC servers on loopback for integration tests, via the shared scripts.

The scripts live in ``<project root>/../shared/ircd`` (``$SUCCESSBOT_IRCD_DIR``
overrides). They start InspIRCd + Anope or ngIRCd from Debian's packages in a
temp dir on free ports; see their README.md for what the network offers.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 60  # the scripts give up after START_TIMEOUT=30 themselves
CLIENT_TIMEOUT = 10.0  # InspIRCd registers clients on a 1 s timer


def ircd_dir() -> Path:
    configured = os.environ.get("SUCCESSBOT_IRCD_DIR")
    return Path(configured) if configured else PROJECT_ROOT.parent / "shared" / "ircd"


def unavailable(reason: str) -> None:
    """Skip a test that needs servers we lack, but never silently in CI."""
    if os.environ.get("CI"):
        pytest.fail(f"IRC integration tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def require(binaries: Sequence[str]) -> Path:
    """Return the scripts dir, or skip/fail when it or a server is missing."""
    scripts = ircd_dir()
    if not (scripts / "start-network.sh").is_file():
        unavailable(f"IRC test scripts not found in {scripts} (set SUCCESSBOT_IRCD_DIR)")
    missing = [name for name in binaries if shutil.which(name) is None]
    if missing:
        unavailable(f"not installed: {', '.join(missing)} (apt-get install {' '.join(missing)})")
    return scripts


_loading = threading.Lock()


def _load_irc_client(scripts: Path) -> ModuleType:
    # connect_many's threads may be the first to ask: one loads, the others wait for it.
    with _loading:
        return _load_irc_client_once(scripts)


def _load_irc_client_once(scripts: Path) -> ModuleType:
    # Loaded by path, not via sys.path, so the shared dir shadows nothing.
    name = "successbot_shared_irc_client"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, scripts / "irc_client.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while executing it
    spec.loader.exec_module(module)
    return module


@dataclass
class Network:
    """One running server (or network). ``connect`` gives registered clients."""

    kind: str
    port: int
    dir: Path
    env: dict[str, str]
    scripts: Path
    start_env: dict[str, str] = field(default_factory=dict, repr=False)
    owns_dir: bool = False
    owns_scripts: bool = False  # a copy of the scripts made for this network (see ``without_modules``)
    _clients: list[Any] = field(default_factory=list, repr=False)
    _daemons: list[subprocess.Popen[bytes]] = field(default_factory=list, repr=False)  # started by us, to reap

    @property
    def irc_client(self) -> ModuleType:
        """The shared irc_client module: ``Message``, ``IRCError``, ``unique_nick``…"""
        return _load_irc_client(self.scripts)

    def connect(
        self,
        nick: str,
        sasl: tuple[str, str] | None = None,
        caps: Iterable[str] = (),
        timeout: float = CLIENT_TIMEOUT,
    ) -> Any:
        """A client that has finished registration (CAP, SASL, 001, MOTD)."""
        client = _client_class(self.irc_client)(self.port, nick, caps=list(caps), sasl=sasl, timeout=timeout)
        self._clients.append(client)
        return client

    def connect_many(self, *specs: dict[str, Any]) -> list[Any]:
        """Connect several clients at once: each takes ~1 s on InspIRCd."""
        with ThreadPoolExecutor(max_workers=len(specs) or 1) as pool:
            return list(pool.map(lambda spec: self.connect(**spec), specs))

    def register(self, account: str, password: str) -> None:
        """Register a NickServ account (needs the Anope network)."""
        subprocess.run(
            [self.scripts / "register-account.sh", str(self.port), account, password],
            check=True,
            capture_output=True,
            text=True,
            timeout=30,
        )

    def register_all(self, accounts: dict[str, str]) -> None:
        """Register several accounts at once: each waits ~1 s for InspIRCd's registration tick."""
        with ThreadPoolExecutor(max_workers=len(accounts) or 1) as pool:
            list(pool.map(self.register, accounts, accounts.values()))

    def close_clients(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()

    def halt(self) -> None:
        """Stop the servers but keep their dir (accounts) for ``start_again``."""
        subprocess.run([self.scripts / "stop-network.sh", str(self.dir)], check=True, capture_output=True, timeout=30)

    def start_again(self) -> None:
        """Start a halted network again on the same ports and dir."""
        link_port = self.env["IRC_LINK_PORT"]
        result = subprocess.run(
            [self.scripts / "start-network.sh", str(self.port), link_port, str(self.dir)],
            env=self.start_env,
            capture_output=True,
            text=True,
            timeout=START_SECONDS,
        )
        if result.returncode != 0:
            pytest.fail(f"restarting the network failed:\n{result.stderr}", pytrace=False)
        # New daemons, new pids: a network shared by several tests is stopped or frozen by these.
        self.env.update(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)

    def stop_services(self) -> None:
        """Stop Anope alone: NickServ and SASL leave, the IRC server stays up."""
        self._terminate("ANOPE_PID")

    def start_services(self) -> None:
        """Start Anope again as start-network.sh does, on the same dir; return once NickServ answers."""
        d = self.dir
        command = [
            f"{d}/bin/anope",
            "--nofork",
            f"--confdir={d}/anope/conf",
            f"--dbdir={d}/anope/data",
            f"--logdir={d}/anope/logs",
            "--modulesdir=/usr/lib/anope",
            "--localedir=/usr/share/anope/locale",
        ]
        user = self.start_env.get("ANOPE_USER")
        if user:
            account = pwd.getpwnam(user)
            command = ["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--clear-groups", *command]
        pid = self._launch("ANOPE_PID", command, "anope.out")
        self.irc_client.wait_ready(self.port, True, START_SECONDS, [pid])

    def restart_ircd(self) -> None:
        """Restart InspIRCd alone, on the same ports and config; return once a client can register."""
        self._terminate("INSPIRCD_PID")
        command = [f"{self.dir}/bin/inspircd", "--config", f"{self.dir}/inspircd.conf", "--nofork", "--runasroot"]
        pid = self._launch("INSPIRCD_PID", command, "inspircd.out")
        self.irc_client.wait_ready(self.port, False, START_SECONDS, [pid])

    def _terminate(self, key: str) -> None:
        pid = int(self.env[key])
        alive = self.irc_client.process_alive
        if alive(pid):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if alive(pid):
            pytest.fail(f"{key} {pid} did not stop on SIGTERM", pytrace=False)

    def _launch(self, key: str, command: list[str], output: str) -> int:
        # Like the script: detached, output to a file in the dir; the new pid goes to network.env
        # so that stop-network.sh stops this process too.
        with open(self.dir / output, "ab") as out:
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self._daemons.append(process)
        self.env[key] = str(process.pid)
        env_file = self.dir / "network.env"
        lines = [line for line in env_file.read_text().splitlines() if not line.startswith(f"{key}=")]
        env_file.write_text("\n".join([*lines, f"{key}={process.pid}"]) + "\n")
        return process.pid

    def stop(self) -> None:
        self.close_clients()
        result = subprocess.run(
            [self.scripts / "stop-network.sh", str(self.dir)],
            capture_output=True,
            text=True,
            timeout=30,
        )
        for process in self._daemons:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
        if self.owns_dir:
            shutil.rmtree(self.dir, ignore_errors=True)
        if self.owns_scripts:
            shutil.rmtree(self.scripts, ignore_errors=True)
        if result.returncode != 0:
            raise RuntimeError(f"stop-network.sh {self.dir} failed: {result.stderr}")


@functools.cache
def _client_class(irc_client: ModuleType) -> type:
    class IrcTestClient(irc_client.Client):  # type: ignore[name-defined, misc]
        """The shared client plus ``say``."""

        def say(self, target: str, text: str) -> None:
            self.send(f"PRIVMSG {target} :{text}")

    return IrcTestClient


def start_inspircd(
    flood: str = "relaxed", restartable: bool = False, without_modules: Sequence[str] = (), services: bool = True
) -> Network:
    """InspIRCd + Anope with the given flood profile (relaxed, fakelag, kill).

    A ``restartable`` network lives in a dir of ours, so that stopping it
    keeps Anope's accounts and ``restart`` can bring it back on the same ports.
    ``without_modules`` names InspIRCd modules to leave out (``ircv3_accounttag``:
    a server with extended-join and account-notify but no account tags); the
    network then runs from a copy of the scripts whose template lacks them.
    Without ``services`` InspIRCd runs alone (no NickServ, no SASL): it starts,
    and restarts, in about half the time.
    """
    scripts = require(["inspircd", "anope"] if services else ["inspircd"])
    env = {**os.environ, "IRCD_FLOOD": flood}
    if not services:
        env["IRCD_SERVICES"] = "none"
    if _can_drop_anope_to_nobody():
        env["ANOPE_USER"] = "nobody"  # skips Anope's 3 s pause when run as root
    args = ["0", "0", tempfile.mkdtemp(prefix="ircnet-", dir="/tmp")] if restartable else []
    if not without_modules:
        return _start(scripts, "start-network.sh", "inspircd", env, args)
    copy = _scripts_without_modules(scripts, without_modules)
    try:
        network = _start(copy, "start-network.sh", "inspircd", env, args)
    except BaseException:
        shutil.rmtree(copy, ignore_errors=True)
        raise
    network.owns_scripts = True
    return network


def _scripts_without_modules(scripts: Path, modules: Sequence[str]) -> Path:
    """A copy of the shared scripts (which are read-only) whose InspIRCd template loads none of ``modules``."""
    copy = Path(tempfile.mkdtemp(prefix="ircd-scripts-", dir="/tmp"))
    shutil.copytree(scripts, copy, dirs_exist_ok=True)
    for path in (copy, copy / "templates"):
        path.chmod(0o755)  # copied read-only; the copy must be editable and removable
    template = copy / "templates" / "inspircd.conf.in"
    template.chmod(0o644)
    lines = template.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not any(line.startswith(f'<module name="{name}">') for name in modules)]
    missing = len(lines) - len(kept) != len(modules)
    if missing:  # a renamed module in the template would silently leave the feature on
        shutil.rmtree(copy, ignore_errors=True)
        pytest.fail(f"{template} does not load each of {', '.join(modules)} exactly once", pytrace=False)
    template.write_text("".join(kept), encoding="utf-8")
    return copy


def start_ngircd(tls: bool = False) -> Network:
    """A plain ngIRCd (no services, no IRCv3 tags) with relaxed flood limits.

    With ``tls`` it also listens with TLS on ``env["TLS_PORT"]``, with a
    self-signed certificate for ``localhost`` made on the spot.
    """
    scripts = require(["ngircd", "openssl"] if tls else ["ngircd"])
    if not tls:
        return _start(scripts, "start-ngircd.sh", "ngircd", dict(os.environ))
    workdir = Path(tempfile.mkdtemp(prefix="ngircd-tls-", dir="/tmp"))
    workdir.chmod(0o755)  # ngIRCd drops to nobody and must still read its files
    (workdir / "conf.d").mkdir()
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-keyout", str(workdir / "key.pem"), "-out", str(workdir / "cert.pem")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    for name in ("key.pem", "cert.pem"):
        (workdir / name).chmod(0o644)
    tls_port = _free_port()
    (workdir / "conf.d" / "tls.conf").write_text(
        f"[SSL]\nCertFile = {workdir}/cert.pem\nKeyFile = {workdir}/key.pem\nPorts = {tls_port}\n", encoding="utf-8"
    )
    network = _start(scripts, "start-ngircd.sh", "ngircd", dict(os.environ), ["0", str(workdir)])
    network.env["TLS_PORT"] = str(tls_port)
    network.owns_dir = True
    return network


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _can_drop_anope_to_nobody() -> bool:
    # setpriv to another user needs root; without root Anope runs as us anyway.
    try:
        pwd.getpwnam("nobody")
    except KeyError:
        return False
    return os.geteuid() == 0 and shutil.which("setpriv") is not None


def _start(scripts: Path, script: str, kind: str, env: dict[str, str], args: Sequence[str] = ()) -> Network:
    try:
        result = subprocess.run(
            [scripts / script, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=START_SECONDS,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{script} did not finish within {START_SECONDS}s", pytrace=False)
    if result.returncode != 0:
        # Installed but broken is a real failure, never a skip.
        pytest.fail(f"{script} failed:\n{result.stderr}", pytrace=False)
    values = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    return Network(
        kind, int(values["IRC_PORT"]), Path(values["IRC_DIR"]), values, scripts, start_env=env, owns_dir=bool(args)
    )
