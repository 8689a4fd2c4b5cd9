"""successbot's benchmarks through a real InspIRCd with Anope on loopback: one command, one table.

    .venv/bin/python bench/run.py [--quick]

Every figure is a median over repeated trials, with p95 and p99. Not part of
the test suite; see bench/README.md for what each row measures.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import json
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "integration")]

from botproc import BotProcess  # noqa: E402
from ircnet import start_inspircd  # noqa: E402
from slowsource import SlowSource  # noqa: E402

from successbot.core.weeks import iso_week, week_label  # noqa: E402
from successbot.publishing.export import export_successes  # noqa: E402
from successbot.storage.database import make_engine, upgrade  # noqa: E402
from successbot.storage.successes import SqlSuccessStore  # noqa: E402

WIDE_OPEN = {"auth": "none", "flood_burst": "100000", "flood_rate": "100000"}
SCHEDULE = ROOT / "tests" / "data" / "openstack" / "releases" / "indri" / "schedule.yaml"
# What a deployment reads at start: the OpenStack releases schedule and an election (the shared data).
SHARED_DATA = ROOT.parent / "shared" / "data" / "openstack"
START_SOURCES = (
    SHARED_DATA / "releases" / "indri" / "schedule.yaml",
    ROOT / "tests" / "data" / "openstack" / "election" / "configuration-2026.2.yaml",
)
CHANNEL = "#bench"
MIB = 1024 * 1024
MEASURES = ("roundtrip", "ack", "reload", "start", "ingest", "growth", "schedule")
STORED_EVENTS = 200_000


class Results:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str]] = []

    def add(self, what: str, samples: list[float], unit: str, scale: float, target: str = "", result: str = "") -> None:
        median, p95, p99 = summary(samples)
        shown = " / ".join(f"{value * scale:.2f}" for value in (median, p95, p99))
        self.rows.append((what, f"{shown} {unit}", str(len(samples)), target, result))

    def note(self, what: str, value: str, target: str = "", result: str = "") -> None:
        self.rows.append((what, value, "", target, result))

    def print(self) -> None:
        header = ("measure", "median / p95 / p99", "n", "target", "")
        widths = [max(len(row[i]) for row in [header, *self.rows]) for i in range(5)]
        for row in [header, tuple("-" * w for w in widths), *self.rows]:
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def summary(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)

    def at(fraction: float) -> float:
        return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]

    return statistics.median(ordered), at(0.95), at(0.99)


def verdict(ok: bool) -> str:
    return "met" if ok else "GAP"


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def round_trips(
    client, send: str, is_reply: Callable, lines: int, trials: int, channel: str = CHANNEL, warm_up: bool = True
) -> list[float]:
    """Seconds from sending ``send`` to the last of ``lines`` reply lines; the first tenth is warm-up."""
    samples = []
    extra = trials // 10 if warm_up else 0
    for trial in range(trials + extra):
        started = time.perf_counter()
        client.say(channel, send)
        for _ in range(lines):
            client.wait_for(is_reply, timeout=10)
        if trial >= extra:
            samples.append(time.perf_counter() - started)
    return samples


def from_nick(nick: str) -> Callable:
    return lambda message: message.command == "PRIVMSG" and message.nick == nick


def migrated_copy(template: Path, workdir: Path) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, workdir / "bot.db")
    return workdir / "bot.db"


def start_bot(
    network, workdir: Path, nick: str = "sbot", sections: dict[str, dict[str, str]] | None = None, **settings: str
) -> tuple[BotProcess, float]:
    """A bot process and the seconds from its start to its JOIN, as a client in the channel sees it."""
    watcher = network.connect(f"w{nick}"[:30])
    watcher.join(CHANNEL)
    settings.setdefault("channels", CHANNEL)
    bot = BotProcess(workdir, network.port, nick=nick, sections=sections, **settings)
    started = time.perf_counter()
    bot.start()
    watcher.wait_for(lambda m: m.command == "JOIN" and m.nick == nick, timeout=30)
    joined = time.perf_counter() - started
    watcher.close()
    return bot, joined


EXPORTED_WEEK = "2026-W10"
EXPORTED_ROWS = 200


def bulk_fill(path: Path, rows: int) -> None:
    """``rows`` successes over two years, straight into SQLite: the bot's own path would take hours.

    Every database also gets the same ``EXPORTED_ROWS`` in ``EXPORTED_WEEK``,
    after the filler, so exporting that week has the same work at every size
    and only the table around it grows.
    """
    first = datetime(2024, 1, 1)
    connection = sqlite3.connect(path)
    monday = datetime(2026, 3, 2)
    connection.executemany(
        "INSERT INTO successes (text, nick, channel, network, created_at) VALUES (?, 'alice', '#dev', 'TestNet', ?)",
        ((f"exported {n}", monday + timedelta(minutes=50 * n)) for n in range(EXPORTED_ROWS)),
    )
    connection.commit()
    batch = 50_000
    for start in range(0, rows, batch):
        connection.executemany(
            "INSERT INTO successes (text, nick, account, userhost, channel, network, created_at) "
            "VALUES (?, ?, NULL, NULL, ?, 'TestNet', ?)",
            (
                (f"filler success {n}", f"user{n % 500}", f"#chan{n % 50}", first + timedelta(seconds=n * 63))
                for n in range(start, min(rows, start + batch))
            ),
        )
        connection.commit()
    connection.close()


def measure_round_trip(network, template: Path, scratch: Path, results: Results, trials: int) -> None:
    workdir = scratch / "roundtrip"
    migrated_copy(template, workdir)
    bot, _ = start_bot(network, workdir, schedule_sources=str(SCHEDULE), **WIDE_OPEN)
    echo = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "echo_client.py"), str(network.port), "echo", CHANNEL],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    echo.stdout.readline()  # "joined"
    client = network.connect("timer")
    client.join(CHANNEL)
    for number in range(5):
        client.say(CHANNEL, f"#success seeded {number}")
        client.wait_for(from_nick("sbot"), timeout=10)
    floor = round_trips(client, "!echo", from_nick("echo"), 1, trials)
    floor5 = round_trips(client, "!echo5", from_nick("echo"), 5, trials)
    client.say(CHANNEL, "!deadline")
    deadline_lines = len([m for m in client.collect(1.0) if from_nick("sbot")(m)])
    deadline = round_trips(client, "!deadline", from_nick("sbot"), deadline_lines, trials)
    successes = round_trips(client, "!successes", from_nick("sbot"), 5, trials)
    client.say(CHANNEL, "!help")
    help_lines = len([m for m in client.collect(1.0) if from_nick("sbot")(m)])
    helps = round_trips(client, "!help", from_nick("sbot"), help_lines, trials)
    floor_median, floor5_median = statistics.median(floor), statistics.median(floor5)
    results.add("echo floor: raw-socket client, !echo", floor, "ms", 1000)
    results.add("  echo floor for 5 lines in one write, !echo5", floor5, "ms", 1000)
    for name, samples, lines in (("!deadline", deadline, deadline_lines), ("!successes", successes, 5)):
        median = statistics.median(samples)
        of_five = f"; {median / floor5_median:.1f}x the 5-line echo" if lines == 5 else ""
        results.add(
            f"{name} round trip ({lines} lines, flood limiter wide open)",
            samples,
            "ms",
            1000,
            "≤ 1.5 ms, ≤ 2x floor",
            f"{verdict(median <= 0.0015 and median <= 2 * floor_median)} ({median / floor_median:.1f}x floor{of_five})",
        )
    results.add(
        f"  !help round trip ({help_lines} lines, no database: the bot's own floor)", helps, "ms", 1000, "",
        f"({statistics.median(helps) / floor_median:.1f}x floor)",
    )  # fmt: skip
    echo.kill()
    bot.kill()
    client.close()
    measure_hops(bot.config_path, results)


def measure_hops(config_path: Path, results: Results) -> None:
    """What a round trip is made of, each part timed alone in this process (back to back, so warmer than in the bot).

    The bot's database and config from the round trips are reused for the core's part.
    """
    import select
    import socket

    import irc.client

    from successbot.adapters.irc.incoming import parse_privmsg
    from successbot.config import load_config
    from successbot.core.messages import Message
    from successbot.runtime.app import open_app

    line = "@time=2026-12-01T15:39:54.813Z;msgid=0123456789abcdef :timer!timer@127.0.0.1 PRIVMSG #bench :!deadline"
    reactor = irc.client.Reactor()
    connection = reactor.server()
    ours, theirs = socket.socketpair()
    connection.connect("127.0.0.1", 6667, "sbot", connect_factory=lambda _address: ours)
    for kind in ("all_raw_messages", "pubmsg"):
        reactor.add_global_handler(kind, lambda _connection, _event: None)
    results.add("  the irc library: parse and dispatch one PRIVMSG", timed(lambda: connection._process_line(line)),
                "us", 1e6, "", "(the bot reads PRIVMSGs in one pass now)")  # fmt: skip
    results.add("  the bot's one-pass read of a PRIVMSG (incoming)", timed(lambda: parse_privmsg(line)), "us", 1e6)
    connection.close()
    theirs.close()

    # Connection thread -> worker (Condition) -> connection thread (waker byte in select), as the bot hands a command.
    reader, writer = socket.socketpair()
    ready = threading.Condition()
    jobs: list[object] = []

    def worker() -> None:
        while True:
            with ready:
                ready.wait_for(lambda: jobs)
                job = jobs.pop()
            if job is None:
                return
            writer.send(b"\0")

    def hand_off_and_back() -> None:
        with ready:
            jobs.append(1)
            ready.notify()
        select.select([reader], [], [], 1)
        reader.recv(16)

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    results.add("  a hand-off to a worker thread and back (no work)", timed(hand_off_and_back), "us", 1e6)
    with ready:
        jobs.append(None)
        ready.notify()
    thread.join()

    app = open_app(load_config(config_path))
    try:
        for text in ("!deadline", "!successes", "!help"):
            message = Message(text=text, nick="timer", channel=CHANNEL, userhost="timer@127.0.0.1", network="TestNet")
            samples = timed(lambda message=message: app.core.handle(message, datetime.now(UTC)))
            results.add(f"  the core: {text}, in process (database read included)", samples, "us", 1e6)
    finally:
        app.close()


def timed(action: Callable[[], object], trials: int = 2000) -> list[float]:
    for _ in range(trials // 10):
        action()
    samples = []
    for _ in range(trials):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return samples


def measure_ack_beside_help(network, template: Path, scratch: Path, results: Results, trials: int) -> None:
    """``#success`` with the published directory set, against ``!help`` in the same run: the pages stay off the path."""
    workdir = scratch / "ack"
    migrated_copy(template, workdir)
    bot, _ = start_bot(
        network, workdir, nick="sbotack", sections={"export": {"directory": str(workdir / "site")}}, **WIDE_OPEN
    )
    client = network.connect("acker")
    client.join(CHANNEL)
    client.say(CHANNEL, "!help")
    help_lines = len([m for m in client.collect(1.0) if from_nick("sbotack")(m)])
    helps = round_trips(client, "!help", from_nick("sbotack"), help_lines, trials)
    acks = round_trips(client, "#success benchmarked", from_nick("sbotack"), 1, trials)
    ratio = statistics.median(acks) / statistics.median(helps)
    results.add(f"!help round trip ({help_lines} lines)", helps, "ms", 1000)
    results.add(
        "#success acknowledgement, [export] directory set", acks, "ms", 1000, "≤ 4x !help",
        f"{verdict(ratio <= 4)} ({ratio:.1f}x !help)",
    )  # fmt: skip
    time.sleep(1)  # the last batch of pages
    assert (workdir / "site" / "index.html").exists(), f"the pages were never written:\n{bot.log()}"
    bot.kill()
    client.close()


