"""A real SMTP server on loopback for the mail tests: aiosmtpd, run as a process of its own.

``start_smtp(directory)`` runs this file as a script on a free 127.0.0.1
port (or a given one, to bring a server up where the bot already looks).
Every message the server accepts is written to the directory, atomically,
as ``NNNN.eml`` (the bytes as received) beside ``NNNN.json`` (the envelope).
With ``credentials`` the server requires AUTH (PLAIN or LOGIN, without TLS)
and checks each login against that file's ``user:password``, read at every
try, so a test can set up the account while the bot keeps retrying.
"""

from __future__ import annotations

import argparse
import contextlib
import email
import email.policy
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

START_SECONDS = 15


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes


@dataclass
class SmtpServer:
    directory: Path
    port: int
    credentials: Path | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> SmtpServer:
        command = [sys.executable, __file__, "--port", str(self.port), "--dir", str(self.directory)]
        if self.credentials is not None:
            command += ["--credentials", str(self.credentials)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL)  # fmt: skip
        assert self.process.stdout is not None
        ready = threading.Event()
        output: list[bytes] = []

        def read() -> None:
            assert self.process is not None and self.process.stdout is not None
            for line in self.process.stdout:
                output.append(line)
                if line.strip() == b"ready":
                    ready.set()

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(START_SECONDS):
            self.stop()
            raise RuntimeError(f"the SMTP server did not start: {b''.join(output).decode(errors='replace')}")
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def received(self) -> list[Received]:
        found = []
        for path in sorted(self.directory.glob("*.eml")):
            envelope = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
            raw = path.read_bytes()
            message = email.message_from_bytes(raw, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            found.append(Received(envelope["mail_from"], envelope["rcpt_tos"], message, raw))
        return found


def start_smtp(directory: Path, port: int | None = None, credentials: Path | None = None) -> SmtpServer:
    directory.mkdir(parents=True, exist_ok=True)
    return SmtpServer(directory, port or free_port(), credentials).start()


# --- the server process ---------------------------------------------------------------------------------------------


def _serve(port: int, directory: Path, credentials: Path | None) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    numbers = itertools.count(len(list(directory.glob("*.eml"))) + 1)

    class Keeper:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            number = next(numbers)
            stem = directory / f"{number:04d}"
            sidecar = {"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos)}
            _write(stem.with_suffix(".json"), json.dumps(sidecar).encode())
            _write(stem.with_suffix(".eml"), envelope.original_content or envelope.content)
            return "250 2.0.0 Message accepted"

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        if credentials is None or not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        try:
            user, _, password = credentials.read_text(encoding="utf-8").strip().partition(":")
        except FileNotFoundError:
            return AuthResult(success=False, handled=False)
        given = (auth_data.login.decode(), auth_data.password.decode())
        return AuthResult(success=given == (user, password), handled=False)

    auth: dict[str, Any] = {}
    if credentials is not None:
        auth = {"authenticator": authenticator, "auth_required": True, "auth_require_tls": False}
    controller = Controller(Keeper(), hostname="127.0.0.1", port=port, **auth)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    controller.start()
    print("ready", flush=True)
    try:
        stop.wait()
    finally:
        controller.stop()


def _write(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--credentials", type=Path)
    arguments = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        _serve(arguments.port, arguments.dir, arguments.credentials)
