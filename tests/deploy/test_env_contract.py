"""Every variable compose and Kubernetes set for a service is one that service reads; every required one is set.

What each service reads comes from its envy structs (shared/contract/src/config.rs and each service's config.rs),
and .env.example's sections (`# --- <readers> ---`) must say the same. Variables that a library reads rather than
our config are in LIBRARY_VARIABLES, each with its reason. RUST_LOG is not among them: nothing reads it (the
log filter is LOG_LEVEL, given to EnvFilter::try_new), so setting it would be a mistake this test catches.
"""

from __future__ import annotations

import re

import pytest

from conftest import MILLM_SERVICES, OVERLAYS, REPO, compose_config, default_compose_env

CONFIG_FILES = {
    "gateway": REPO / "services/gateway/src/config.rs",
    "downloader": REPO / "services/downloader/src/config.rs",
    "gpu-worker": REPO / "services/gpu-worker/src/service/config.rs",
}
TOP_STRUCTS = {"gateway": "GatewayConfig", "downloader": "DownloaderConfig", "gpu-worker": "GpuWorkerConfig"}
CONTRACT = REPO / "shared/contract/src/config.rs"

# Read by a dependency, or by the deployment itself: name -> (the services that may get it, why).
LIBRARY_VARIABLES = {
    "HTTPS_PROXY": ({"gateway", "downloader"}, "reqwest (the hub clients) reads the proxy from the environment"),
    "HTTP_PROXY": ({"gateway", "downloader"}, "reqwest, for plain-http hub mirrors"),
    "NO_PROXY": ({"gateway", "downloader"}, "reqwest: hosts that bypass the proxy"),
    "POSTGRES_PASSWORD": (set(MILLM_SERVICES), "Kubernetes expands it into DATABASE_URL ($(POSTGRES_PASSWORD))"),
    "HOME": ({"gpu-worker"}, "torch and CUDA write their caches under it; the root filesystem is read-only"),
}
# In a container the defaults (127.0.0.1) point at nothing: these must be set though the config has defaults.
CONTAINER_REQUIRED = {"DATABASE_URL", "REDIS_URL", "NATS_URL", "MODEL_CACHE_DIR"}


def struct_fields(name: str, sources: list[str]) -> list[tuple[str, str, bool]]:
    """(field, required) of `pub struct name { … }`: required when it has no serde default and is no Option."""
    for text in sources:
        match = re.search(rf"pub struct {name} \{{(.*?)\n\}}", text, flags=re.DOTALL)
        if match:
            fields, attrs = [], ""
            for line in match.group(1).splitlines():
                line = line.strip()
                if line.startswith("#["):
                    attrs += line
                field = re.match(r"pub (\w+): (.+),$", line)
                if field:
                    required = "default" not in attrs and not field.group(2).startswith("Option<")
                    fields.append((field.group(1), field.group(2), required))
                    attrs = ""
            return fields
    raise AssertionError(f"no struct {name} in the config sources")


def rust_reads() -> dict[str, dict[str, bool]]:
    """service -> {VARIABLE: required}, from the envy structs each service's config is made of."""
    contract = CONTRACT.read_text()
    reads = {}
    for service, path in CONFIG_FILES.items():
        sources = [path.read_text(), contract]
        variables = {}
        for _, part, _ in struct_fields(TOP_STRUCTS[service], sources):
            for field, _, required in struct_fields(part.strip(), sources):
                variables[field.upper()] = required
        reads[service] = variables
    return reads


def env_example_sections() -> dict[str, set[str]]:
    """.env.example: section title -> the variables under it."""
    sections, current = {}, None
    for line in (REPO / ".env.example").read_text().splitlines():
        header = re.match(r"# --- (.+?) -*$", line)
        if header:
            current = header.group(1).split(":")[0].strip()
            sections[current] = set()
        elif current and re.match(r"^[A-Z_]+=", line):
            sections[current].add(line.split("=", 1)[0])
    return sections


