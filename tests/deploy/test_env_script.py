"""scripts/env.sh: the generated secrets compose needs (and `make run` writes), once, never replaced."""

from __future__ import annotations

import re
import stat
import subprocess
from pathlib import Path

from conftest import REPO


def run_env_sh(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(REPO / "scripts/env.sh")], cwd=cwd, capture_output=True, text=True, check=True)


def values(env_file: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)


def test_a_first_run_writes_a_secret_key_and_a_url_safe_database_password_readable_by_the_owner_only(tmp_path):
    # Arrange: no .env yet

    # Act
    run_env_sh(tmp_path)

    # Assert
    written = values(tmp_path / ".env")
    assert re.fullmatch(r"[0-9a-f]{64}", written["MILLM_SECRET_KEY"])
    assert re.fullmatch(r"[0-9a-f]{32}", written["POSTGRES_PASSWORD"])
    assert stat.S_IMODE((tmp_path / ".env").stat().st_mode) == 0o600


def test_a_second_run_replaces_nothing(tmp_path):
    # Arrange
    run_env_sh(tmp_path)
    before = (tmp_path / ".env").read_text()

    # Act
    result = run_env_sh(tmp_path)

    # Assert
    assert (tmp_path / ".env").read_text() == before
    assert result.stdout == ""


def test_an_env_copied_from_the_example_gets_the_empty_secrets_filled_and_keeps_the_rest(tmp_path):
    # Arrange: .env.example leaves both empty; a key the user set stays
    env = tmp_path / ".env"
    env.write_text((REPO / ".env.example").read_text().replace("MILLM_SECRET_KEY=", "MILLM_SECRET_KEY=" + "ab" * 32))

    # Act
    result = run_env_sh(tmp_path)

    # Assert
    written = values(env)
    assert written["MILLM_SECRET_KEY"] == "ab" * 32
    assert re.fullmatch(r"[0-9a-f]{32}", written["POSTGRES_PASSWORD"])
    assert env.read_text().count("POSTGRES_PASSWORD=") == 1
    assert "POSTGRES_PASSWORD" in result.stdout and "MILLM_SECRET_KEY" not in result.stdout
