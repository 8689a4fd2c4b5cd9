"""Where a command's round trip goes, hop by hop, in the real bot process against the real InspIRCd.

    .venv/bin/python bench/hops.py [--trials N]

The bot runs as ``successbot run`` does, with time stamps (``perf_counter``,
the same clock in every process on Linux) taken as a line passes each hop:
the server socket readable, the message handed to a worker, the core's
start and end, the replies queued, the loop woken, the write. A client
sends each command ``--trials`` times; for each round trip the stamps
between its send and its last reply line are the hops. Medians are printed
(the first tenth of each series is warm-up). It is a diagnosis tool, not
part of the table: the stamps cost a few microseconds each.
"""

from __future__ import annotations

import argparse
import atexit
import bisect
import itertools
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAMPS_ENV = "SUCCESSBOT_HOPS"
HOPS = ("readable", "dispatched", "submitted", "worker", "handled", "queued", "woken", "written")
NAMES = {
    "readable": "the server's line readable",
    "dispatched": "read, parsed, a Message",
    "submitted": "handed to the workers",
    "worker": "a worker has it",
    "handled": "the core answered",
    "queued": "the replies split and queued",
    "woken": "the loop woken by the worker",
    "written": "written to the socket",
}


def run_instrumented_bot(argv: list[str]) -> int:
    """``successbot`` with a stamp at each hop, written to ``$SUCCESSBOT_HOPS`` at exit."""
    import select
    import socket

    import successbot.adapters.conversations as conversations
    import successbot.adapters.irc.connection as connection
    import successbot.core.dispatch as dispatch
    from successbot.cli.main import main

    stamps: list[tuple[str, float]] = []
    clock = time.perf_counter

    class Select:
        @staticmethod
        def select(*args: object) -> tuple[list[object], list[object], list[object]]:
            readable, writable, failed = select.select(*args)  # type: ignore[arg-type]
            if readable:
                from_server = any(sock.family != socket.AF_UNIX for sock in readable)  # type: ignore[attr-defined]
                stamps.append(("readable" if from_server else "woken", clock()))
            return readable, writable, failed

    def stamped(owner: type, name: str, before: str | None = None, after: str | None = None) -> None:
        original = getattr(owner, name)

        def wrapper(*args: object, **kwargs: object) -> object:
            if before:
                stamps.append((before, clock()))
            result = original(*args, **kwargs)
            if after:
                stamps.append((after, clock()))
            return result

        setattr(owner, name, wrapper)

    connection.select = Select  # type: ignore[assignment]
    stamped(connection.IrcBot, "_dispatch", before="dispatched", after="submitted")
    stamped(conversations.Conversations, "_run", before="worker")
    stamped(dispatch.Core, "handle", after="handled")
    stamped(connection.IrcBot, "_deliver", after="queued")
    stamped(connection.IrcBot, "_send_lines", after="written")
    stamped(connection.IrcBot, "_send_now", after="written")

    def dump() -> None:
        Path(os.environ[STAMPS_ENV]).write_text("".join(f"{label} {at:.9f}\n" for label, at in stamps))

    atexit.register(dump)
    return main(argv)


def hop_medians(stamps: list[tuple[str, float]], trips: list[tuple[float, float]]) -> list[tuple[str, float]]:
    """Each hop's median over ``trips`` (send, last reply): the first stamp of each kind inside the trip."""
    times = [at for _, at in stamps]
    deltas: dict[str, list[float]] = {}
    for sent, received in trips:
        inside = stamps[bisect.bisect_left(times, sent) : bisect.bisect_right(times, received)]
        first: dict[str, float] = {}
        for label, at in inside:
            first.setdefault(label, at)
        points = [("sent", sent), *((label, first[label]) for label in HOPS if label in first), ("received", received)]
        for (_, start), (label, end) in itertools.pairwise(points):
            deltas.setdefault(label, []).append(end - start)
    order = [*HOPS, "received"]
    return [(label, statistics.median(deltas[label])) for label in order if label in deltas]


def main() -> int:
    if sys.argv[1:2] == ["--bot"]:
        return run_instrumented_bot(sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=300)
    args = parser.parse_args()
    sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "tests"), str(ROOT / "tests" / "integration")]
    import run

    scratch = Path(tempfile.mkdtemp(prefix="successbot-hops-"))
    template = scratch / "template.db"
    engine = run.make_engine(f"sqlite:///{template}")
    run.upgrade(engine)
    engine.dispose()
    network = run.start_inspircd("relaxed")
    try:
        workdir = scratch / "bot"
        run.migrated_copy(template, workdir)
        bot = run.BotProcess(workdir, network.port, channels=run.CHANNEL, schedule_sources=str(run.SCHEDULE),
                             **run.WIDE_OPEN)  # fmt: skip
        watcher = network.connect("watcher")
        watcher.join(run.CHANNEL)
        environment = {**os.environ, STAMPS_ENV: str(workdir / "stamps.txt")}
        environment.pop("SUCCESSBOT_CONFIG", None)
        with open(bot.log_path, "ab") as log:
            process = subprocess.Popen(
                [sys.executable, __file__, "--bot", "--config", str(bot.config_path), "run"],
                cwd=workdir, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=environment,
            )  # fmt: skip
        watcher.wait_for(lambda m: m.command == "JOIN" and m.nick == bot.nick, timeout=30)
        client = network.connect("timer")
        client.join(run.CHANNEL)
        for number in range(5):
            client.say(run.CHANNEL, f"#success seeded {number}")
            client.wait_for(run.from_nick(bot.nick), timeout=10)
        trips: dict[str, list[tuple[float, float]]] = {}
        for command, lines in (("!help", 1), ("!deadline", 1), ("!successes", 5)):
            trips[command] = []
            for _ in range(args.trials + args.trials // 10):
                sent = time.perf_counter()
                client.say(run.CHANNEL, command)
                for _ in range(lines):
                    last = client.wait_for(run.from_nick(bot.nick), timeout=10)
                trips[command].append((sent, last.received))  # time.monotonic: perf_counter's clock on Linux
        process.send_signal(signal.SIGTERM)
        process.wait(30)
        stamps = [(label, float(at)) for label, at in (line.split() for line in (workdir / "stamps.txt").open())]
    finally:
        network.stop()
    for command, all_trips in trips.items():
        measured = all_trips[len(all_trips) // 11 :]
        total = statistics.median(received - sent for sent, received in measured)
        print(f"{command}: round trip {total * 1e6:.0f} us (median of {len(measured)}); each hop's median, from the")
        print("previous one (from the client's send for the first; to its receiving the last line for the last):")
        for label, seconds in hop_medians(stamps, measured):
            print(f"  {NAMES.get(label, 'the client has the last line'):40s} {seconds * 1e6:7.0f} us")
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
