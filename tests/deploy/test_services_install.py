"""scripts/services.sh (`make run`, `make test`) on a machine whose services are faked.

PATH holds only fakes (apt-get, sudo, id, mkdir, the services' binaries as an install would leave them) and the
few real tools the script uses. Each fake writes its command line to a log; a fake service that is started
listens on the test's own port, so the script sees it come up. Nothing is installed and no real service is touched.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

REAL_TOOLS = ("bash", "seq", "sleep", "ls", "sort", "tail", "sed", "env", "cat", "cp", "python3", "head")
LISTEN = 'exec python3 -c "import socket,sys,time; s=socket.socket(); s.bind((\'127.0.0.1\', int(sys.argv[1]))); s.listen(); time.sleep(60)"'
FAKES = {
    "sudo": 'echo "sudo $*" >> "$FAKE_LOG"; exec "$@"',
    "mkdir": 'echo "mkdir $*" >> "$FAKE_LOG"',
    "id": 'echo "$FAKE_UID"',
    # Installs fakes of what each package brings, as apt-get would.
    "apt-get": """set -e; echo "apt-get $*" >> "$FAKE_LOG"
[ -n "${FAKE_APT_FAIL:-}" ] && exit 100
for pkg in "$@"; do case $pkg in
  postgresql) python3 -c "import pathlib,sys; p=pathlib.Path(sys.argv[1]); p.mkdir(parents=True); (p/'pg_hba.conf').write_text('host all all 127.0.0.1/32 scram-sha-256\\n')" "$SERVICES_PG_ETC/15/main"
              cp "$FAKE_BIN/.pg_ctlcluster" "$FAKE_BIN/pg_ctlcluster";;
  redis-server) cp "$FAKE_BIN/.redis-server" "$FAKE_BIN/redis-server";;
  nats-server) cp "$FAKE_BIN/.nats-server" "$FAKE_BIN/nats-server";;