def measure_slow_reload(network, template: Path, scratch: Path, results: Results, trials: int) -> None:
    """While an admin's ``!schedule reload`` waits 20 s for a source, another channel's ``!help`` as usual."""
    workdir = scratch / "reload"
    migrated_copy(template, workdir)
    source = SlowSource(SCHEDULE.read_bytes(), delay=20.0)
    network.register("benchadmin", "benchpw")
    bot, _ = start_bot(
        network, workdir, nick="sbotrl", channels=f"{CHANNEL}, #other", admins="benchadmin",
        sections={"schedule": {"sources": source.url, "refresh": "1d"}}, **WIDE_OPEN,
    )  # fmt: skip
    admin = network.connect("benchadmin", sasl=("benchadmin", "benchpw"))
    admin.join(CHANNEL)
    other = network.connect("otheruser")
    other.join("#other")
    time.sleep(21)  # the start-up refresh of the slow source is behind us
    quiet = round_trips(other, "!help", from_nick("sbotrl"), 1, trials, channel="#other")
    admin.say(CHANNEL, "!schedule reload")
    time.sleep(0.5)
    during = []
    deadline = time.monotonic() + 18
    while time.monotonic() < deadline and len(during) < trials:
        during += round_trips(other, "!help", from_nick("sbotrl"), 1, 1, channel="#other", warm_up=False)
    try:
        reloaded = admin.wait_for(from_nick("sbotrl"), timeout=30)
    except Exception as error:
        raise RuntimeError(f"no answer to the reload:\n{bot.log()}") from error
    ratio = statistics.median(during) / statistics.median(quiet)
    results.add("!help in #other, quiet", quiet, "ms", 1000)
    results.add(
        "!help in #other during a 20 s !schedule reload", during, "ms", 1000, "as usual (≤ 1.5x quiet)",
        f"{verdict(ratio <= 1.5 and 'Reloaded' in reloaded.text)} ({ratio:.1f}x quiet, {len(during)} answered)",
    )  # fmt: skip
    source.close()
    bot.kill()
    admin.close()
    other.close()


