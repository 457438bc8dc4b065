"""The kustomize overlays, rendered by `kubectl kustomize` (schemas: Makefile.deploy's validate-k8s)."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest

from conftest import OVERLAYS, REPO, find, find_prefixed

MILLM_WORKLOADS = {"millm-gateway": "gateway", "millm-downloader": "downloader", "millm-gpu-worker": "gpu-worker"}
SCHEMA = json.loads((REPO / "tests/deploy/schemas/keda-scaledobject.schema.json").read_text())


def config_value(docs: list[dict], configmap: str, key: str) -> str:
    return find_prefixed(docs, "ConfigMap", configmap)["data"][key]


def pod_spec(docs: list[dict], name: str) -> dict:
    return find(docs, "Deployment", name)["spec"]["template"]["spec"]


def test_the_downloaders_scaled_object_passes_its_schema_and_scales_from_1_to_10(rendered):
    # Arrange
    scaled = find(rendered["gpu"], "ScaledObject", "millm-downloader")

    # Act
    jsonschema.validate(scaled, SCHEMA)

    # Assert
    assert (scaled["spec"]["minReplicaCount"], scaled["spec"]["maxReplicaCount"]) == (1, 10)
    assert scaled["spec"]["scaleTargetRef"]["name"] == "millm-downloader"
    assert "replicas" not in find(rendered["gpu"], "Deployment", "millm-downloader")["spec"]


def test_the_schema_refuses_a_misspelt_field(rendered):
    # Arrange
    scaled = find(rendered["gpu"], "ScaledObject", "millm-downloader")
    scaled = json.loads(json.dumps(scaled))
    scaled["spec"]["maxReplicas"] = scaled["spec"].pop("maxReplicaCount")

    # Act / Assert
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(scaled, SCHEMA)


def test_the_scaled_object_reads_the_download_queues_waiting_list_in_redis(rendered):
    # Arrange: the queue's name (shared/contract) and apalis-redis's list of waiting jobs (as queue.rs reads it)
    names = (REPO / "shared/contract/src/names.rs").read_text()
    queue_rs = (REPO / "shared/platform/src/queue.rs").read_text()
    assert re.search(r'fn download_queue\(&self\) -> String \{\s*format!\("\{\}:download", self\.ns\)', names)
    assert 'format!("{queue}:active")' in queue_rs
    docs = rendered["gpu"]
    namespace = config_value(docs, "millm-common", "MILLM_NAMESPACE")

    # Act
    trigger = find(docs, "ScaledObject", "millm-downloader")["spec"]["triggers"][0]

    # Assert
    assert trigger["type"] == "redis"
    assert trigger["metadata"]["listName"] == f"{namespace}:download:active"
    assert trigger["metadata"]["listLength"] == config_value(docs, "millm-downloader", "MAX_DOWNLOAD_WORKERS")
    redis_host = config_value(docs, "millm-common", "REDIS_URL").removeprefix("redis://").split(":")[0]
    overlay_ns = find(docs, "Deployment", "millm-downloader")["metadata"]["namespace"]
    assert trigger["metadata"]["address"] == f"{redis_host}.{overlay_ns}.svc.cluster.local:6379"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_gateway_is_reached_through_an_ingress_fit_for_socket_io(overlay, rendered):
    # Arrange
    docs = rendered[overlay]

    # Act
    ingress = find(docs, "Ingress", "millm-gateway")
    notes = ingress["metadata"]["annotations"]
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]

    # Assert
    assert notes["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert int(notes["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    assert int(notes["nginx.ingress.kubernetes.io/proxy-send-timeout"]) >= 3600
    assert ingress["spec"]["rules"][0]["host"] == "millm.example.com"
    assert backend == {"name": "millm-gateway", "port": {"name": "http"}}
    assert find(docs, "Deployment", "millm-gateway")["spec"]["replicas"] == 2


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_outlives_its_services_shutdown_timeout(overlay, rendered):
    # Arrange: the ConfigMap's value, and the default it must agree with
    docs = rendered[overlay]
    config_rs = (REPO / "shared/contract/src/config.rs").read_text()
    default = re.search(r"fn shutdown_timeout_secs\(\) -> Seconds \{\s*Seconds::from_secs\((\d+)\)", config_rs)
    shutdown = int(config_value(docs, "millm-common", "SHUTDOWN_TIMEOUT_SECS"))
    unload = int(config_value(docs, "millm-gpu-worker", "GRACEFUL_UNLOAD_TIMEOUT"))

    # Act
    grace = {name: pod_spec(docs, name)["terminationGracePeriodSeconds"] for name in MILLM_WORKLOADS}

    # Assert
    assert default and int(default.group(1)) == shutdown
    assert all(g > shutdown for g in grace.values()), grace
    assert grace["millm-gpu-worker"] > unload


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_has_probes_with_explicit_timeouts_and_ours_use_the_metrics_port(overlay, rendered):
    # Arrange
    docs = rendered[overlay]
    metrics_port = int(config_value(docs, "millm-common", "METRICS_PORT"))
    workloads = [d for d in docs if d["kind"] in ("Deployment", "StatefulSet")]

    for workload in workloads:
        for container in workload["spec"]["template"]["spec"]["containers"]:
            # Act
            probes = {k: container.get(k) for k in ("livenessProbe", "readinessProbe")}

            # Assert
            name = workload["metadata"]["name"]
            assert all(p and p.get("timeoutSeconds") for p in probes.values()), f"{name}: {probes}"
            if name in MILLM_WORKLOADS:
                ports = {p["name"]: p["containerPort"] for p in container["ports"]}
                assert ports["metrics"] == metrics_port
                assert probes["livenessProbe"]["httpGet"] == {"path": "/livez", "port": "metrics"}
                assert probes["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_downloaders_have_a_disruption_budget_that_still_lets_a_single_one_drain(overlay, rendered):
    # Arrange
    docs = rendered[overlay]

    # Act
    budget = find(docs, "PodDisruptionBudget", "millm-downloader")["spec"]
    labels = find(docs, "Deployment", "millm-downloader")["spec"]["template"]["metadata"]["labels"]

    # Assert
    assert budget["maxUnavailable"] == 1 and "minAvailable" not in budget
    assert budget["selector"]["matchLabels"].items() <= labels.items()


def test_the_cpu_overlay_asks_for_no_gpu_and_the_gpu_overlay_for_exactly_one(rendered):
    # Arrange / Act
    cpu = pod_spec(rendered["cpu"], "millm-gpu-worker")
    gpu = find(rendered["gpu"], "Deployment", "millm-gpu-worker")

    # Assert
    assert "nvidia.com/gpu" not in json.dumps(rendered["cpu"])
    assert config_value(rendered["cpu"], "millm-gpu-worker", "DEVICE") == "cpu"
    assert "tolerations" not in cpu
    assert gpu["spec"]["replicas"] == 1 and gpu["spec"]["strategy"]["type"] == "Recreate"
    assert gpu["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == 1


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_postgres_redis_and_nats_come_from_the_deps_component_only(overlay, rendered, tmp_path):
    # Arrange
    import subprocess

    base = subprocess.run(["kubectl", "kustomize", str(REPO / "deploy/k8s/base")], capture_output=True, text=True)

    # Act
    kinds = {(d["kind"], d["metadata"]["name"]) for d in rendered[overlay]}

    # Assert
    assert base.returncode == 0, base.stderr
    assert {("StatefulSet", "postgres"), ("Deployment", "redis"), ("Deployment", "nats")} <= kinds
    assert not re.search(r"^  name: (postgres|redis|nats)$", base.stdout, flags=re.MULTILINE)
