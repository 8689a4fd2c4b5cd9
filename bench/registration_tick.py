"""When does InspIRCd finish a client's registration? Raw sockets against the test network, no bot.

    .venv/bin/python bench/registration_tick.py      # about 30 s

Each row registers six clients one after another and prints the seconds
from connecting to the 001 welcome, with the fraction of the wall-clock
second at which each connected. It shows the rule that bench/README.md
relies on: the server finishes registration on the first turn of its loop
in a new wall-clock second after the last line of registration; an idle
server's loop turns one second after the last line it read. So a CAP END
sent late costs exactly its lateness (and nothing when it happens to
arrive just after a second began), never a whole extra second.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "integration")]

from ircnet import start_inspircd  # noqa: E402


def welcome_after(port: int, nick: str, cap_end_at: float | None = None, pings_at: tuple[float, ...] = ()) -> float:
    """Seconds from connecting to 001; ``cap_end_at``: hold registration with CAP LS and end it then."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    started = time.perf_counter()
    if cap_end_at is not None:
        sock.sendall(b"CAP LS 302\r\n")
    sock.sendall(f"NICK {nick}\r\nUSER u 0 * :r\r\n".encode())
    due = sorted(
        [*([(cap_end_at, b"CAP END\r\n")] if cap_end_at is not None else []), *((p, b"PING :x\r\n") for p in pings_at)]
    )
    sock.settimeout(0.005)
    received = b""
    while b" 001 " not in received:
        now = time.perf_counter() - started
        while due and due[0][0] <= now:
            sock.sendall(due.pop(0)[1])
        if now > 5:
            raise RuntimeError("no welcome within 5 s")
        with contextlib.suppress(TimeoutError):
            received += sock.recv(65536)
    elapsed = time.perf_counter() - started
    sock.close()
    return elapsed


def main() -> int:
    network = start_inspircd("relaxed")
    rows = (
        ("NICK and USER only (the echo client)", {}),
        ("CAP LS held, CAP END at 0.30 s", {"cap_end_at": 0.3}),
        ("CAP LS held, CAP END at 0.60 s", {"cap_end_at": 0.6}),
        ("NICK and USER, a PING at 0.50 s", {"pings_at": (0.5,)}),
    )
    try:
        for label, how in rows:
            cells = []
            for number in range(6):
                wall = time.time() % 1
                cells.append(f"{welcome_after(network.port, f'tick{number}', **how):.3f} (at .{int(wall * 1000):03d})")
                time.sleep(0.3)
            print(f"{label:38s}  {'  '.join(cells)}", flush=True)
    finally:
        network.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