def echo_start(network, nick: str) -> float:
    """Seconds from starting the raw-socket echo client as a process to a client in the channel seeing its JOIN.

    The floor for the bot's start to joined: the same interpreter, the same
    server and its once-a-second registration tick, nothing else.
    """
    watcher = network.connect(f"w{nick}"[:30])
    watcher.join(CHANNEL)
    started = time.perf_counter()
    echo = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "echo_client.py"), str(network.port), nick, CHANNEL],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    watcher.wait_for(lambda m: m.command == "JOIN" and m.nick == nick, timeout=30)
    joined = time.perf_counter() - started
    echo.kill()
    echo.wait()
    watcher.close()
    return joined


def measure_start_and_memory(network, template: Path, scratch: Path, results: Results, trials: int) -> None:
    """Start to joined against the echo client's, alternating, on a database a restarted bot would find.

    The bot reads two schedule sources (``START_SOURCES``) after it joined; its
    resident memory is read once that refresh is logged, and half a second later.
    """
    sources = ", ".join(str(path) for path in START_SOURCES)
    echo_joined, joined, resident = [], [], []
    for trial in range(trials):
        echo_joined.append(echo_start(network, f"echo{trial}"))
        workdir = scratch / f"start{trial}"
        migrated_copy(template, workdir)
        bot, seconds = start_bot(network, workdir, nick=f"start{trial}", auth="none", schedule_sources=sources)
        joined.append(seconds)
        bot.wait_for_log(r"schedule refreshed in", timeout=30)
        time.sleep(0.5)
        resident.append(rss_bytes(bot.process.pid))
        bot.kill()
    ratio = statistics.median(joined) / statistics.median(echo_joined)
    results.add("echo client: start to joined (raw socket)", echo_joined, "s", 1)
    results.add(
        f"start to joined (schema current, {len(START_SOURCES)} schedule sources)", joined, "s", 1,
        "≤ 1.15x echo", f"{verdict(ratio <= 1.15)} ({ratio:.2f}x echo)",
    )  # fmt: skip
    results.add(
        "resident memory after start (joined, sources read)",
        [float(r) for r in resident],
        "MiB",
        1 / MIB,
        "≤ 50 MiB",
        verdict(statistics.median(resident) <= 50 * MIB),
    )


