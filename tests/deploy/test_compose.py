"""docker-compose.yml and its CPU override, as Docker Compose v2 itself resolves them (`config`, no engine)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import (
    DUMMY_DB_PASSWORD,
    MILLM_SERVICES,
    REPO,
    ComposeError,
    compose_config,
    default_compose_env,
    load_yaml,
)

OBSERVABILITY = ("otel-collector", "jaeger", "prometheus")
COLLECTOR = "http://otel-collector:4317"


def test_the_cpu_override_runs_exactly_one_gpu_worker_without_a_gpu_reservation():
    # Arrange / Act
    config = compose_config("docker-compose.yml", "deploy/compose/cpu.yml", env=default_compose_env())
    worker = config["services"]["gpu-worker"]

    # Assert
    assert worker["deploy"]["replicas"] == 1
    assert "nvidia" not in str(worker.get("deploy", {}).get("resources", {}))
    assert worker["environment"]["DEVICE"] == "cpu"


@pytest.mark.parametrize("missing", ["MILLM_SECRET_KEY", "POSTGRES_PASSWORD"])
def test_compose_refuses_to_run_without_a_generated_secret(missing):
    # Arrange
    env = default_compose_env()
    del env[missing]

    # Act / Assert
    with pytest.raises(ComposeError, match=missing):
        compose_config("docker-compose.yml", env=env)


def test_the_database_password_comes_from_the_environment_and_nowhere_else():
    # Arrange
    password = "f00dfeedc0ffee"

    # Act
    services = compose_config("docker-compose.yml", env=default_compose_env(POSTGRES_PASSWORD=password))["services"]

    # Assert
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == password
    for name in [*MILLM_SERVICES, "migrate"]:
        assert services[name]["environment"]["DATABASE_URL"] == f"postgres://millm:{password}@postgres:5432/millm"
    assert DUMMY_DB_PASSWORD not in (REPO / "docker-compose.yml").read_text()


def test_downloaders_can_be_scaled_with_no_fixed_name_or_host_port():
    # Arrange / Act
    downloader = compose_config("docker-compose.yml", env=default_compose_env())["services"]["downloader"]

    # Assert: what `docker compose up --scale downloader=4` would trip over
    assert "container_name" not in downloader
    assert not downloader.get("ports")
    assert downloader["deploy"]["replicas"] >= 1


def test_the_proxy_passes_through_to_the_gateway_and_downloaders_only():
    # Arrange
    proxy = {"HTTPS_PROXY": "http://proxy.lan:3128", "HTTP_PROXY": "http://proxy.lan:3128", "NO_PROXY": "localhost"}

    # Act
    services = compose_config("docker-compose.yml", env=default_compose_env(**proxy))["services"]

    # Assert
    for name in ("gateway", "downloader"):
        assert {k: services[name]["environment"].get(k) for k in proxy} == proxy
    assert not set(proxy) & set(services["gpu-worker"]["environment"])


def test_the_observability_services_run_only_with_their_profile():
    # Arrange / Act
    plain = compose_config("docker-compose.yml", env=default_compose_env())["services"]
    profiled = compose_config("docker-compose.yml", env=default_compose_env(), profiles=("observability",))

    # Assert
    assert not set(OBSERVABILITY) & set(plain)
    assert set(OBSERVABILITY) <= set(profiled["services"])


def test_with_the_profile_every_service_exports_its_spans_to_the_collector_which_forwards_them_to_jaeger():
    # Arrange
    env = default_compose_env(OTEL_EXPORTER_OTLP_ENDPOINT=COLLECTOR)
    services = compose_config("docker-compose.yml", env=env, profiles=("observability",))["services"]

    # Act
    collector = load_yaml(mounted(services["otel-collector"], "/etc/otelcol-contrib/config.yaml"))
    traces = collector["service"]["pipelines"]["traces"]

    # Assert
    for name in MILLM_SERVICES:
        assert services[name]["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"] == COLLECTOR
    assert collector["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"].endswith(":4317")
    assert set(traces["receivers"]) <= set(collector["receivers"])
    assert set(traces["processors"]) <= set(collector["processors"])
    assert set(traces["exporters"]) <= set(collector["exporters"])
    assert [collector["exporters"][e]["endpoint"] for e in traces["exporters"]] == ["jaeger:4317"]


def test_prometheus_scrapes_every_services_metrics_port_and_finds_every_downloader_by_dns():
    # Arrange
    services = compose_config("docker-compose.yml", env=default_compose_env(), profiles=("observability",))["services"]
    prometheus = load_yaml(mounted(services["prometheus"], "/etc/prometheus/prometheus.yml"))
    jobs = {job["job_name"]: job for job in prometheus["scrape_configs"]}

    # Act
    ports = {name: services[name]["environment"]["METRICS_PORT"] for name in MILLM_SERVICES}
    static = {t for job in jobs.values() for sc in job.get("static_configs", []) for t in sc["targets"]}
    downloader_sd = jobs["millm-downloader"]["dns_sd_configs"]

    # Assert
    assert f"gateway:{ports['gateway']}" in static
    assert f"gpu-worker:{ports['gpu-worker']}" in static
    assert downloader_sd == [
        {"names": ["downloader"], "type": "A", "port": int(ports["downloader"]), "refresh_interval": "15s"}
    ]
    assert not any(t.startswith("downloader") for t in static), "a static target would see one replica only"


def mounted(service: dict, target: str) -> Path:
    """The host file a service mounts at `target`."""
    for volume in service.get("volumes", []):
        if volume["target"] == target:
            path = Path(volume["source"])
            assert path.is_file(), f"{path} is mounted but missing"
            return path
    raise AssertionError(f"nothing is mounted at {target}")
