"""deploy/successbot.service: its install steps create every path it names, and its hardening stays."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

UNIT = Path(__file__).resolve().parents[1] / "deploy" / "successbot.service"


def directives() -> dict[str, list[str]]:
    """Every ``Key=value`` of the unit (a key may repeat, as SystemCallFilter does)."""
    found: dict[str, list[str]] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key, []).append(value)
    return found


def install_steps() -> list[str]:
    header = []
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        header.append(line)
    return [line.removeprefix("#   ") for line in header if line.startswith("#   ")]


HARDENING = {
    "ProtectSystem": ["strict"],
    "ReadWritePaths": ["/var/lib/successbot"],
    "ProtectHome": ["yes"],
    "PrivateTmp": ["yes"],
    "PrivateDevices": ["yes"],
    "ProtectKernelTunables": ["yes"],
    "ProtectKernelModules": ["yes"],
    "ProtectKernelLogs": ["yes"],
    "ProtectControlGroups": ["yes"],
    "RestrictAddressFamilies": ["AF_INET AF_INET6 AF_UNIX"],
    "RestrictNamespaces": ["yes"],
    "RestrictRealtime": ["yes"],
    "LockPersonality": ["yes"],
    "MemoryDenyWriteExecute": ["yes"],
    "NoNewPrivileges": ["yes"],
    "CapabilityBoundingSet": [""],
    "SystemCallArchitectures": ["native"],
    "SystemCallFilter": ["@system-service", "~@privileged @resources"],
    "UMask": ["0022"],
}


def test_the_unit_keeps_its_hardening_directives():
    found = directives()
    assert {key: found.get(key) for key in HARDENING} == HARDENING
    assert found["User"] == ["successbot"] and found["WorkingDirectory"] == ["/var/lib/successbot"]
    assert found["RestartPreventExitStatus"] == ["2"]  # a refused login is not retried


def test_the_header_says_how_to_keep_an_export_directory_outside_var_lib_writable():
    header = "\n".join(line for line in UNIT.read_text(encoding="utf-8").splitlines() if line.startswith("#"))
    assert "[export] directory" in header
    assert "#   ReadWritePaths=/var/lib/successbot /srv/successbot" in header
    assert "install -d -m 755 -o successbot -g successbot /srv/successbot" in header


def test_every_path_the_install_steps_write_into_is_created_first():
    steps = install_steps()
    commands = [part.strip() for step in steps for part in re.split(r"&&|\|", step.split("   (")[0])]
    created = {"/", "/etc", "/opt", "/etc/systemd/system"}  # there on every Debian system
    for command in commands:
        words = command.split()
        if words[0] == "useradd":
            created.add(words[words.index("--home-dir") + 1])
        elif words[:3] == ["python3", "-m", "venv"]:
            created.add(words[3])
        elif words[:2] == ["install", "-d"]:
            created.add(words[-1])
        elif words[0] == "install":
            target = words[-1]
            directory = target.rstrip("/") if target.endswith("/") else str(Path(target).parent)
            assert directory in created, f"{command!r} writes into {directory}, which no earlier step creates"
    assert sum(words.startswith("install") for words in commands) >= 4  # the steps were read
    found = directives()
    for path in (found["WorkingDirectory"][0], *found["ReadWritePaths"][0].split()):
        assert path in created, f"the unit needs {path}, which the install steps do not create"
    for needed in (found["ExecStart"][0].split()[0], found["ExecStart"][0].split()[2]):
        assert str(Path(needed).parent) in created or Path(needed).parent.parent.as_posix() in created, needed
    assert any(step.startswith("install -d") and step.endswith("/etc/successbot") for step in steps)


def test_systemd_analyze_rates_the_unit_well_exposed_no_more():
    analyze = shutil.which("systemd-analyze")
    assert analyze is not None, "systemd-analyze (Debian's systemd package) is needed to rate the unit"
    result = subprocess.run(
        [analyze, "security", "--offline=yes", str(UNIT)], capture_output=True, text=True, timeout=60
    )
    (score,) = re.findall(r"Overall exposure level for successbot\.service: (\d+\.\d)", result.stdout)
    assert float(score) <= 2.0, result.stdout  # 8.5 before the hardening
