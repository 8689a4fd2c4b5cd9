"""Fixtures that run real IRC servers; see ircnet.py.

``irc_network`` (InspIRCd + Anope, relaxed flood limits) lives for the whole
session: starting it takes 1-4 s. ``fakelag_network`` and ``ngircd_network``
live per module, so flood tests do not share a connection class's penalty
with other modules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from botproc import BotProcess
from ircnet import Network, start_inspircd, start_ngircd


@pytest.fixture(scope="session")
def irc_network() -> Iterator[Network]:
    network = start_inspircd("relaxed")
    yield network
    network.stop()


@pytest.fixture(scope="module")
def fakelag_network() -> Iterator[Network]:
    network = start_inspircd("fakelag")
    yield network
    network.stop()


@pytest.fixture(scope="module")
def kill_network() -> Iterator[Network]:
    """Disconnects any client that floods ("Excess Flood" after about 20 quick lines)."""
    network = start_inspircd("kill")
    yield network
    network.stop()


@pytest.fixture(scope="module")
def untagged_network() -> Iterator[Network]:
    """InspIRCd + Anope without the account-tag module: extended-join and account-notify, but no account= tags."""
    network = start_inspircd("relaxed", without_modules=["ircv3_accounttag"])
    yield network
    network.stop()


@pytest.fixture(scope="module")
def ngircd_network() -> Iterator[Network]:
    network = start_ngircd()
    yield network
    network.stop()


@pytest.fixture(scope="module")
def restartable_network() -> Iterator[Network]:
    """InspIRCd + Anope (relaxed) in a dir of ours, for the tests of a module that stop, freeze or restart it.

    Each such test leaves it running again (``start_again``, SIGCONT) for the next.
    """
    network = start_inspircd("relaxed", restartable=True)
    yield network
    network.stop()


NETWORK_FIXTURES = (
    "irc_network", "fakelag_network", "kill_network", "untagged_network", "ngircd_network", "restartable_network",
)  # fmt: skip


@pytest.fixture(autouse=True)
def _close_test_clients(request: pytest.FixtureRequest) -> Iterator[None]:
    """Close the clients a test opened, even when it failed half-way."""
    yield
    for name in NETWORK_FIXTURES:
        if name in request.fixturenames:
            request.getfixturevalue(name).close_clients()


class BotStarter:
    """Starts ``successbot run`` against a network: ``start_bot(network, **irc_settings)``; see ``start_bot``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.bots: list[BotProcess] = []

    def __call__(
        self,
        network: Network,
        /,
        env: dict[str, str] | None = None,
        wait: bool = True,
        sections: dict[str, dict[str, str]] | None = None,
        options: tuple[str, ...] = (),
        **irc: str,
    ) -> BotProcess:
        workdir = self.directory / f"bot{len(self.bots)}"
        workdir.mkdir()
        bot = BotProcess(workdir, network.port, sections=sections, **irc).start(env, options)
        self.bots.append(bot)
        if wait:
            bot.wait_joined()
        return bot

    def kill_all(self) -> None:
        for bot in self.bots:
            bot.kill()


@pytest.fixture
def start_bot(tmp_path: Path) -> Iterator[Callable[..., BotProcess]]:
    """Start ``successbot run`` against a network: ``start_bot(network, **irc_settings)``.

    ``sections`` are more sections of its config file; ``options`` go before ``run`` (``("--log-level", "debug")``).
    With ``wait`` it returns once the bot has joined its channels; else at once (``bot.wait_joined()`` later).
    """
    starter = BotStarter(tmp_path)
    yield starter
    starter.kill_all()


@pytest.fixture(scope="module")
def start_module_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., BotProcess]]:
    """``start_bot`` for a module-scoped fixture: a bot that several tests of a module share, each in its channels."""
    starter = BotStarter(tmp_path_factory.mktemp("bots"))
    yield starter
    starter.kill_all()


ACCOUNTS = {"sbot": "botpass", "alice": "alicepw", "bob": "bobpw"}


@pytest.fixture(scope="session")
def accounts(irc_network: Network) -> dict[str, str]:
    """NickServ accounts on the shared network: the bot's (sbot), an admin's (alice) and bob's."""
    irc_network.register_all(ACCOUNTS)
    return ACCOUNTS
