"""Each image's build context, exactly as its .dockerignore allows, holds what the Dockerfile's build needs.

The context is assembled with docker-py's own matcher (`docker.utils.build.exclude_paths`, the rules
`docker build` applies), copied to a temporary folder, and the Dockerfile's own cargo command runs there with
the same packages and features: as `cargo check --locked` (CI time) on the workspace's target folder and the dev
venv's torch, instead of a cold release build. The gateway image's web UI build (`npm run build`) runs there too.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from docker.utils.build import exclude_paths

from conftest import REPO

DOCKER = REPO / "deploy" / "docker"
IMAGES = ("Dockerfile.rust", "Dockerfile.gpu-worker")


def ignore_patterns(dockerfile: str, drop: str | None = None) -> list[str]:
    lines = (DOCKER / f"{dockerfile}.dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if drop is not None:
        assert drop in patterns, f"{drop} is not in {dockerfile}.dockerignore"
        patterns.remove(drop)
    return patterns


def assemble_context(dockerfile: str, dest: Path, drop: str | None = None) -> Path:
    """Copies the files `docker build` would send for this Dockerfile into dest."""
    included = exclude_paths(str(REPO), ignore_patterns(dockerfile, drop), dockerfile=f"deploy/docker/{dockerfile}")
    for rel in sorted(included):
        src = REPO / rel
        if src.is_file() and not src.is_symlink():
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)
    return dest


def dockerfile_cargo_check(dockerfile: str) -> list[str]:
    """The Dockerfile's `cargo build …` with `build --release` made `check`: same packages, features, --locked."""
    text = (DOCKER / dockerfile).read_text()
    commands = re.findall(r"^\s*cargo build ([^\\&\n]+)", text, flags=re.MULTILINE)
    assert len(commands) == 1, f"{dockerfile}: expected one cargo build, found {commands}"
    args = [a for a in shlex.split(commands[0]) if a != "--release"]
    assert "--locked" in args, f"{dockerfile}'s cargo build is not --locked"
    assert "-p" in args, f"{dockerfile}'s cargo build names no package"
    return ["cargo", "check", *args]


def cargo_env() -> dict[str, str]:
    """As the Makefile's CARGO: the dev venv's torch, the workspace's target folder (warm, shared)."""
    venv = REPO / ".venv" / "bin"
    assert (venv / "python3").exists(), "the dev venv is missing: run `make venv`"
    env = dict(os.environ)
    env.update(
        LIBTORCH_USE_PYTORCH="1",
        PATH=f"{venv}:{os.environ['PATH']}",
        CARGO_TARGET_DIR=str(REPO / "target"),
        CARGO_TERM_COLOR="never",
    )
    return env


@pytest.mark.parametrize("dockerfile", IMAGES)
def test_the_dockerfiles_cargo_command_succeeds_in_the_context_its_dockerignore_allows(dockerfile, tmp_path):
    # Arrange
    context = assemble_context(dockerfile, tmp_path / "context")
    command = dockerfile_cargo_check(dockerfile)

    # Act
    result = subprocess.run(command, cwd=context, env=cargo_env(), capture_output=True, text=True)

    # Assert
    assert result.returncode == 0, f"{' '.join(command)} failed in the {dockerfile} context:\n{result.stderr[-4000:]}"


@pytest.mark.parametrize("dockerfile", IMAGES)
def test_a_context_without_a_workspace_member_fails_the_same_command(dockerfile, tmp_path):
    # Arrange: the allow-list as it was before tests/bench was added (cargo stops at the manifest, quickly)
    context = assemble_context(dockerfile, tmp_path / "context", drop="!tests/bench")
    command = dockerfile_cargo_check(dockerfile)

    # Act
    result = subprocess.run(command, cwd=context, env=cargo_env(), capture_output=True, text=True)

    # Assert
    assert result.returncode != 0
    assert "tests/bench" in result.stderr


def test_the_gateway_images_web_ui_builds_in_its_context(tmp_path):
    # Arrange: the context's frontend/, with the checkout's node_modules linked in entry by entry (the build
    # writes its own node_modules/.tmp here, not into the checkout's); `make build` covers `npm ci` itself.
    frontend = assemble_context("Dockerfile.rust", tmp_path / "context") / "frontend"
    assert not (frontend / "node_modules").exists() and not (frontend / "dist").exists()
    installed = REPO / "frontend" / "node_modules"
    assert installed.is_dir(), "frontend/node_modules is missing: run `make ui`"
    (frontend / "node_modules").mkdir()
    for entry in installed.iterdir():
        if entry.name != ".tmp":
            (frontend / "node_modules" / entry.name).symlink_to(entry)

    # Act: the ui stage's command
    result = subprocess.run(["npm", "run", "build"], cwd=frontend, capture_output=True, text=True)

    # Assert
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (frontend / "dist" / "index.html").is_file()


def test_the_gateway_image_serves_the_ui_stages_build_from_its_ui_dir():
    # Arrange
    text = (DOCKER / "Dockerfile.rust").read_text()
    gateway = text.split("AS gateway", 1)[1].split("\nFROM ", 1)[0]

    # Act
    copied = re.search(r"^COPY --from=ui /src/frontend/dist (\S+)$", gateway, flags=re.MULTILINE)
    ui_dir = re.search(r"MILLM_UI_DIR=(\S+)", gateway)

    # Assert
    assert copied and ui_dir and copied.group(1) == ui_dir.group(1)


def stages(dockerfile: str) -> dict[str, tuple[str, str]]:
    """Stage name -> (what it is FROM, its body)."""
    found = {}
    for chunk in re.split(r"^FROM ", (DOCKER / dockerfile).read_text(), flags=re.MULTILINE)[1:]:
        head, _, body = chunk.partition("\n")
        base, _, name = head.partition(" AS ")
        found[name.strip()] = (base.strip(), body)
    return found


@pytest.mark.parametrize("dockerfile", IMAGES)
def test_every_image_runs_as_the_non_root_millm_user(dockerfile):
    # Arrange: the final stages are those with an ENTRYPOINT
    all_stages = stages(dockerfile)
    finals = [name for name, (_, body) in all_stages.items() if "ENTRYPOINT" in body]
    assert finals

    for name in finals:
        # Act: the USER lines of the stage and of the stages it builds on, oldest first
        chain, users = name, []
        while chain in all_stages:
            base, body = all_stages[chain]
            users = re.findall(r"^USER (\S+)$", body, flags=re.MULTILINE) + users
            chain = base

        # Assert
        assert users and users[-1] == "10001:10001", f"{dockerfile} {name} runs as {users}"


def test_the_gpu_worker_image_still_asserts_that_libtorch_cuda_is_linked():
    # Arrange
    text = (DOCKER / "Dockerfile.gpu-worker").read_text()

    # Act / Assert
    assert "readelf -d /out/millm-gpu-worker | grep -q 'libtorch_cuda.so'" in text
    assert "! ldd /usr/local/bin/millm-gpu-worker | grep 'not found'" in text
    assert "never been built" in (REPO / "deploy" / "README.md").read_text()