ACKNOWLEDGED = re.compile(r": Added success(?:es)? ((?:#\d+(?:, )?)+)")


def acknowledged_ids(text: str) -> list[int]:
    """The ids in ``alice: Added success #12`` or a merged ``alice, bob: Added successes #12, #13 to URL``."""
    found = ACKNOWLEDGED.search(text)
    return [int(number) for number in re.findall(r"#(\d+)", found.group(1))] if found else []


# Sent and not yet acknowledged, per client: one conversation's commands run one at a time, so a client that sent
# more than its share would wait behind itself, past the flood guard's 500; under it, the clients go as fast as the
# bot acknowledges and nothing is dropped. Each client talks in a channel of its own, so that every
# acknowledgement line (merged or not) is one client's.
INGEST_WINDOW = 250


def measure_ingest(network, template: Path, scratch: Path, results: Results, total: int, pages: bool = True) -> None:
    """With ``[export] directory`` set, as a deployment that publishes pages has it: they must stay off the path.

    Without ``pages``, the same load on a bot that publishes nothing: what storing and acknowledging alone weigh.
    """
    workdir = scratch / ("ingest" if pages else "ingest-no-pages")
    migrated_copy(template, workdir)
    site = workdir / "site"
    rooms = [f"#ingest{number}" for number in range(5)]
    bot, _ = start_bot(
        network, workdir, nick="ingest", channels=", ".join([CHANNEL, *rooms]),
        sections={"export": {"directory": str(site)}} if pages else {}, **WIDE_OPEN,
    )  # fmt: skip
    senders = network.connect_many(*({"nick": f"sender{i}"} for i in range(5)))
    observer = network.connect("counter")
    for client, room in zip(senders, rooms, strict=True):
        client.join(room)
        observer.join(room)
    per_client = total // len(senders)
    acked: set[int] = set()
    acked_in = dict.fromkeys(rooms, 0)

    def send(client, room: str) -> None:
        for start in range(0, per_client, 50):
            while start - acked_in[room] > INGEST_WINDOW - 50:
                time.sleep(0.005)
            client.send_burst(f"PRIVMSG {room} :#success {client.nick} {n}" for n in range(start, start + 50))
            time.sleep(0.05)

    started = time.perf_counter()
    threads = [threading.Thread(target=send, args=pair, daemon=True) for pair in zip(senders, rooms, strict=True)]
    for thread in threads:
        thread.start()
    last = started
    week = week_label(datetime.now(UTC))
    # Until every one is acknowledged, or 5 s without an acknowledgement once the senders are done.
    while len(acked) < total and (any(t.is_alive() for t in threads) or time.perf_counter() - last < 5):
        for message in observer.collect(0.05):
            if message.command == "PRIVMSG" and message.nick == "ingest" and (ids := acknowledged_ids(message.text)):
                acked.update(ids)
                acked_in[message.params[0]] += len(ids)
                last = time.perf_counter()
    elapsed = last - started
    engine = make_engine(f"sqlite:///{workdir / 'bot.db'}")
    everything = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    stored = {s.id for s in SqlSuccessStore(engine).between(*everything)}
    engine.dispose()
    missing, unasked, unacknowledged = len(acked - stored), len(stored - acked), total - len(acked)
    rate = len(acked) / elapsed
    dropped = re.findall(r"is flooding: (\d+) commands dropped so far", bot.log())
    verdicts = f"({missing} acknowledged not stored, {unasked} stored not acknowledged, "
    verdicts += f"{unacknowledged} never acknowledged"
    verdicts += f", the flood guard dropped ≥ {dropped[-1]})" if dropped else ")"
    complete = missing == unasked == unacknowledged == 0
    if not pages:
        results.note(
            f"  the same without [export] directory, {len(acked)} of {total} acknowledged", f"{rate:.0f} /s", "",
            ("all stored " if complete else "LOST ") + verdicts,
        )  # fmt: skip
        resident = settled_rss(bot.process.pid)
        results.note(
            f"  resident memory after {len(acked)} successes, without pages", f"{resident / MIB:.1f} MiB",
            "≤ 52 MiB", verdict(resident <= 52 * MIB),
        )  # fmt: skip
    else:
        pages_done = wait_for_pages(site, week, len(stored), timeout=60)
        caught_up = None if pages_done is None else max(0.0, pages_done - last)
        results.note(
            f"acknowledged ingest, 5 clients, {len(acked)} of {total} acknowledged", f"{rate:.0f} /s",
            "≥ 1000 /s, every one acked and stored", verdict(rate >= 1000 and complete) + " " + verdicts,
        )  # fmt: skip
        results.note(
            "  pages ([export] directory) listing every stored one", "never" if caught_up is None else
            f"{caught_up:.1f} s after the last ack", "off the reply path, batched", verdict(caught_up is not None),
        )  # fmt: skip
        resident = settled_rss(bot.process.pid)
        results.note(
            f"resident memory after {len(acked)} successes, pages written", f"{resident / MIB:.1f} MiB", "≤ 52 MiB",
            verdict(resident <= 52 * MIB),
        )  # fmt: skip
    bot.kill()
    for client in (*senders, observer):
        client.close()