esac; done""",
    ".pg_ctlcluster": f'echo "pg_ctlcluster $*" >> "$FAKE_LOG"; [ "$4" = start ] && {{ {LISTEN} "$SERVICES_PG_PORT" </dev/null >/dev/null 2>&1 & }}; true',
    ".redis-server": f'echo "redis-server $*" >> "$FAKE_LOG"; {{ {LISTEN} "$SERVICES_REDIS_PORT" </dev/null >/dev/null 2>&1 & }}',
    ".nats-server": 'echo "nats-server $*" >> "$FAKE_LOG"',
    "start-stop-daemon": f'echo "start-stop-daemon $*" >> "$FAKE_LOG"; {{ {LISTEN} "$SERVICES_NATS_PORT" </dev/null >/dev/null 2>&1 & }}',
}
ALL = ("postgresql", "redis-server", "nats-server")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Machine:
    """A fake Debian machine: which packages are installed, whether we are root, whether sudo exists."""

    def __init__(self, root: Path, installed=(), uid=0, sudo=True, apt=True, apt_fails=False):
        self.bin, self.log, self.pg_etc = root / "bin", root / "log", root / "etc-postgresql"
        self.bin.mkdir()
        for tool in REAL_TOOLS:
            # python3 is this interpreter itself: a pyenv shim on PATH would need pyenv there too
            real = sys.executable if tool == "python3" else shutil.which(tool)
            (self.bin / tool).symlink_to(os.path.realpath(real))
        for name, body in FAKES.items():
            if (name == "sudo" and not sudo) or (name == "apt-get" and not apt):
                continue
            (self.bin / name).write_text(f"#!/bin/bash\n{body}\n")
            (self.bin / name).chmod(0o755)
        for package in installed:
            subprocess.run([self.bin / "apt-get", "install", package], env=self.env(), check=True)
        self.log.write_text("")
        self.uid, self.apt_fails = uid, apt_fails

    def env(self) -> dict[str, str]:
        return {
            "PATH": str(self.bin), "SERVICES_SBIN": "", "FAKE_BIN": str(self.bin), "FAKE_LOG": str(self.log),
            "FAKE_UID": str(getattr(self, "uid", 0)), "SERVICES_PG_ETC": str(self.pg_etc),
            "SERVICES_PG_PORT": str(PORTS[0]), "SERVICES_REDIS_PORT": str(PORTS[1]), "SERVICES_NATS_PORT": str(PORTS[2]),
            **({"FAKE_APT_FAIL": "1"} if getattr(self, "apt_fails", False) else {}),
        }

    def run(self) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["bash", str(REPO / "scripts/services.sh")], env=self.env(), capture_output=True, text=True,
            start_new_session=True, timeout=60,
        )

    def commands(self) -> list[str]:
        return self.log.read_text().splitlines()


PORTS: list[int] = []


@pytest.fixture(autouse=True)
def ports():
    """Free ports for the fake services; every listener a fake started is stopped afterwards."""
    PORTS[:] = [free_port() for _ in range(3)]
    yield
    for port in PORTS:
        out = subprocess.run(["fuser", "-n", "tcp", str(port)], capture_output=True, text=True)
        for pid in out.stdout.split():
            os.kill(int(pid), signal.SIGTERM)


def test_a_fresh_machine_as_root_installs_the_three_packages_then_starts_them(tmp_path):
    # Arrange
    machine = Machine(tmp_path)

    # Act
    result = machine.run()

    # Assert
    assert result.returncode == 0, result.stderr
    commands = machine.commands()
    assert commands[:2] == ["apt-get update -qq", "apt-get install -y -qq postgresql redis-server nats-server"]
    assert "pg_ctlcluster --skip-systemctl-redirect 15 main start" in commands
    assert any(c.startswith("redis-server --daemonize yes") for c in commands)
    assert any(c.startswith("start-stop-daemon --start") and f"-p {PORTS[2]} -js" in c for c in commands)
    assert not any(c.startswith("sudo") for c in commands)
    hba = (machine.pg_etc / "15/main/pg_hba.conf").read_text().splitlines()
    assert hba[:2] == ["host all postgres 127.0.0.1/32 trust", "host all postgres ::1/128 trust"]
    assert "postgres, redis and nats are up" in result.stdout


def test_a_fresh_machine_as_a_user_runs_every_install_and_start_through_sudo(tmp_path):
    # Arrange
    machine = Machine(tmp_path, uid=1000)

    # Act
    result = machine.run()

    # Assert
    assert result.returncode == 0, result.stderr
    commands = machine.commands()
    sudoed = [c.removeprefix("sudo ") for c in commands if c.startswith("sudo ")]
    assert "apt-get update -qq" in sudoed
    assert "env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql redis-server nats-server" in sudoed
    assert "pg_ctlcluster --skip-systemctl-redirect 15 main start" in sudoed
    # every command a fake logged itself was run by the sudo logged just before it
    for i, c in enumerate(commands):
        if not c.startswith("sudo "):
            assert i > 0 and commands[i - 1].startswith("sudo ") and commands[i - 1].endswith(c), c


def test_a_user_without_sudo_is_told_the_one_command_to_run(tmp_path):
    # Arrange
    machine = Machine(tmp_path, uid=1000, sudo=False)

    # Act
    result = machine.run()

    # Assert
    assert result.returncode == 1
    assert machine.commands() == []
    assert (
        "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql redis-server nats-server"
        in result.stderr.splitlines()
    )


def test_a_failed_install_prints_the_command_and_starts_nothing(tmp_path):
    # Arrange
    machine = Machine(tmp_path, apt_fails=True)

    # Act
    result = machine.run()

    # Assert
    assert result.returncode == 1
    assert machine.commands() == ["apt-get update -qq"]
    assert "apt-get install -y postgresql redis-server nats-server" in result.stderr


def test_a_machine_without_apt_is_told_what_to_install(tmp_path):
    # Arrange
    machine = Machine(tmp_path, apt=False)

    # Act
    result = machine.run()

    # Assert
    assert result.returncode == 1
    assert "not Debian or Ubuntu" in result.stderr and machine.commands() == []


def test_installed_but_stopped_services_are_started_as_before_without_apt_or_pg_hba_changes(tmp_path):
    # Arrange
    machine = Machine(tmp_path, installed=ALL)
    hba_before = (machine.pg_etc / "15/main/pg_hba.conf").read_text()

    # Act
    result = machine.run()

    # Assert
    assert result.returncode == 0, result.stderr
    assert not any(c.startswith("apt-get") for c in machine.commands())
    assert machine.commands()[0] == "pg_ctlcluster --skip-systemctl-redirect 15 main start"
    assert (machine.pg_etc / "15/main/pg_hba.conf").read_text() == hba_before


def test_only_the_missing_package_is_installed(tmp_path):
    # Arrange
    machine = Machine(tmp_path, installed=("postgresql", "redis-server"))

    # Act
    result = machine.run()

    # Assert
    assert result.returncode == 0, result.stderr
    assert "apt-get install -y -qq nats-server" in machine.commands()


def test_services_that_answer_are_left_alone(tmp_path):
    # Arrange: three listeners stand in for running services; nothing is installed
    machine = Machine(tmp_path)
    listeners = [socket.create_server(("127.0.0.1", port)) for port in PORTS]

    # Act
    result = machine.run()

    # Assert
    for listener in listeners:
        listener.close()
    assert result.returncode == 0, result.stderr
    assert machine.commands() == []