def env_example_reads() -> dict[str, set[str]]:
    reads = {s: set() for s in MILLM_SERVICES}
    for title, variables in env_example_sections().items():
        readers = [r.strip() for r in title.split(",")]
        if all(r in reads for r in readers):
            for r in readers:
                reads[r] |= variables
    return reads


def test_env_example_lists_exactly_what_each_service_reads():
    # Arrange
    from_rust = {service: set(variables) for service, variables in rust_reads().items()}

    # Act
    from_example = env_example_reads()

    # Assert
    for service in MILLM_SERVICES:
        assert from_example[service] - from_rust[service] == set(), f"{service}: in .env.example, not read"
        assert from_rust[service] - from_example[service] == set(), f"{service}: read, not in .env.example"


def test_env_example_lists_every_library_variable_it_documents_in_the_allow_list():
    # Arrange
    sections = env_example_sections()

    # Act
    libraries = next(v for title, v in sections.items() if title.startswith("libraries"))

    # Assert
    assert libraries <= set(LIBRARY_VARIABLES)
    assert "POSTGRES_PASSWORD" in next(v for title, v in sections.items() if title.startswith("compose only"))


def compose_env() -> dict[str, dict]:
    services = compose_config("docker-compose.yml", env=default_compose_env())["services"]
    env = {s: services[s].get("environment", {}) for s in MILLM_SERVICES}
    env["migrate"] = services["migrate"].get("environment", {})
    return env


def k8s_env(docs: list[dict]) -> dict[str, set[str]]:
    """Container name -> every variable its env and envFrom (ConfigMaps, Secrets) set."""
    by_name = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    result = {}
    for d in docs:
        if d["kind"] not in ("Deployment", "StatefulSet", "Job"):
            continue
        for c in d["spec"]["template"]["spec"]["containers"]:
            names = {e["name"] for e in c.get("env", [])}
            for source in c.get("envFrom", []):
                kind, ref = ("ConfigMap", source["configMapRef"]) if "configMapRef" in source else (
                    "Secret", source["secretRef"])
                names |= set(by_name[(kind, ref["name"])].get("data", {}))
            result[c["name"]] = names
    return result


def assert_only_read_and_required_set(service: str, reader: str, variables: set[str]):
    reads = rust_reads()[reader]
    extra = {v for v in variables - set(reads) if reader not in LIBRARY_VARIABLES.get(v, (set(), ""))[0]}
    assert not extra, f"{service} is given variables it never reads: {sorted(extra)}"
    missing = {v for v, required in reads.items() if required} - variables
    missing |= CONTAINER_REQUIRED - variables
    assert not missing, f"{service} lacks required variables: {sorted(missing)}"


@pytest.mark.parametrize("service", [*MILLM_SERVICES, "migrate"])
def test_compose_gives_each_service_only_variables_it_reads_and_every_required_one(service):
    # Arrange
    env = compose_env()[service]

    # Act: an empty value counts as unset, as the services read it
    set_vars = {k for k, v in env.items() if v != ""}

    # Assert
    assert_only_read_and_required_set(service, "gateway" if service == "migrate" else service, set_vars)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kubernetes_gives_each_container_only_variables_it_reads_and_every_required_one(overlay, rendered):
    # Arrange
    containers = k8s_env(rendered[overlay])

    # Act / Assert
    for container, reader in [("gateway", "gateway"), ("downloader", "downloader"),
                              ("gpu-worker", "gpu-worker"), ("migrate", "gateway")]:
        assert_only_read_and_required_set(f"{overlay}/{container}", reader, containers[container])


def test_the_gpu_worker_never_gets_hub_variables_in_compose_or_kubernetes(rendered):
    # Arrange
    hub = {"HF_TOKEN", "HF_ENDPOINT", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY"}

    # Act
    given = [set(compose_env()["gpu-worker"])] + [k8s_env(docs)["gpu-worker"] for docs in rendered.values()]

    # Assert
    assert all(not (g & hub) for g in given), given