def settled_rss(pid: int, steady: float = 3.0, timeout: float = 30.0) -> int:
    """VmRSS once it has not moved by more than 0.1 MiB for ``steady`` seconds (the pages' last rewrite, its digest,
    index and feed, may still be running when the week's JSON lists everyone)."""
    started = time.perf_counter()
    held, since = rss_bytes(pid), time.perf_counter()
    while time.perf_counter() - started < timeout:
        time.sleep(0.25)
        now = rss_bytes(pid)
        if abs(now - held) > 0.1 * MIB:
            held, since = now, time.perf_counter()
        elif time.perf_counter() - since >= steady:
            break
    return rss_bytes(pid)


def wait_for_pages(site: Path, week: str, count: int, timeout: float) -> float | None:
    """When (``perf_counter``) the week's published JSON listed ``count`` successes; None if not within ``timeout``
    (0: look once)."""
    started = time.perf_counter()
    while True:
        with contextlib.suppress(OSError, ValueError):
            if len(json.loads((site / f"{week}.json").read_text(encoding="utf-8"))) == count:
                return time.perf_counter()
        if time.perf_counter() - started >= timeout:
            return None
        time.sleep(0.1)


GROWTH_PASSES = 4


def measure_growth(network, template: Path, scratch: Path, results: Results, sizes: list[int], trials: int) -> None:
    """Each size's bot runs at once, each in a channel of its own, and the trials take turns between the sizes in
    ``GROWTH_PASSES`` passes: a ratio to the empty database compares samples taken side by side, not minutes apart
    (the empty database's own figures moved by half between runs measured one size after another)."""
    subjects = []
    for size in sizes:
        workdir = scratch / f"growth{size}"
        path = migrated_copy(template, workdir)
        bulk_fill(path, size)
        nick, room = f"grow{size}"[:30], f"#grow{size}"
        bot, _ = start_bot(network, workdir, nick=nick, channels=f"{CHANNEL}, {room}", **WIDE_OPEN)
        client = network.connect(f"g{size}"[:30])
        client.join(room)
        client.say(room, "#success one more for the list")
        client.wait_for(from_nick(nick), timeout=10)
        engine = make_engine(f"sqlite:///{path}")
        samples: dict[str, list[float]] = {"record one success": [], "answer !successes": [], "export one week": []}
        subjects.append((size, bot, client, from_nick(nick), room, engine, samples))
    week = iso_week(EXPORTED_WEEK)
    per_pass = max(1, trials // GROWTH_PASSES)
    for number in range(GROWTH_PASSES):
        for _size, _bot, client, bot_reply, room, engine, samples in subjects:
            warm_up = number == 0
            samples["record one success"] += round_trips(
                client, "#success growing", bot_reply, 1, per_pass, channel=room, warm_up=warm_up
            )
            samples["answer !successes"] += round_trips(
                client, "!successes", bot_reply, 5, per_pass, channel=room, warm_up=warm_up
            )
            store = SqlSuccessStore(engine)
            for _ in range(per_pass):
                started = time.perf_counter()
                export_successes(store, week, "text")
                samples["export one week"].append(time.perf_counter() - started)
    baseline: dict[str, float] = {}
    for size, bot, client, _reply, _room, engine, samples in subjects:
        for name, taken in samples.items():
            median = statistics.median(taken)
            if size == 0:
                baseline[name] = median
                results.add(f"{name}, empty database", taken, "ms", 1000)
            else:
                ratio = median / baseline[name]
                target, ok = ("≤ 1.5x empty", ratio <= 1.5) if name != "answer !successes" else ("flat", ratio <= 1.5)
                results.add(f"{name}, {size:,} rows", taken, "ms", 1000, target, f"{verdict(ok)} ({ratio:.2f}x empty)")
        engine.dispose()
        bot.kill()
        client.close()


def measure_large_schedule(network, template: Path, scratch: Path, results: Results, trials: int) -> None:
    """200,000 stored events (a large calendar and Indri, imported before): the first !deadline of a bot just started.

    It once took 13 s and grew the bot to 485 MB (every event read and held);
    now the store answers the events near the instant from indexes.
    """
    from big_schedule import large_schedule_events
    from successbot.schedules.sources import load_location
    from successbot.storage.schedule import SqlScheduleStore

    filled = scratch / "schedule-filled.db"
    migrated_copy(template, scratch / "schedule-fill")
    shutil.move(scratch / "schedule-fill" / "bot.db", filled)
    engine = make_engine(f"sqlite:///{filled}")
    store = SqlScheduleStore(engine)
    now = datetime.now(UTC)
    store.replace_source("community.ics", large_schedule_events("community.ics", STORED_EVENTS), now, "ics")
    store.replace_source(str(SCHEDULE), load_location(str(SCHEDULE)).events, now, "openstack-releases")
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    first, resident = [], []
    for start in range(5):
        workdir = scratch / f"schedule{start}"
        workdir.mkdir()
        shutil.copy(filled, workdir / "bot.db")
        bot, _ = start_bot(network, workdir, nick="sbotcal", **WIDE_OPEN)  # no sources: what was imported
        client = network.connect(f"cal{start}")
        client.join(CHANNEL)
        first += round_trips(client, "!deadline", from_nick("sbotcal"), 1, 1, warm_up=False)
        resident.append(rss_bytes(bot.process.pid))
        if start == 0:
            steady = round_trips(client, "!deadline", from_nick("sbotcal"), 1, trials)
        bot.kill()
        client.close()
    median = statistics.median(first)
    results.add(
        f"first !deadline after start, {STORED_EVENTS:,} events stored", first, "ms", 1000,
        "≤ 100 ms (was 13 s)", verdict(median <= 0.1),
    )  # fmt: skip
    results.add(f"!deadline round trip, {STORED_EVENTS:,} events stored", steady, "ms", 1000)
    memory = statistics.median(resident) / MIB
    results.add(
        f"resident memory after it, {STORED_EVENTS:,} events stored", resident, "MiB", 1 / MIB,
        "≤ 70 MiB (was 485 MB)", verdict(memory <= 70),
    )  # fmt: skip


def compile_bytecode() -> None:
    """Write the package's bytecode, as installing it does: the bots started here would otherwise compile
    every module at every start (``PYTHONDONTWRITEBYTECODE`` is set on these machines), a few hundred ms."""
    import successbot

    compileall.compile_dir(Path(successbot.__file__).parent, quiet=1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer trials and at most 100,000 rows")
    parser.add_argument("--only", metavar="NAMES", help=f"comma-separated, some of: {', '.join(MEASURES)}")
    args = parser.parse_args()
    chosen = args.only.split(",") if args.only else list(MEASURES)
    if unknown := set(chosen) - set(MEASURES):
        parser.error(f"--only: unknown {', '.join(sorted(unknown))}")
    trials = 50 if args.quick else 200
    sizes = [0, 100_000] if args.quick else [0, 100_000, 1_000_000]
    compile_bytecode()
    scratch = Path(tempfile.mkdtemp(prefix="successbot-bench-"))
    template = scratch / "template.db"
    engine = make_engine(f"sqlite:///{template}")
    upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    network = start_inspircd("relaxed")
    results = Results()
    try:
        runs = {
            "roundtrip": lambda: measure_round_trip(network, template, scratch, results, trials),
            "ack": lambda: measure_ack_beside_help(network, template, scratch, results, trials),
            "reload": lambda: measure_slow_reload(network, template, scratch, results, trials // 4),
            "start": lambda: measure_start_and_memory(network, template, scratch, results, 5 if args.quick else 10),
            "ingest": lambda: (
                measure_ingest(network, template, scratch, results, 10_000),
                measure_ingest(network, template, scratch, results, 10_000, pages=False),
            ),
            "growth": lambda: measure_growth(network, template, scratch, results, sizes, max(20, trials // 5)),
            "schedule": lambda: measure_large_schedule(network, template, scratch, results, trials),
        }
        for name in MEASURES:
            if name in chosen:
                runs[name]()
    finally:
        network.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"successbot through InspIRCd + Anope on loopback, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    results.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
